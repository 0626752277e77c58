#!/usr/bin/env python3
"""Issue #17 benchmark: a sync against a server that costs time per result, behind a gateway,
under TestRail Cloud's instance-wide limit; and twenty shards sharing that limit.

Server cost model (the emulator's flags): every request costs `--server-ms` plus
`--server-ms-per-result` per result it writes, a gateway answers 504 after
`--gateway-timeout-ms` while the write goes on and commits, and 180 requests per minute are
allowed for the whole instance. The emulator runs the server work of concurrent requests in
parallel (a model, not a database). For each tool: wall time, API calls, 429s, 504s, and
duplicated / missing results read back from the emulator afterwards.

Called by bench/run.sh; alone:
  bench/gateway.py --ours target/release/testrail-sync --trcli VENV/bin/trcli \\
      --trcli-home HOME --report r.xml --fixture fx.json --workdir bench/out
Only 127.0.0.1 is contacted. Every child has a timeout; every loop is bounded.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

LIMIT = 180  # TestRail Cloud Professional, per instance


def api(url, endpoint):
    auth = base64.b64encode(("%s:%s" % (e2e.EMAIL, e2e.KEY)).encode()).decode()
    items, nxt, key = [], "/api/v2/" + endpoint, endpoint.split("/")[0].replace("get_", "")
    for _ in range(1000):
        req = urllib.request.Request(url + "/index.php?" + nxt, headers={"Authorization": "Basic " + auth})
        with urllib.request.urlopen(req, timeout=60) as r:
            page = json.load(r)
        if isinstance(page, list):
            return page
        items += page[key if key in page else "results"]
        nxt = (page.get("_links") or {}).get("next")
        if not nxt:
            return items
    raise SystemExit("too many pages for " + endpoint)


def lift_rate_limit(url):
    """The checks below are ours, not the tools': they must not wait for the instance limit."""
    req = urllib.request.Request(url + "/_emulator/faults", data=b'{"rate_limit": 0}', method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def exactly_once(url):
    """(results, duplicates, cases without a result) over every run, read with no limit on."""
    lift_rate_limit(url)
    results = duplicates = missing = 0
    for run in api(url, "get_runs/1"):
        tests = api(url, "get_tests/%d" % run["id"])
        per_test = {}
        for r in api(url, "get_results_for_run/%d" % run["id"]):
            per_test[r["test_id"]] = per_test.get(r["test_id"], 0) + 1
        results += sum(per_test.values())
        duplicates += sum(n - 1 for n in per_test.values())
        missing += sum(1 for t in tests if t["id"] not in per_test)
    return results, duplicates, missing


def model_args(per_result_ms, gateway_ms):
    return ["--server-ms", "50", "--server-ms-per-result", str(per_result_ms),
            "--gateway-timeout-ms", str(gateway_ms), "--rate-limit-scope", "instance"]


def one_sync(a, name, per_result_ms, gateway_ms):
    rows = []
    env_ours = dict(os.environ, TESTRAIL_USER=e2e.EMAIL, TESTRAIL_API_KEY=e2e.KEY, NO_COLOR="1")
    env_trcli = dict(os.environ, HOME=a.trcli_home)
    for tool in ("trcli", "testrail-sync"):
        if tool == "trcli" and a.no_trcli:
            continue
        with e2e.Emulator(a.ours, a.fixture, 0, LIMIT, a.workdir, model_args(per_result_ms, gateway_ms)) as emu:
            if tool == "trcli":
                cmd, env = e2e.trcli_cmd(a, emu.url, a.report), env_trcli
            else:
                cmd = e2e.ours_cmd(a, a.report, None, LIMIT)
                env = dict(env_ours, TESTRAIL_HOST=emu.url)
            row = e2e.measure(tool, cmd, emu, env, a.workdir, a.timeout, "%s-%s" % (name, tool))
            emu_stats = emu.stats()
            row["gateway_timeouts"] = emu_stats.get("gateway_timeouts", 0)
            row["late_commits"] = emu_stats.get("late_commits", 0)
            row["results"], row["duplicates"], row["missing"] = exactly_once(emu.url)
            rows.append(row)
            print("  %-10s %-14s %8.2f s %5d calls %4d x 429 %3d x 504 %6d results %5d duplicates %5d missing%s" % (
                name, tool, row["wall_s"], row["api_calls"], row["status_codes"].get("429", 0),
                row["gateway_timeouts"], row["results"], row["duplicates"], row["missing"],
                "" if row["exit"] == 0 else "  EXIT %s" % row["exit"]), flush=True)
    return rows


def shards(a, count=20, per_shard=20):
    """`count` jobs, `per_shard` new cases each, into one run opened empty, 180/min per instance."""
    first = 100001
    fixture = os.path.join(a.workdir, "fixture-shards.json")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "gen_report.py"), "--tests",
                    str(count * per_shard), "--out", os.path.join(a.workdir, "report-shards.xml"),
                    "--fixture", fixture], check=True, timeout=120, stdout=subprocess.DEVNULL)
    reports = []
    for s in range(count):
        path = os.path.join(a.workdir, "shard-%d.xml" % s)
        with open(path, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="shard">\n')
            for c in range(first + s * per_shard, first + (s + 1) * per_shard):
                f.write('<testcase classname="tests.shard" name="test_C%d_works" time="0.1"/>\n' % c)
            f.write("</testsuite></testsuites>\n")
        reports.append(path)
    env = dict(os.environ, TESTRAIL_USER=e2e.EMAIL, TESTRAIL_API_KEY=e2e.KEY, NO_COLOR="1")
    with e2e.Emulator(a.ours, fixture, 0, LIMIT, a.workdir, model_args(2, 60000)) as emu:
        env["TESTRAIL_HOST"] = emu.url
        opened = subprocess.run([a.ours, "run", "open", "--project-id", "1", "--suite-id", "1"], env=env,
                                capture_output=True, text=True, timeout=60, check=True)
        run_id = opened.stdout.strip()
        before = emu.stats()  # (a reset would forget the run too)
        start = time.perf_counter()
        procs = [subprocess.Popen([a.ours, "report", r, "--project-id", "1", "--suite-id", "1", "--run-id", run_id,
                                   "--no-journal", "--format", "json", "--rate-limit", str(LIMIT)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for r in reports]
        codes = []
        for p in procs:
            try:
                codes.append(p.wait(timeout=a.timeout))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append("timeout")
        wall = time.perf_counter() - start
        stats = emu.stats()
        results, duplicates, missing = exactly_once(emu.url)
    made = stats.get("requests", 0) - before.get("requests", 0)
    refused = stats.get("status_codes", {}).get("429", 0) - before.get("status_codes", {}).get("429", 0)
    endpoints = {k: v - before.get("endpoints", {}).get(k, 0) for k, v in stats.get("endpoints", {}).items()}
    stats["endpoints"] = {k: v for k, v in endpoints.items() if v}
    admitted = made - refused
    # A sliding window of LIMIT per minute admits LIMIT at once; request k (0-based) can go at
    # minute k // LIMIT at the earliest. `run open`'s requests are in the same window.
    prior = before.get("requests", 0) - before.get("status_codes", {}).get("429", 0)
    allowed = ((prior + admitted - 1) // LIMIT) * 60.0 if admitted else 0.0
    print("  shards     %d x %d cases: %.1f s, %d requests (%d admitted = %.1f per shard, %d x 429), "
          "the limit lets the last admitted one go at %.0f s; %d results, %d duplicates, %d missing; exits %s" % (
              count, per_shard, wall, made, admitted, admitted / count, refused, allowed, results, duplicates,
              missing, sorted(set(map(str, codes)))), flush=True)
    print("  shards per endpoint: %s" % json.dumps(stats.get("endpoints", {}), sort_keys=True), flush=True)
    return {"wall_s": wall, "requests": made, "admitted": admitted, "refused": refused, "allowed_s": allowed,
            "results": results, "duplicates": duplicates, "missing": missing, "endpoints": stats.get("endpoints")}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ours", required=True)
    p.add_argument("--trcli", required=True)
    p.add_argument("--trcli-home", required=True)
    p.add_argument("--report", required=True)
    p.add_argument("--fixture", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--no-trcli", action="store_true")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--parts", default="model,slow,shards")
    a = p.parse_args()
    for attr in ("ours", "trcli", "trcli_home", "report", "fixture", "workdir"):
        setattr(a, attr, os.path.abspath(getattr(a, attr)))
    parts = a.parts.split(",")
    out = {}
    if "model" in parts:
        print("== cost model: 50 ms + 2 ms per result, 60 s gateway, %d/min per instance" % LIMIT, flush=True)
        out["model"] = one_sync(a, "model", 2, 60000)
    if "slow" in parts:
        print("== slow server: 50 ms + 20 ms per result, 10 s gateway, %d/min per instance" % LIMIT, flush=True)
        out["slow"] = one_sync(a, "slow", 20, 10000)
    if "shards" in parts:
        print("== 20 shards into one run opened empty, %d/min per instance, cost model as above" % LIMIT, flush=True)
        out["shards"] = shards(a)
    with open(os.path.join(a.workdir, "gateway.json"), "w") as f:
        json.dump(out, f, indent=1, default=str)


if __name__ == "__main__":
    main()
