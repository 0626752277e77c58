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
# Needs python3 with venv. The venv (<target dir>/real-clients-venv) is made once and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
# The versions this check was written and run against; bump deliberately.
TRCLI_VERSION=1.15.3
TESTRAIL_API_VERSION=1.14.0

source scripts/lib.sh
make_workdir real-clients
build_if_missing
ensure_venv "import trcli, testrail_api; assert (trcli.__version__, testrail_api.__version__) == ('$TRCLI_VERSION', '$TESTRAIL_API_VERSION')" \
    "trcli==$TRCLI_VERSION" "testrail-api==$TESTRAIL_API_VERSION"
private_trcli_home
start_emulator --demo-data -vv

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
# Default (auto) matcher with -y: trcli reads the case fields, pages through get_cases, creates the
# missing section and cases (with custom_automation_id), uploads an attachment, assigns the
# failure; a second upload of the same report must find those cases instead of adding new ones.
cat >"$WORK/auto.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="real-clients">
  <testsuite name="Wishlist" tests="3" failures="1">
    <testcase classname="shop.Wishlist" name="test_add" time="1.5">
      <properties>
        <property name="testrail_attachment" value="shot.png"/>
        <property name="testrail_result_comment" value="run on staging"/>
        <property name="testrail_result_field" value="version:1.2.3"/>
      </properties>
    </testcase>
    <testcase classname="shop.Wishlist" name="test_remove" time="0.2">
      <failure message="still there">assert not in</failure>
    </testcase>
    <testcase classname="shop.Wishlist" name="test_share"/>
  </testsuite>
</testsuites>
EOF
printf 'not really a png\n' >"$WORK/shot.png"
# --verify: trcli compares what it posted to add_section/add_case with what comes back.
trcli --verify parse_junit -f auto.xml --suite-id 1 --title "trcli auto" -a "$USER_EMAIL"
trcli parse_junit -f auto.xml --suite-id 1 --title "trcli auto again"
"$PY" - <<'EOF' || fail "trcli auto-matcher outcome (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
from api import call, check

sections = [s for s in call("get_sections/1&suite_id=1")["sections"] if s["name"] == "Wishlist"]
check(len(sections) == 1, f"one Wishlist section, got {sections}")
cases = call(f"get_cases/1&suite_id=1&section_id={sections[0]['id']}")["cases"]
autoid = sorted(c.get("custom_automation_id") for c in cases)
check(autoid == ["shop.Wishlist.test_add", "shop.Wishlist.test_remove", "shop.Wishlist.test_share"],
      f"created cases (once, not twice) with automation ids, got {autoid}")
runs = {r["name"]: r for r in call("get_runs/1")["runs"]}
for name in ("trcli auto", "trcli auto again"):
    tests = call(f"get_tests/{runs[name]['id']}")["tests"]
    check(sorted(t["case_id"] for t in tests) == sorted(c["id"] for c in cases), f"{name}: tests are the created cases")
results = call(f"get_results_for_run/{runs['trcli auto']['id']}")["results"]
check(len(results) == 3, f"3 results, got {len(results)}")
by_status = {r["status_id"]: r for r in results}
passed_with_props = [r for r in results if r["version"] == "1.2.3"]
check(len(passed_with_props) == 1, f"one result with version 1.2.3 from testrail_result_field, got {results}")
check(len(passed_with_props[0]["attachment_ids"]) == 1, f"the attachment is on the result: {passed_with_props[0]}")
check(passed_with_props[0]["comment"].startswith("run on staging"), f"result comment {passed_with_props[0]['comment']!r}")
user = call("get_user_by_email&email=demo@testrail-sync.local")
check(by_status[5]["assignedto_id"] == user["id"], f"failure assigned to the demo user: {by_status[5]}")
EOF

# Into a test plan: trcli adds a plan entry (add_plan_entry) and reads runs[0].id.
PLAN_ID=$("$PY" -c 'from api import call; print(call("add_plan/1", {"name": "trcli plan"})["id"])') || fail "add_plan for --plan-id"
trcli parse_junit -f report2.xml --case-matcher name --suite-id 1 --title "trcli in plan" --plan-id "$PLAN_ID"
PLAN_ID=$PLAN_ID "$PY" - <<'EOF' || fail "trcli --plan-id outcome (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
import os
from api import call, check

plan = call(f"get_plan/{os.environ['PLAN_ID']}")
check(len(plan["entries"]) == 1 and len(plan["entries"][0]["runs"]) == 1, f"one entry with one run: {plan['entries']}")
run = plan["entries"][0]["runs"][0]
check(run["name"] == "trcli in plan" and run["plan_id"] == plan["id"], f"entry run {run}")
status = {t["case_id"]: t["status_id"] for t in call(f"get_tests/{run['id']}")["tests"]}
check(status == {6: 1, 7: 1, 10: 5}, f"statuses by case in the plan run {status}")
check(plan["passed_count"] == 2 and plan["failed_count"] == 1, "plan counters add up the entry run")
EOF

# Case updates from the report (get_case + update_case), run references (get_run + update_run
# before close_run) and step results.
cat >"$WORK/update.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="real-clients">
  <testsuite name="checkout" tests="2">
    <testcase classname="shop.Checkout" name="C12 declined card" time="1">
      <properties><property name="testrail_case_field" value="refs:SHOP-900"/></properties>
    </testcase>
    <testcase classname="shop.Checkout" name="C13 confirmation email" time="1">
      <properties>
        <property name="testrail_case_field" value="refs:SHOP-901,SHOP-902"/>
        <property name="testrail_result_step" value="passed: open the inbox"/>
        <property name="testrail_result_step" value="failed: find the mail"/>
      </properties>
      <failure message="no mail"/>
    </testcase>
  </testsuite>
</testsuites>
EOF
trcli parse_junit -f update.xml --case-matcher name --suite-id 1 --title "trcli updates" \
    --update-existing-cases yes --test-run-ref "JIRA-1,JIRA-2" --close-run
"$PY" - <<'EOF' || fail "trcli case/run update outcome (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
from api import call, check

refs = [call(f"get_case/{c}")["refs"] for c in (12, 13)]
check(refs == ["SHOP-900", "SHOP-901,SHOP-902"], f"case refs updated {refs}")
run = next(r for r in call("get_runs/1")["runs"] if r["name"] == "trcli updates")
check(run["refs"] == "JIRA-1,JIRA-2" and run["is_completed"] is True, f"run refs then closed: {run['refs']!r} {run['is_completed']}")
results = call(f"get_results_for_run/{run['id']}")["results"]
steps = [r["custom_step_results"] for r in results if r["status_id"] == 5]
check(steps == [[{"content": "open the inbox", "status_id": 1}, {"content": "find the mail", "status_id": 5}]],
      f"step results {steps}")
EOF

# A closed run is read-only: trcli must stop with TestRail's message and exit 1.
"$PY" -c "from api import call; call('close_run/$RUN_ID', {})" || fail "close_run for the closed-run variant"
if (cd "$WORK" && timeout 60 "$TRCLI" -y -h "$URL" --project "Demo Shop" -u "$USER_EMAIL" -k "$API_KEY" \
    parse_junit -f report2.xml --case-matcher name --suite-id 1 --run-id "$RUN_ID") >"$WORK/trcli.out" 2>&1; then
    cat "$WORK/trcli.out" >&2
    fail "trcli uploaded into a closed run"
fi
grep -q "already completed" "$WORK/trcli.out" || { cat "$WORK/trcli.out" >&2; fail "trcli did not show the closed-run error"; }

echo "PASS trcli $TRCLI_VERSION: parse_junit name matcher into a new run (--close-run), an existing run (--run-id), a plan (--plan-id); auto matcher creating (--verify) and then re-finding cases, attachment, result field/comment, --assign; --update-existing-cases, --test-run-ref, step results; closed run refused"

echo "== testrail-api $TESTRAIL_API_VERSION"
echo "attached by testrail-api" >"$WORK/log.txt"
(cd "$WORK" && timeout 60 "$PY" - <<'EOF') || fail "testrail-api checks"
import os
from api import check
from testrail_api import StatusCodeError, TestRailAPI

api = TestRailAPI(os.environ["URL"], os.environ["USER_EMAIL"], os.environ["API_KEY"], warn_ignore=True)

projects = api.projects.get_projects()["projects"]
check([(p["id"], p["name"], p["suite_mode"]) for p in projects] == [(1, "Demo Shop", 1)], f"projects {projects}")
suites = api.suites.get_suites(1)
suites = suites["suites"] if isinstance(suites, dict) else suites
check([s["id"] for s in suites] == [1], f"suites {suites}")
# (trcli ran first and may have added a section and cases: assert the demo data is there.)
sections = api.sections.get_sections(1, suite_id=1)["sections"]
names = [s["name"] for s in sections[:5]]
check(names == ["Cart", "Checkout", "Account", "Search", "Catalog"], f"demo sections {names}")
check(all(s["suite_id"] == 1 for s in sections), f"sections {sections}")
page = api.cases.get_cases(1, suite_id=1)
check(page["offset"] == 0 and page["size"] == len(page["cases"]), f"get_cases page {page.keys()}")
check([c["id"] for c in page["cases"][:40]] == list(range(1, 41)), "get_cases has the demo cases 1..40")

# More than one page (250): the library's *_bulk methods page by offset/limit.
section = api.sections.add_section(1, name="paging", suite_id=1)
check(section["name"] == "paging" and section["suite_id"] == 1, f"add_section {section}")
created = [api.cases.add_case(section["id"], f"case {i}", custom_automation_id=f"paging.{i}") for i in range(260)]
check(created[-1]["section_id"] == section["id"] and created[-1]["custom_automation_id"] == "paging.259", f"add_case {created[-1]}")
first = api.cases.get_cases(1, suite_id=1, section_id=section["id"])
check(len(first["cases"]) == 250 and first["_links"]["next"] is not None, f"first page: {len(first['cases'])} cases, next={first['_links']['next']}")
paged = api.cases.get_cases_bulk(1, suite_id=1, section_id=section["id"])
check([c["id"] for c in paged] == [c["id"] for c in created], f"get_cases_bulk: {len(paged)} cases in order")
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

# Errors come back as TestRail's 400 + {"error": ...}; the library raises StatusCodeError.
try:
    api.runs.get_run(999999)
    check(False, "get_run of an unknown run raised")
except StatusCodeError as e:
    check(e.status_code == 400 and "not a valid test run" in str(e), f"unknown run error {e}")
try:
    api.results.add_results_for_cases(run["id"], results=[{"case_id": 1, "status_id": 1}])
    check(False, "adding results to a closed run raised")
except StatusCodeError as e:
    check(e.status_code == 400 and "already completed" in str(e), f"closed run error {e}")

plan = api.plans.add_plan(1, "testrail-api plan", description="from the real-clients check")
check(plan["name"] == "testrail-api plan" and plan["entries"] == [], f"add_plan {plan}")
entry = api.plans.add_plan_entry(plan["id"], 1, name="entry", include_all=False, case_ids=[4, 5])
check(isinstance(entry["id"], str) and len(entry["runs"]) == 1, f"add_plan_entry {entry}")
entry_run = entry["runs"][0]
check(entry_run["plan_id"] == plan["id"] and entry_run["untested_count"] == 2, f"entry run {entry_run}")
got = api.plans.get_plan(plan["id"])
check([e["id"] for e in got["entries"]] == [entry["id"]], f"get_plan entries {got['entries']}")
EOF
echo "PASS testrail-api $TESTRAIL_API_VERSION: projects, suites, sections, cases (paged past 250 by get_cases_bulk), statuses, runs, results, tests, attachments, plans; 400 errors raise StatusCodeError"

echo "== trcli $TRCLI_VERSION over more than one page"
# The testrail-api step left 260 cases with automation ids paging.0..259 in section "paging", so
# the suite has more than 250 cases: trcli's auto matcher must follow _links.next to find every
# one, creating none. (Not --parallel-pagination: trcli 1.15.3 stops at the first 10 empty pages
# to complete, so when they beat the last real page it drops it and creates duplicate cases;
# seen here in about 1 of 6 runs, a client bug a real TestRail would trigger just the same.)
"$PY" -c '
cases = "\n".join(f"""<testcase classname="paging" name="{i}" time="1"/>""" for i in range(260))
print(f"""<testsuites name="paging"><testsuite name="paging">{cases}</testsuite></testsuites>""")
' >"$WORK/paging.xml"
trcli parse_junit -f paging.xml --suite-id 1 --title "trcli paging"
trcli parse_junit -f paging.xml --suite-id 1 --title "trcli paging again"
"$PY" - <<'EOF' || fail "trcli paging outcome (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
from api import call, check

section = next(s for s in call("get_sections/1&suite_id=1")["sections"] if s["name"] == "paging")
check(len(call("get_cases/1&suite_id=1")["cases"]) == 250, "the suite needs more than one get_cases page")
ids, offset = [], 0
while True:
    page = call(f"get_cases/1&suite_id=1&section_id={section['id']}&offset={offset}")["cases"]
    ids += [c["id"] for c in page]
    offset += 250
    if len(page) < 250:
        break
check(len(ids) == 260, f"no case added: the paging section still has 260 cases, got {len(ids)}")
runs = {r["name"]: r for r in call("get_runs/1")["runs"]}
for name in ("trcli paging", "trcli paging again"):
    tests = call(f"get_tests/{runs[name]['id']}")["tests"]
    tests += call(f"get_tests/{runs[name]['id']}&offset=250")["tests"]
    check(sorted(t["case_id"] for t in tests) == sorted(ids), f"{name}: the run has exactly the 260 matched cases")
    check(runs[name]["passed_count"] == 260, f"{name}: 260 passed, got {runs[name]['passed_count']}")
EOF
echo "PASS trcli $TRCLI_VERSION: auto matcher over 303 cases (two get_cases pages via _links.next) twice, 260 results in 6 batches each"
