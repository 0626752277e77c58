#!/usr/bin/env bash
# Takes docs/img/web-view-run.png: the emulator's web view of the demo run, as headless
# Chromium renders it, after checking the page's HTML has what a person looks for (the run
# name, the coloured status bar, a failure comment).
#
#   scripts/screenshot-web-view.sh            # needs chromium (Debian: apt-get install -y chromium)
#   TESTRAIL_SYNC_BIN=path/to/testrail-sync scripts/screenshot-web-view.sh
#
# Not part of `cargo test` (it needs a browser); run it after changing the web view.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${TESTRAIL_SYNC_BIN:-target/debug/testrail-sync}
OUT=${OUT:-docs/img/web-view-run.png}
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

# What the page must show, checked in its HTML.
curl -fsS --max-time 10 "$RUN_URL" >"$WORK/run.html"
check() {
    if ! grep -q -- "$1" "$WORK/run.html"; then
        echo "the run page lacks $2 ($1)" >&2
        exit 1
    fi
}
check "$RUN_NAME" "the run name"
check 'class=bar' "the status bar"
check 'title="Passed [0-9]*" style="width:[0-9.]*%;background:#' "a coloured Passed segment in the bar"
check 'title="Failed [0-9]*" style="width:[0-9.]*%;background:#' "a coloured Failed segment in the bar"
check 'AssertionError: expected total 21.40 but cart shows 21.00' "a failure comment"
echo "HTML checks passed"

mkdir -p "$(dirname "$OUT")"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-default-apps \
    --hide-scrollbars --user-data-dir="$WORK/profile" \
    --screenshot="$WORK/shot.png" --window-size=1280,900 "$RUN_URL" >"$WORK/chromium.log" 2>&1 || {
    cat "$WORK/chromium.log" >&2
    exit 1
}
if [ ! -s "$WORK/shot.png" ]; then
    cat "$WORK/chromium.log" >&2
    echo "chromium wrote no screenshot" >&2
    exit 1
fi
cp "$WORK/shot.png" "$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes)"
