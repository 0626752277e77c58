#!/usr/bin/env bash
# Issue #3: clients we did not write must work against the emulator unmodified.
#   1. trcli (the official TestRail CLI): parse_junit with the name matcher into a new run
#      (--close-run) and into an existing run (--run-id), then the outcome is read back over the API.
#   2. testrail-api (Python library): projects, suites, sections, cases, statuses, runs, results,
#      tests, attachments and plans, with the returned shapes and values asserted.
# Each client prints one "PASS" line; any mismatch exits non-zero and shows the emulator's log
# and /_emulator/stats. Only 127.0.0.1 is contacted (besides the package index for the venv).
#
#   scripts/check-real-clients.sh
#   TESTRAIL_SYNC_BIN=path/to/testrail-sync scripts/check-real-clients.sh
#
# Needs python3 with venv. The venv (target/real-clients-venv) is made once and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# The versions this check was written and run against; bump deliberately.
TRCLI_VERSION=1.15.3
TESTRAIL_API_VERSION=1.14.0

BIN=${TESTRAIL_SYNC_BIN:-target/debug/testrail-sync}
VENV=$ROOT/target/real-clients-venv
PY=$VENV/bin/python
TRCLI=$VENV/bin/trcli
USER_EMAIL=demo@testrail-sync.local
API_KEY=demo-key

WORK=$(mktemp -d "${TMPDIR:-/tmp}/real-clients.XXXXXX")
EMU_PID=""
cleanup() {
    if [[ -n "$EMU_PID" ]]; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    if [[ -n "${URL:-}" ]]; then
        echo "--- emulator stats" >&2
        curl -s --max-time 5 "$URL/_emulator/stats" >&2 || true
        echo >&2
    fi
    echo "--- emulator log (last 80 lines)" >&2
    tail -n 80 "$WORK/emulator.log" >&2 2>/dev/null || true
    exit 1
}

if [[ ! -x "$BIN" ]]; then
    echo "== building $BIN"
    cargo build -q -p testrail-sync-cli
fi

if ! "$PY" -c "import trcli, testrail_api; assert trcli.__version__ == '$TRCLI_VERSION'" 2>/dev/null; then
    echo "== venv $VENV (trcli $TRCLI_VERSION, testrail-api $TESTRAIL_API_VERSION)"
    python3 -m venv "$VENV"
    timeout 300 "$VENV/bin/pip" install -q "trcli==$TRCLI_VERSION" "testrail-api==$TESTRAIL_API_VERSION"
fi

# trcli asks the package index for its latest version at every start unless a fresh cache says it
# already did; seed that cache in a private HOME so no outside request is made.
export HOME=$WORK/home
mkdir -p "$HOME/.trcli"
printf '{"last_check": "%s", "latest_version": "%s"}\n' "$(date +%Y-%m-%dT%H:%M:%S)" "$TRCLI_VERSION" \
    >"$HOME/.trcli/version_cache.json"

echo "== emulator"
"$BIN" emulator --port 0 --bind 127.0.0.1 --demo-data -v >"$WORK/emulator.out" 2>"$WORK/emulator.log" &
EMU_PID=$!
URL=""
for _ in $(seq 1 100); do
    URL=$(head -n 1 "$WORK/emulator.out" 2>/dev/null | grep -o 'http://127\.0\.0\.1:[0-9]*' || true)
    [[ -n "$URL" ]] && break
    kill -0 "$EMU_PID" 2>/dev/null || fail "emulator exited before printing its URL"
    sleep 0.1
done
[[ -n "$URL" ]] || fail "emulator printed no URL within 10 s"
echo "emulator at $URL"
export URL USER_EMAIL API_KEY

# A tiny stdlib client for checking what the clients left behind (independent of both).
cat >"$WORK/api.py" <<'EOF'
import base64, json, os, urllib.request

URL = os.environ["URL"]
AUTH = base64.b64encode(f'{os.environ["USER_EMAIL"]}:{os.environ["API_KEY"]}'.encode()).decode()


def call(endpoint, body=None):
    req = urllib.request.Request(
        f"{URL}/index.php?/api/v2/{endpoint}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Basic {AUTH}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def check(cond, what):
    if not cond:
        raise SystemExit(f"mismatch: {what}")
EOF
export PYTHONPATH=$WORK

trcli() {
    (cd "$WORK" && timeout 60 "$TRCLI" -y -h "$URL" --project "Demo Shop" -u "$USER_EMAIL" -k "$API_KEY" "$@") \
        >"$WORK/trcli.out" 2>&1 || { cat "$WORK/trcli.out" >&2; fail "trcli $* exited non-zero"; }
}

echo "== trcli $TRCLI_VERSION"
# Every test carries a case id of the demo suite: a pass, a parametrized pair on one case,
# a failure with a message and a skip.
cat >"$WORK/report.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="real-clients">
  <testsuite name="checkout" tests="6" failures="1" skipped="1" time="4.3">
    <testcase classname="shop.Cart" name="C1 adds a product" time="0.4"/>
    <testcase classname="shop.Cart" name="C2 removes a product" time="2.6"/>
    <testcase classname="shop.Checkout" name="C3 rejects an expired card" time="1.2">
      <failure type="AssertionError" message="expected 402, got 200">at checkout.py:42</failure>
    </testcase>
    <testcase classname="shop.Checkout" name="C4 ships abroad">
      <skipped message="no sandbox"/>
    </testcase>
    <testcase classname="shop.Search" name="test_C5_search[books]" time="0.1"/>
    <testcase classname="shop.Search" name="test_C5_search[music]" time="0.1"/>
  </testsuite>
</testsuites>
EOF
trcli parse_junit -f report.xml --case-matcher name --suite-id 1 --title "trcli check" --close-run
"$PY" - <<'EOF' || fail "trcli new-run outcome (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
from api import call, check

runs = [r for r in call("get_runs/1")["runs"] if r["name"] == "trcli check"]
check(len(runs) == 1, f"one run named 'trcli check', got {len(runs)}")
run = runs[0]
check(run["is_completed"] is True, f"run closed, is_completed={run['is_completed']!r}")
check(run["suite_id"] == 1, "run in suite 1")
tests = call(f"get_tests/{run['id']}")["tests"]
status = {t["case_id"]: t["status_id"] for t in tests}
check(len(tests) == 5, f"5 tests (one per case), got {len(tests)}")
check(status == {1: 1, 2: 1, 3: 5, 4: 4, 5: 1}, f"statuses by case {status}")
results = call(f"get_results_for_run/{run['id']}")["results"]
check(len(results) == 6, f"6 results (the parametrized pair gives two), got {len(results)}")
by_test = {t["id"]: t["case_id"] for t in tests}
failed = [r for r in results if by_test[r["test_id"]] == 3]
check(len(failed) == 1 and "expected 402, got 200" in (failed[0]["comment"] or ""), f"failure comment {failed}")
elapsed = sorted(r["elapsed"] or "" for r in results if by_test[r["test_id"]] in (1, 2))
check(elapsed == ["1s", "3s"], f"elapsed of C1/C2 {elapsed}")
check(run["passed_count"] == 3 and run["failed_count"] == 1 and run["retest_count"] == 1,
      f"run counters passed={run['passed_count']} failed={run['failed_count']} retest={run['retest_count']}")
EOF

# Into an existing run: trcli reads the run, merges its tests' cases with the report's and
# updates the run before adding results.
RUN_ID=$("$PY" -c 'from api import call; print(call("add_run/1", {"suite_id": 1, "name": "existing run", "include_all": False, "case_ids": [10, 11]})["id"])') \
    || fail "add_run for the --run-id variant"
cat >"$WORK/report2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="real-clients">
  <testsuite name="account" tests="3" failures="1">
    <testcase classname="shop.Account" name="C6 signs up" time="1"/>
    <testcase classname="shop.Account" name="C10 resets the password" time="1">
      <failure message="no mail sent"/>
    </testcase>
    <testcase classname="shop.Account" name="[C7] logs in" time="1"/>
  </testsuite>
</testsuites>
EOF
trcli parse_junit -f report2.xml --case-matcher name --suite-id 1 --run-id "$RUN_ID"
RUN_ID=$RUN_ID "$PY" - <<'EOF' || fail "trcli --run-id outcome (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
import os
from api import call, check

run = call(f"get_run/{os.environ['RUN_ID']}")
check(run["is_completed"] is False, "run still open")
status = {t["case_id"]: t["status_id"] for t in call(f"get_tests/{run['id']}")["tests"]}
check(status == {6: 1, 7: 1, 10: 5, 11: 3}, f"statuses by case after merge {status}")
EOF
echo "PASS trcli $TRCLI_VERSION: parse_junit --case-matcher name into a new run (--close-run) and into an existing run (--run-id)"

echo "== testrail-api $TESTRAIL_API_VERSION"
echo "attached by testrail-api" >"$WORK/log.txt"
(cd "$WORK" && timeout 60 "$PY" - <<'EOF') || fail "testrail-api checks"
import os
from api import check
from testrail_api import TestRailAPI

api = TestRailAPI(os.environ["URL"], os.environ["USER_EMAIL"], os.environ["API_KEY"], warn_ignore=True)

projects = api.projects.get_projects()["projects"]
check([(p["id"], p["name"], p["suite_mode"]) for p in projects] == [(1, "Demo Shop", 1)], f"projects {projects}")
suites = api.suites.get_suites(1)
suites = suites["suites"] if isinstance(suites, dict) else suites
check([s["id"] for s in suites] == [1], f"suites {suites}")
sections = api.sections.get_sections(1, suite_id=1)["sections"]
check(len(sections) == 5 and all(s["suite_id"] == 1 for s in sections), f"sections {sections}")
page = api.cases.get_cases(1, suite_id=1)
check(page["size"] == 40 and len(page["cases"]) == 40, f"get_cases page size={page.get('size')}")
cases = api.cases.get_cases_bulk(1, suite_id=1)
check([c["id"] for c in cases] == list(range(1, 41)), "get_cases_bulk gives cases 1..40")
names = {s["id"]: s["name"] for s in api.statuses.get_statuses()}
check({1: "passed", 2: "blocked", 3: "untested", 4: "retest", 5: "failed"}.items() <= names.items(), f"statuses {names}")

run = api.runs.add_run(1, suite_id=1, name="testrail-api check", include_all=False, case_ids=[1, 2, 3])
check(run["include_all"] is False and run["untested_count"] == 3, f"add_run {run}")
results = api.results.add_results_for_cases(run["id"], results=[
    {"case_id": 1, "status_id": 1, "elapsed": "2s"},
    {"case_id": 2, "status_id": 5, "comment": "boom", "defects": "BUG-1"},
    {"case_id": 3, "status_id": 4},
])
check(isinstance(results, list) and [r["status_id"] for r in results] == [1, 5, 4], f"add_results_for_cases {results}")
read = api.results.get_results_for_run(run["id"])["results"]
check(sorted(r["id"] for r in read) == sorted(r["id"] for r in results), "get_results_for_run returns the 3 results")
failed = next(r for r in read if r["status_id"] == 5)
check(failed["comment"] == "boom" and failed["defects"] == "BUG-1", f"failed result {failed}")
tests = api.tests.get_tests(run["id"])["tests"]
check({t["case_id"]: t["status_id"] for t in tests} == {1: 1, 2: 5, 3: 4}, f"tests {tests}")
att = api.attachments.add_attachment_to_result(results[1]["id"], "log.txt")
check("attachment_id" in att, f"add_attachment_to_result {att}")
closed = api.runs.close_run(run["id"])
check(closed["is_completed"] is True and closed["completed_on"], f"close_run {closed}")

plan = api.plans.add_plan(1, "testrail-api plan", description="from the real-clients check")
check(plan["name"] == "testrail-api plan" and plan["entries"] == [], f"add_plan {plan}")
entry = api.plans.add_plan_entry(plan["id"], 1, name="entry", include_all=False, case_ids=[4, 5])
check(isinstance(entry["id"], str) and len(entry["runs"]) == 1, f"add_plan_entry {entry}")
entry_run = entry["runs"][0]
check(entry_run["plan_id"] == plan["id"] and entry_run["untested_count"] == 2, f"entry run {entry_run}")
got = api.plans.get_plan(plan["id"])
check([e["id"] for e in got["entries"]] == [entry["id"]], f"get_plan entries {got['entries']}")
EOF
echo "PASS testrail-api $TESTRAIL_API_VERSION: projects, suites, sections, cases (+bulk), statuses, runs, results, tests, attachments, plans"
