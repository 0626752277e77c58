#!/usr/bin/env bash
# Issue #15: a suite trcli built with its default workflow must keep working when the team
# switches to testrail-sync.
#   1. trcli 1.15.3 itself, `parse_junit -y` with its default (auto) matcher, creates the cases of
#      build 1 (a report without case IDs) on an emulator that stores Text fields as <p>…</p>
#      like TestRail 9.8+.
#   2. `testrail-sync report --case-matcher auto` of build 2 maps every known test, creates no
#      case and lists the two new tests as unmapped.
#   3. `--create-cases` creates exactly those two (automation ID set); a rerun creates none.
# Prints one "PASS" line; any mismatch exits non-zero with the emulator's log. Only 127.0.0.1
# is contacted (besides the package index for the venv, shared with check-real-clients.sh).
#
#   scripts/check-trcli-auto.sh
#   TESTRAIL_SYNC_BIN=path/to/testrail-sync scripts/check-trcli-auto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TRCLI_VERSION=1.15.3
source scripts/lib.sh
make_workdir trcli-auto
build_if_missing
ensure_venv "import trcli; assert trcli.__version__ == '$TRCLI_VERSION'" "trcli==$TRCLI_VERSION"
private_trcli_home

# An empty single-suite project; Automation ID is a Text field, stored as rich text.
cat >"$WORK/fixture.json" <<'EOF'
{
  "projects": [{"id": 1, "name": "Shop", "suite_mode": 1}],
  "suites": [{"id": 1, "name": "Master", "project_id": 1, "is_master": true}],
  "case_fields": [{"id": 5, "system_name": "custom_automation_id", "name": "automation_id",
    "label": "Automation ID", "type_id": 3, "is_active": true, "include_all": true,
    "configs": [{"id": "5", "context": {"is_global": true, "project_ids": null},
                 "options": {"is_required": false, "default_value": ""}}]}],
  "rich_text": true
}
EOF

start_emulator --fixture "$WORK/fixture.json" -v

cat >"$WORK/build-1.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="shop">
  <testsuite name="checkout" tests="3" failures="1">
    <testcase classname="tests.checkout.TestPay" name="test_card" time="0.2"/>
    <testcase classname="tests.checkout.TestPay" name="test_voucher &amp; card" time="0.1">
      <failure message="declined"/>
    </testcase>
    <testcase classname="tests.checkout.TestRefund" name="test_refund" time="0.3"/>
  </testsuite>
  <testsuite name="search" tests="1">
    <testcase classname="tests.search" name="test_by_name" time="0.1"/>
  </testsuite>
</testsuites>
EOF
# Build 2: the same four tests, one new test in a known suite and one in a new suite.
cat >"$WORK/build-2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="shop">
  <testsuite name="checkout" tests="4">
    <testcase classname="tests.checkout.TestPay" name="test_card" time="0.2"/>
    <testcase classname="tests.checkout.TestPay" name="test_voucher &amp; card" time="0.1"/>
    <testcase classname="tests.checkout.TestRefund" name="test_refund" time="0.3"/>
    <testcase classname="tests.checkout.TestPay" name="test_paypal" time="0.4"/>
  </testsuite>
  <testsuite name="search" tests="1">
    <testcase classname="tests.search" name="test_by_name" time="0.1"/>
  </testsuite>
  <testsuite name="wishlist" tests="1">
    <testcase classname="tests.wishlist" name="test_share" time="0.1"/>
  </testsuite>
</testsuites>
EOF

echo "== trcli $TRCLI_VERSION parse_junit -y (default matcher) on build 1"
(cd "$WORK" && timeout 60 "$TRCLI" -y -h "$URL" --project Shop -u "$USER_EMAIL" -k "$API_KEY" \
    parse_junit -f build-1.xml --suite-id 1 --title "build 1") >"$WORK/trcli.out" 2>&1 \
    || { cat "$WORK/trcli.out" >&2; fail "trcli exited non-zero"; }

cases_json() {
    curl -s --max-time 10 -u "$USER_EMAIL:$API_KEY" "$URL/index.php?/api/v2/get_cases/1&suite_id=1"
}
cases_json >"$WORK/cases-1.json"
"$PY" - "$WORK/cases-1.json" <<'EOF' || fail "trcli did not create the 4 cases of build 1 (trcli said: $(tail -n 5 "$WORK/trcli.out"))"
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
ids = sorted(c["custom_automation_id"] for c in cases)
assert ids == ["<p>tests.checkout.TestPay.test_card</p>\n",
               "<p>tests.checkout.TestPay.test_voucher &amp; card</p>\n",
               "<p>tests.checkout.TestRefund.test_refund</p>\n",
               "<p>tests.search.test_by_name</p>\n"], ids
EOF

ours() {
    (cd "$WORK" && TESTRAIL_HOST=$URL TESTRAIL_USER=$USER_EMAIL TESTRAIL_API_KEY=$API_KEY \
        timeout 60 "$BIN" report build-2.xml --project-id 1 --case-matcher auto \
        --rate-limit 0 --format json "$@")
}

echo "== testrail-sync report --case-matcher auto on build 2"
ours >"$WORK/ours-1.json" 2>"$WORK/ours-1.err" || { cat "$WORK/ours-1.err" >&2; fail "report exited non-zero"; }
cases_json >"$WORK/cases-2.json"
"$PY" - "$WORK/ours-1.json" "$WORK/cases-1.json" "$WORK/cases-2.json" <<'EOF' || fail "auto matcher on trcli's cases"
import json, sys
summary, before, after = (json.load(open(p)) for p in sys.argv[1:])
assert summary["posted"] == 4, summary
assert summary["unmapped_count"] == 2, summary
assert any("test_paypal" in t for t in summary["unmapped"]), summary["unmapped"]
assert any("test_share" in t for t in summary["unmapped"]), summary["unmapped"]
assert len(after["cases"]) == len(before["cases"]), "no case created without --create-cases"
EOF

echo "== --create-cases, twice"
ours --create-cases >"$WORK/ours-2.json" 2>"$WORK/ours-2.err" || { cat "$WORK/ours-2.err" >&2; fail "--create-cases exited non-zero"; }
cases_json >"$WORK/cases-3.json"
ours --create-cases >"$WORK/ours-3.json" 2>"$WORK/ours-3.err" || { cat "$WORK/ours-3.err" >&2; fail "second --create-cases exited non-zero"; }
cases_json >"$WORK/cases-4.json"
"$PY" - "$WORK"/ours-2.json "$WORK"/cases-2.json "$WORK"/cases-3.json "$WORK"/ours-3.json "$WORK"/cases-4.json "$WORK"/ours-3.err <<'EOF' || fail "--create-cases"
import json, sys
created_run, before, after, rerun, after_rerun = (json.load(open(p)) for p in sys.argv[1:6])
rerun_err = open(sys.argv[6]).read()
new = [c for c in after["cases"] if c["id"] not in {b["id"] for b in before["cases"]}]
got = sorted(c["custom_automation_id"] for c in new)
assert got == ["<p>tests.checkout.TestPay.test_paypal</p>\n", "<p>tests.wishlist.test_share</p>\n"], got
assert created_run["posted"] == 6 and created_run["unmapped_count"] == 0, created_run
assert len(after_rerun["cases"]) == len(after["cases"]), "the rerun created cases"
assert "Created" not in rerun_err, rerun_err
assert rerun["posted"] == 6, rerun
EOF
echo "PASS trcli $TRCLI_VERSION auto workflow: its cases map, new tests created once"
