#!/usr/bin/env bash
# Takes docs/img/web-view-run.png and docs/img/web-view-project.png: the emulator's web view of
# the demo run and its project, as headless Chromium renders them, after checking the pages'
# HTML has what a person looks for (breadcrumb, run name, coloured status bar, a failure comment
# with its trace as <pre>, an attachment link, a plan with its configuration runs). Before that
# it adds, through the API, a log attached to a failed result and a test plan with two
# configurations, so both pages show those too.
#
#   scripts/screenshot-web-view.sh            # needs chromium (Debian: apt-get install -y chromium)
#   TESTRAIL_SYNC_BIN=path/to/testrail-sync scripts/screenshot-web-view.sh
#
# Not part of `cargo test` (it needs a browser); run it after changing the web view.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${TESTRAIL_SYNC_BIN:-target/debug/testrail-sync}
OUT=${OUT:-docs/img/web-view-run.png}
OUT_PROJECT=${OUT_PROJECT:-docs/img/web-view-project.png}
if [ ! -x "$BIN" ]; then
    cargo build -q -p testrail-sync-cli
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROMIUM" ]; then
    echo "no chromium on PATH; on Debian/Ubuntu: apt-get update && apt-get install -y chromium" >&2
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/web-view.XXXXXX")
DEMO_PID=""
cleanup() {
    if [ -n "$DEMO_PID" ]; then
        kill "$DEMO_PID" 2>/dev/null || true
        wait "$DEMO_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The demo syncs its bundled report into an in-process emulator, prints the run's address and
# keeps serving (port 0: a free one).
"$BIN" demo --port 0 >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
RUN_URL=""
for _ in $(seq 1 100); do
    RUN_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*/index\.php?/runs/view/[0-9]*' "$WORK/demo.log" | head -n 1 || true)
    [ -n "$RUN_URL" ] && break
    if ! kill -0 "$DEMO_PID" 2>/dev/null; then
        cat "$WORK/demo.log" >&2
        echo "demo exited before serving" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$RUN_URL" ]; then
    cat "$WORK/demo.log" >&2
    echo "demo printed no run address" >&2
    exit 1
fi
RUN_NAME=$(sed -n 's/^Synced .* to run R[0-9]* "\(.*\)" (created).*/\1/p' "$WORK/demo.log" | head -n 1)
echo "run: $RUN_NAME at $RUN_URL"
BASE=${RUN_URL%%/index.php*}
PROJECT_URL="$BASE/index.php?/projects/overview/1"

# The demo prints its login; the API calls below use it.
USER_EMAIL=$(grep -o 'TESTRAIL_USER=[^ ]*' "$WORK/demo.log" | head -n 1 | cut -d= -f2)
USER_KEY=$(grep -o 'TESTRAIL_API_KEY=[^ ]*' "$WORK/demo.log" | head -n 1 | cut -d= -f2)
api() {
    local path=$1
    shift
    curl -fsS --max-time 10 -u "$USER_EMAIL:$USER_KEY" "$@" "$BASE/index.php?/api/v2/$path"
}
post() { api "$1" -H 'Content-Type: application/json' -d "$2" >/dev/null; }

# A log attached to the latest result of C3 (a failure in the demo report).
RESULT_ID=$(api get_results_for_case/1/3 | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
printf 'cart total 21.00 != 21.40\nsubtotal=21.00 tax=0.40 (not applied)\n' >"$WORK/cart-failure.log"
api "add_attachment_to_result/$RESULT_ID" -F "attachment=@$WORK/cart-failure.log;type=text/plain" >/dev/null

# A plan with one entry run per browser, a few results in each.
post add_config_group/1 '{"name": "Browsers"}'
post add_config/1 '{"name": "Chrome"}'
post add_config/1 '{"name": "Firefox"}'
PLAN=$(api add_plan/1 -H 'Content-Type: application/json' -d '{"name": "Release 2.8 regression",
  "entries": [{"suite_id": 1, "name": "Cart and checkout", "include_all": false, "case_ids": [1, 2, 3, 4, 5],
               "config_ids": [1, 2], "runs": [{"config_ids": [1]}, {"config_ids": [2]}]}]}')
PLAN_RUNS=$(echo "$PLAN" | grep -o 'index\.php?/runs/view/[0-9]*' | sed 's/.*view\///')
STATUSES=(1 1 5 1 4)
for run in $PLAN_RUNS; do
    post "add_results_for_cases/$run" "{\"results\": [$(for c in 1 2 3 4; do
        printf '{"case_id": %d, "status_id": %d}%s' "$c" "${STATUSES[$c]}" "$([ "$c" -lt 4 ] && echo ,)"
    done)]}"
    STATUSES=(1 1 1 5 2)
done

# What the page must show, checked in its HTML.
curl -fsS --max-time 10 "$RUN_URL" >"$WORK/run.html"
curl -fsS --max-time 10 "$PROJECT_URL" >"$WORK/project.html"
PAGE=run
check() {
    if ! grep -q -- "$1" "$WORK/$PAGE.html"; then
        echo "the $PAGE page lacks $2 ($1)" >&2
        exit 1
    fi
}
check 'class=crumbs><a href="/">Projects</a> › <a href="/index.php?/projects/overview/1">Demo Shop</a>' "the breadcrumb"
check "$RUN_NAME" "the run name"
check 'class=bar' "the status bar"
check 'title="Passed [0-9]*" style="width:[0-9.]*%;background:#' "a coloured Passed segment in the bar"
check 'title="Failed [0-9]*" style="width:[0-9.]*%;background:#' "a coloured Failed segment in the bar"
check 'AssertionError: expected total 21.40 but cart shows 21.00' "a failure comment"
check '<pre>self = &lt;tests.test_cart.TestCart' "the failure's trace as <pre>"
check 'border-left-color:#' "status-coloured row edges"
check 'href="/attachments/[0-9]*"' "the attachment link"
PAGE=project
check 'Release 2.8 regression' "the plan"
check 'Chrome</div>' "the plan's Chrome run"
check 'Firefox</div>' "the plan's Firefox run"
echo "HTML checks passed"

mkdir -p "$(dirname "$OUT")"
mkdir -p "$(dirname "$OUT_PROJECT")"
shoot() {
    local url=$1 out=$2 size=$3
    rm -f "$WORK/shot.png"
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-default-apps \
        --hide-scrollbars --user-data-dir="$WORK/profile" \
        --screenshot="$WORK/shot.png" --window-size="$size" "$url" >"$WORK/chromium.log" 2>&1 || {
        cat "$WORK/chromium.log" >&2
        exit 1
    }
    if [ ! -s "$WORK/shot.png" ]; then
        cat "$WORK/chromium.log" >&2
        echo "chromium wrote no screenshot" >&2
        exit 1
    fi
    cp "$WORK/shot.png" "$out"
    echo "wrote $out ($(wc -c <"$out") bytes)"
}
shoot "$RUN_URL" "$OUT" 1280,1100
shoot "$PROJECT_URL" "$OUT_PROJECT" 1280,760
