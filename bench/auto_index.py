#!/usr/bin/env python3
"""Issue #15: the second sync against a big suite matched by automation ID, trcli vs testrail-sync.

A suite of --cases cases (default 20,000) whose `custom_automation_id` is `tests.bulk.test_N`
(as trcli's `parse_junit -y` writes it), a JUnit report of --tests of those tests (no case IDs),
both tools with the auto matcher:

  trcli:          trcli -y ... parse_junit -f report.xml --suite-id 1 --title bench   (auto is its default)
  testrail-sync:  testrail-sync report report.xml --project-id 1 --suite-id 1 --case-matcher auto
                  --cache-dir DIR   (run once to warm the case index, then measured)

trcli keeps nothing between runs, so its every sync reads all ⌈cases/250⌉ pages of get_cases;
ours refreshes the index with get_cases&updated_after= (one page when nothing changed).
Each tool gets its own emulator (fresh rate-limit window); stats are read after the measured run
only (the emulator is reset after the warm-up: same fixture, so the index stays valid).

  bench/auto_index.py --ours target/release/testrail-sync --trcli bench/.venv/bin/trcli \
      --trcli-home DIR --workdir DIR [--latency-ms 100 --rate-limit 180]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import EMAIL, KEY, Emulator, measure  # noqa: E402


def fixture(cases, path):
    sections = [{"id": 1, "suite_id": 1, "name": "bulk"}]
    rows = []
    for i in range(1, cases + 1):
        rows.append({
            "id": i, "title": "test_%d" % i, "section_id": 1, "suite_id": 1,
            "template_id": 1, "type_id": 1, "priority_id": 2,
            # Written over months, as real suites are.
            "created_on": 1_700_000_000 + i * 600,
            "custom_automation_id": "tests.bulk.test_%d" % i,
        })
    doc = {
        "projects": [{"id": 1, "name": "Shop", "suite_mode": 1}],
        "suites": [{"id": 1, "name": "Master", "project_id": 1, "is_master": True}],
        "sections": sections,
        "cases": rows,
    }
    with open(path, "w") as f:
        json.dump(doc, f)


def report(tests, cases, path):
    step = max(1, cases // tests)
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
        f.write('<testsuite name="bulk" tests="%d">\n' % tests)
        for n in range(tests):
            i = 1 + n * step
            f.write('<testcase classname="tests.bulk" name="test_%d" time="0.1"/>\n' % i)
        f.write("</testsuite>\n</testsuites>\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ours", required=True)
    p.add_argument("--trcli", required=True)
    p.add_argument("--trcli-home", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--cases", type=int, default=20000)
    p.add_argument("--tests", type=int, default=2000)
    p.add_argument("--latency-ms", type=int, default=100)
    p.add_argument("--rate-limit", type=int, default=180)
    p.add_argument("--no-trcli", action="store_true")
    a = p.parse_args()
    if not (1 <= a.tests <= a.cases <= 100_000):
        sys.exit("need 1 <= --tests <= --cases <= 100000")
    os.makedirs(a.workdir, exist_ok=True)
    fx = os.path.join(a.workdir, "auto-fixture.json")
    rp = os.path.join(a.workdir, "auto-report.xml")
    fixture(a.cases, fx)
    report(a.tests, a.cases, rp)
    cache = os.path.join(a.workdir, "auto-cache")
    timeout = 600
    rows = []

    env_ours = dict(os.environ, TESTRAIL_USER=EMAIL, TESTRAIL_API_KEY=KEY, NO_COLOR="1")
    with Emulator(a.ours, fx, a.latency_ms, a.rate_limit, a.workdir) as emu:
        env_ours["TESTRAIL_HOST"] = emu.url
        cmd = [a.ours, "report", rp, "--project-id", "1", "--suite-id", "1", "--case-matcher", "auto",
               "--cache-dir", cache, "--format", "json", "--no-journal", "--run-name", "bench",
               "--rate-limit", str(a.rate_limit)]
        warm = measure("testrail-sync", cmd, emu, env_ours, a.workdir, timeout, "auto-ours-first")
        rows.append(dict(warm, label="testrail-sync, first sync (cold index)"))
        second = measure("testrail-sync", cmd, emu, env_ours, a.workdir, timeout, "auto-ours-second")
        rows.append(dict(second, label="testrail-sync, second sync (warm index)"))

    if not a.no_trcli:
        env_trcli = dict(os.environ, HOME=a.trcli_home)
        with Emulator(a.ours, fx, a.latency_ms, a.rate_limit, a.workdir) as emu:
            cmd = [a.trcli, "-y", "-h", emu.url, "--project", "Shop", "-u", EMAIL, "-k", KEY,
                   "parse_junit", "-f", rp, "--suite-id", "1", "--title", "bench"]
            row = measure("trcli", cmd, emu, env_trcli, a.workdir, timeout, "auto-trcli-second")
            rows.append(dict(row, label="trcli, second sync (auto matcher, -y)"))

    print("%d cases, %d tests, %d ms latency, rate limit %d/min" % (a.cases, a.tests, a.latency_ms, a.rate_limit))
    print("| run | wall | API calls | get_cases pages | 429s | exit |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %.2f s | %d | %d | %d | %d |" % (
            r["label"], r["wall_s"], r["api_calls"], r["endpoints"].get("get_cases", 0),
            r["status_codes"].get("429", 0), r["exit"]))
    print(json.dumps([{k: r[k] for k in ("label", "wall_s", "api_calls", "endpoints", "status_codes")}
                      for r in rows]), file=sys.stderr)


if __name__ == "__main__":
    main()
