#!/usr/bin/env python3
"""Generate test reports and emulator fixtures for the benchmarks (no dependencies).

The report is written as a stream (one testcase at a time), so even the 500 MB "big" mode
uses a few MB of memory.

Examples:
  # 10,000 pytest-style results, IDs C100001..C110000 in the names, plus the fixture.
  gen_report.py --tests 10000 --out r.xml --fixture fx.json
  # ~500 MB / 1,000,000 testcases; IDs cycle over a bounded set of 10,000 cases.
  gen_report.py --tests 1000000 --id-count 10000 --target-mb 500 --out big.xml
  # The same, with no case IDs at all (everything unmapped).
  gen_report.py --tests 1000000 --no-ids --target-mb 500 --out big.xml

Dialects:
  pytest   <testsuites><testsuite name="pytest">, classname tests.test_mod_N, names
           test_C123_does_thing_N, <failure message>trace</failure>, <skipped type message>.
  surefire <testsuite> per class, ids as a <property name="test_id" value="C123"/> per case
           (our property matcher; trcli would need --case-matcher property).
  plain    one <testsuite>, names "C123 does thing N" (a space-separated id).

Outcomes are deterministic (a seeded PRNG): --fail-rate and --skip-rate are fractions.
"""

import argparse
import json
import random
import sys

FIRST_CASE_ID = 100001
TRACE_LINE = '  File "/src/shop/tests/test_mod_{m}.py", line {l}, in test_{n}\n'


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def case_id(i, args):
    return FIRST_CASE_ID + (i % args.id_count)


def outcome(rng, args):
    r = rng.random()
    if r < args.fail_rate:
        return "failed"
    if r < args.fail_rate + args.skip_rate:
        return "skipped"
    return "passed"


def failure_body(i, rng):
    lines = [TRACE_LINE.format(m=i % 97, l=10 + rng.randrange(400), n=i) for _ in range(6)]
    return "".join(lines) + "AssertionError: expected 200, got 500 for order %d" % i


def padding(n):
    """Captured stdout used to reach --target-mb: realistic log lines, not one giant string."""
    line = "INFO  shop.checkout: step ok; cart=3 items; latency=12ms; trace-id=0123456789abcdef\n"
    return (line * (n // len(line) + 1))[:n]


def testcase(i, rng, args, pad):
    m = i % 97
    classname = "tests.test_mod_%d" % m
    cid = None if args.no_ids else case_id(i, args)
    if args.dialect == "plain":
        name = ("C%d does thing %d" % (cid, i)) if cid else ("does thing %d" % i)
    else:
        name = ("test_C%d_does_thing_%d" % (cid, i)) if (cid and args.dialect == "pytest") else ("test_does_thing_%d" % i)
    time = "%.3f" % (0.001 + rng.random() * 2.5)
    out = ['<testcase classname="%s" name="%s" file="tests/test_mod_%d.py" line="%d" time="%s">'
           % (classname, esc(name), m, 10 + i % 500, time)]
    if args.dialect == "surefire" and cid:
        out.append('<properties><property name="test_id" value="C%d"/></properties>' % cid)
    kind = outcome(rng, args)
    if kind == "failed":
        out.append('<failure message="AssertionError: expected 200, got 500">%s</failure>' % esc(failure_body(i, rng)))
    elif kind == "skipped":
        out.append('<skipped type="pytest.skip" message="needs payment sandbox">tests/test_mod_%d.py:%d: needs payment sandbox</skipped>'
                   % (m, 10 + i % 500))
    if pad:
        out.append("<system-out>%s</system-out>" % esc(pad))
    out.append("</testcase>\n")
    return "".join(out)


def write_report(args):
    rng = random.Random(args.seed)
    # Average bytes per testcase without padding is ~260 (pytest); pad to reach the target.
    pad = ""
    if args.target_mb:
        per_case = args.target_mb * 1000 * 1000 // max(1, args.tests)
        sample_rng = random.Random(args.seed)
        sample = [testcase(i, sample_rng, args, "") for i in range(2000)]
        base = sum(len(t) for t in sample) // len(sample) + len("<system-out></system-out>")
        if per_case > base:
            pad = padding(per_case - base)
    out = open(args.out, "w", encoding="utf-8", buffering=1 << 20) if args.out != "-" else sys.stdout
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    if args.dialect == "pytest":
        out.write('<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" '
                  'tests="%d" time="1.0" timestamp="2026-11-27T09:00:00" hostname="ci">\n' % args.tests)
    else:
        out.write('<testsuites><testsuite name="shop" tests="%d">\n' % args.tests)
    for i in range(args.tests):
        out.write(testcase(i, rng, args, pad))
    out.write("</testsuite></testsuites>\n")
    if out is not sys.stdout:
        out.close()


def write_fixture(args):
    """The emulator's --fixture format (crates/testrail-emulator/src/fixture.rs)."""
    count = min(args.tests, args.id_count)
    fixture = {
        "projects": [{"id": 1, "name": "Shop", "suite_mode": 1}],
        "suites": [{"id": 1, "name": "Master", "project_id": 1, "is_master": True}],
        "sections": [{"id": 1, "suite_id": 1, "name": "Tests"}],
        "cases": [
            {"id": FIRST_CASE_ID + k, "title": "Case %d" % (FIRST_CASE_ID + k), "section_id": 1, "suite_id": 1,
             "template_id": 1, "type_id": 1, "priority_id": 2}
            for k in range(count)
        ],
        # A "Skipped" custom status: testrail-sync then posts skips (as trcli does, as Retest), so
        # both tools post every result.
        "statuses": [{"id": 6, "name": "custom_status1", "label": "Skipped"}],
        "users": [],
    }
    with open(args.fixture, "w", encoding="utf-8") as f:
        json.dump(fixture, f)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tests", type=int, default=10000, help="number of <testcase> elements")
    p.add_argument("--out", default="-", help="report path ('-' = stdout)")
    p.add_argument("--dialect", choices=["pytest", "surefire", "plain"], default="pytest")
    p.add_argument("--id-count", type=int, default=0,
                   help="distinct case IDs (IDs cycle when smaller than --tests; default = --tests)")
    p.add_argument("--no-ids", action="store_true", help="names carry no case IDs")
    p.add_argument("--fail-rate", type=float, default=0.05)
    p.add_argument("--skip-rate", type=float, default=0.03)
    p.add_argument("--target-mb", type=int, default=0, help="pad with <system-out> to about this size (MB = 10^6 B)")
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--fixture", help="also write an emulator fixture with the report's case IDs")
    args = p.parse_args()
    if args.tests < 0 or args.tests > 50_000_000:
        p.error("--tests must be between 0 and 50,000,000")
    if args.id_count <= 0:
        args.id_count = max(1, args.tests)
    write_report(args)
    if args.fixture:
        write_fixture(args)


if __name__ == "__main__":
    main()
