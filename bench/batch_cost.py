#!/usr/bin/env python3
"""Cost of one add_results_for_cases call against batch size B, on one keep-alive connection to
an emulator with no latency and no limit: the server's per-result (payload) cost, to weigh
against the per-request cost a sync pays in a given setting (round trip + pacer slot).

Usage: batch_cost.py --ours target/release/testrail-sync --fixture bench/out/fixture-10000.json
Only 127.0.0.1; a bounded number of requests (sizes × reps).
"""

import argparse
import base64
import http.client
import json
import statistics
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from e2e import EMAIL, KEY, Emulator  # noqa: E402

FIRST_CASE_ID = 100001


def comment(i):
    if i % 20 == 7:
        return ("**Failed**\n\n```\nAssertionError: expected 200, got 500\n" +
                '  File "/src/shop/tests/test_mod.py", line 12, in test\n' * 6 + "```")
    return ""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ours", required=True)
    p.add_argument("--fixture", required=True)
    p.add_argument("--cases", type=int, default=10000)
    p.add_argument("--sizes", default="50,250,500,1000,2000,5000,10000")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--workdir", default=".")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    auth = "Basic " + base64.b64encode(("%s:%s" % (EMAIL, KEY)).encode()).decode()
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    rows = []
    with Emulator(a.ours, a.fixture, 0, 0, a.workdir) as emu:
        conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=60)

        def post(endpoint, body):
            data = json.dumps(body).encode()
            t = time.perf_counter()
            conn.request("POST", "/index.php?/api/v2/" + endpoint, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            elapsed = time.perf_counter() - t
            if resp.status != 200:
                sys.exit("%s -> %d %s" % (endpoint, resp.status, payload[:300]))
            return json.loads(payload), elapsed, len(data)

        for b in sizes:
            b = min(b, a.cases)
            times, size = [], 0
            for rep in range(max(1, min(a.reps, 20))):
                emu.reset()
                run, _, _ = post("add_run/1", {"suite_id": 1, "name": "probe", "include_all": False,
                                                "case_ids": list(range(FIRST_CASE_ID, FIRST_CASE_ID + a.cases))})
                results = [{"case_id": FIRST_CASE_ID + i, "status_id": 5 if i % 20 == 7 else 1,
                            "comment": comment(i), "elapsed": "1s", "version": "1.4.2"} for i in range(b)]
                _, elapsed, size = post("add_results_for_cases/%d" % run["id"], {"results": results})
                times.append(elapsed)
            med = statistics.median(times)
            rows.append((b, med, size))
            print("B=%-6d %8.2f ms  %6.1f µs/result  body %7.1f KiB" % (b, med * 1e3, med / b * 1e6, size / 1024),
                  flush=True)
        conn.close()
    # Least squares: t = fixed + per_result × B.
    xs, ys = [r[0] for r in rows], [r[1] for r in rows]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    fixed = my - slope * mx
    # The intercept of a fit dominated by big batches is noise; the smallest batch says more.
    local_fixed = max(rows[0][1] - slope * rows[0][0], 1e-5)
    print("fit: %.2f µs per result; a request's own cost at B=%d: %.2f ms" % (slope * 1e6, rows[0][0], local_fixed * 1e3))
    for name, per_request in (("cloud (100 ms RTT + 337 ms pacer slot)", 0.437), ("self-hosted (20 ms RTT)", 0.020),
                              ("local (0 ms RTT)", local_fixed)):
        print("  payload cost equals per-request cost at B ≈ %d for %s" % (per_request / slope, name))


if __name__ == "__main__":
    main()
