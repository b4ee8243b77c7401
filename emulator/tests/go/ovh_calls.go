// Drives the emulator with go-ovh, the official Go client (Debian golang-github-ovh-go-ovh-dev
// 1.1.0, built in GOPATH mode by go_ovh.rs).
//
// Reads the emulator's URL and application from the environment, requests a consumer key,
// has it validated, then makes signed calls on a collection without hand-written flow, and
// prints one JSON object with what happened on the last line of stdout. go-ovh 1.1.0 has no
// OAuth2 (client credentials came in 1.4.0).
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/ovh/go-ovh/ovh"
)

const records = "/domain/zone/example.com/record"

// fail stops with a message on stderr (the test shows it).
func fail(step string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", step, err)
	os.Exit(1)
}

func check(step string, err error) {
	if err != nil {
		fail(step, err)
	}
}

// apiError is what a failed call reports: status, message and query id.
func apiError(err error) map[string]interface{} {
	e, ok := err.(*ovh.APIError)
	if !ok {
		return map[string]interface{}{"other": fmt.Sprint(err)}
	}
	return map[string]interface{}{"code": e.Code, "message": e.Message, "query_id": e.QueryID}
}

func main() {
	out := map[string]interface{}{}
	client, err := ovh.NewClient(os.Getenv("EMU_ENDPOINT"), os.Getenv("EMU_AK"), os.Getenv("EMU_AS"), "")
	check("client", err)

	now, err := client.Time()
	check("time", err)
	out["time"] = now.Unix()

	// The consumer-key flow: request, the user approves at the validation URL, then use it.
	request := client.NewCkRequest()
	request.AddRecursiveRules(ovh.ReadWrite, "/")
	state, err := request.Do()
	check("credential", err)
	out["credential_state"] = state.State
	var me map[string]interface{}
	out["before_validation"] = apiError(client.Get("/me", &me))
	validation, err := http.Get(state.ValidationURL)
	check("validation", err)
	validation.Body.Close()
	out["validation_status"] = validation.StatusCode
	check("GET /me", client.Get("/me", &me))
	out["me"] = me != nil

	// Signed POST, GET (with a query string), PUT and DELETE on a stateful collection.
	var created map[string]interface{}
	body := map[string]interface{}{"fieldType": "A", "subDomain": "www", "target": "192.0.2.1", "ttl": 60}
	check("POST", client.Post(records, body, &created))
	out["created"] = created
	var ids []int64
	check("GET list", client.Get(records+"?fieldType=A&subDomain=www", &ids))
	out["listed"] = ids
	check("PUT", client.Put(records+"/1", map[string]interface{}{"target": "192.0.2.2"}, nil))
	var read map[string]interface{}
	check("GET item", client.Get(records+"/1", &read))
	out["updated_target"] = read["target"]
	check("DELETE", client.Delete(records+"/1", nil))
	out["after_delete"] = apiError(client.Get(records+"/1", &read))
	out["invalid"] = apiError(client.Post(records, map[string]interface{}{"fieldType": "XX", "target": "x"}, nil))

	line, err := json.Marshal(out)
	check("json", err)
	fmt.Println(string(line))
}
