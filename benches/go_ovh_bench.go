// go-ovh's side of `cargo bench --bench vs_peers` (benches/vs_peers.rs), which builds this file
// in GOPATH mode against Debian's go-ovh sources (golang-github-ovh-go-ovh-dev 1.1.0).
//
//	go_ovh_bench [-warmup W] ENDPOINT AK AS CK N ID...
//
// Makes N signed `client.Get("/me/bill/<id>", &bill)` calls against the emulator at ENDPOINT
// (`http://127.0.0.1:PORT/1.0`), cycling over the IDs and decoding into a Go struct of the
// bill's shape, after W warm-up calls (the first of which reads /auth/time). Prints one JSON
// object on stdout, the same fields as benches/python_ovh_bench.py: wall seconds of the timed
// loop, every call's latency in µs, and the CPU time (user + system, getrusage RUSAGE_SELF: every
// thread of this process, the runtime's and the garbage collector's included) the timed loop
// used.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/ovh/go-ovh/ovh"
)

// Price is a billing price as /me/bill/{billId} answers it.
type Price struct {
	CurrencyCode  string  `json:"currencyCode"`
	PriceInUcents int64   `json:"priceInUcents"`
	Text          string  `json:"text"`
	Value         float64 `json:"value"`
}

// Bill is GET /me/bill/{billId}, typed as a Go program using go-ovh would type it.
type Bill struct {
	BillID          string    `json:"billId"`
	Category        string    `json:"category"`
	Date            time.Time `json:"date"`
	OrderID         int64     `json:"orderId"`
	Password        string    `json:"password"`
	PdfURL          string    `json:"pdfUrl"`
	URL             string    `json:"url"`
	PriceWithoutTax Price     `json:"priceWithoutTax"`
	Tax             Price     `json:"tax"`
	PriceWithTax    Price     `json:"priceWithTax"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// cpu is this process's user + system time so far.
func cpu() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		fail("getrusage: %v", err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func get(client *ovh.Client, id string) {
	var bill Bill
	if err := client.Get("/me/bill/"+id, &bill); err != nil {
		fail("GET /me/bill/%s: %v", id, err)
	}
	if bill.BillID != id {
		fail("wrong bill: asked %s, got %s", id, bill.BillID)
	}
}

func main() {
	warmup := flag.Int("warmup", 200, "warm-up calls")
	flag.Parse()
	args := flag.Args()
	if len(args) < 6 {
		fail("usage: go_ovh_bench [-warmup W] ENDPOINT AK AS CK N ID...")
	}
	n, err := strconv.Atoi(args[4])
	if err != nil {
		fail("N: %v", err)
	}
	ids := args[5:]
	client, err := ovh.NewClient(args[0], args[1], args[2], args[3])
	if err != nil {
		fail("client: %v", err)
	}

	// Warm-up: reads /auth/time once, opens the keep-alive connection.
	for i := 0; i < *warmup; i++ {
		get(client, ids[i%len(ids)])
	}

	latencies := make([]float64, 0, n)
	cpu0 := cpu()
	wall0 := time.Now()
	for i := 0; i < n; i++ {
		start := time.Now()
		get(client, ids[i%len(ids)])
		latencies = append(latencies, float64(time.Since(start).Nanoseconds())/1e3)
	}
	wall := time.Since(wall0)
	used := cpu() - cpu0

	out, err := json.Marshal(map[string]interface{}{
		"ok":           true,
		"client":       "go-ovh on " + runtime.Version() + ", GOMAXPROCS " + strconv.Itoa(runtime.GOMAXPROCS(0)),
		"calls":        len(latencies),
		"warmup_calls": *warmup,
		"wall_s":       wall.Seconds(),
		"cpu_s":        used.Seconds(),
		"latencies_us": latencies,
	})
	if err != nil {
		fail("json: %v", err)
	}
	fmt.Println(string(out))
}
