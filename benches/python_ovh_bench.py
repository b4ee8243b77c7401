"""python-ovh's side of `cargo bench --bench vs_python` (benches/vs_python.rs).

    python3 benches/python_ovh_bench.py [--threads T] [--warmup W] ENDPOINT AK AS CK N ID...

Makes N signed `client.get('/me/bill/<id>')` calls against the emulator at ENDPOINT
(`http://127.0.0.1:PORT/1.0`), cycling over the IDs, after W warm-up calls per client
(the first of which reads `/auth/time`). With T > 1, T threads each own an `ovh.Client`
(and so a `requests.Session`) and make N / T calls one after the other.

Also run by `cargo bench --bench vs_peers` (benches/vs_peers.rs), one process per round.

Prints one JSON object on the last line of stdout: the client's versions, wall seconds of the timed loop, every
call's latency in µs, and `time.process_time()` seconds (CPU of the whole Python process,
every thread) used by the timed loop. If python-ovh cannot be imported, prints
`{"ok": false, "error": "python-ovh not installed: pip install ovh==1.2.0", ...}` and
exits 0.
"""

import argparse
import json
import platform
import sys
import threading
import time

try:
    import ovh
    import ovh.client
except ImportError as e:  # reported as a row by the Rust side, not a failure
    print(
        json.dumps(
            {
                "ok": False,
                "error": "python-ovh not installed: pip install ovh==1.2.0",
                "detail": str(e),
                "python": platform.python_version(),
            }
        )
    )
    sys.exit(0)


def ovh_version():
    try:
        from importlib.metadata import version

        return version("ovh")
    except Exception:  # an odd install: the version is only informative
        return "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("endpoint")
    parser.add_argument("ak")
    parser.add_argument("secret")
    parser.add_argument("ck")
    parser.add_argument("n", type=int)
    parser.add_argument("ids", nargs="+")
    args = parser.parse_args()

    # python-ovh only knows named endpoints: register the emulator under a name of its own.
    ovh.client.ENDPOINTS["emulator"] = args.endpoint
    threads = max(1, args.threads)
    ids = args.ids
    per_thread = args.n // threads

    clients = []
    for _ in range(threads):
        client = ovh.Client(
            endpoint="emulator",
            application_key=args.ak,
            application_secret=args.secret,
            consumer_key=args.ck,
        )
        # Warm-up: reads /auth/time once (time_delta), opens the keep-alive connection.
        for i in range(args.warmup):
            bill_id = ids[i % len(ids)]
            bill = client.get("/me/bill/" + bill_id)
            if bill["billId"] != bill_id:
                raise SystemExit(f"wrong bill: asked {bill_id}, got {bill['billId']}")
        clients.append(client)

    latencies = [[] for _ in range(threads)]
    errors = []
    barrier = threading.Barrier(threads + 1)

    def worker(t):
        client = clients[t]
        out = latencies[t]
        perf = time.perf_counter
        n_ids = len(ids)
        barrier.wait()
        try:
            for i in range(per_thread):
                bill_id = ids[(t * per_thread + i) % n_ids]
                start = perf()
                bill = client.get("/me/bill/" + bill_id)
                out.append((perf() - start) * 1e6)
                if bill["billId"] != bill_id:
                    raise RuntimeError(f"wrong bill: asked {bill_id}, got {bill['billId']}")
        except Exception as e:  # reported, not swallowed
            errors.append(f"{type(e).__name__}: {e}")

    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    barrier.wait()
    for w in workers:
        w.join()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0

    if errors:
        raise SystemExit("python-ovh calls failed: " + "; ".join(errors[:3]))
    all_latencies = [x for per in latencies for x in per]
    print(
        json.dumps(
            {
                "ok": True,
                "client": f"python-ovh {ovh_version()} on CPython {platform.python_version()}",
                "ovh": ovh_version(),
                "python": platform.python_version(),
                "threads": threads,
                "calls": len(all_latencies),
                "warmup_calls": args.warmup * threads,
                "wall_s": wall,
                "cpu_s": cpu,
                "latencies_us": [round(x, 1) for x in all_latencies],
            }
        )
    )


if __name__ == "__main__":
    main()
