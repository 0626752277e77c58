#!/usr/bin/env bash
# Issue #16: a real proxy (Debian's tinyproxy) between testrail-sync and the emulator, all on
# 127.0.0.1. Checks, with a proxy that demands Basic credentials:
#   1. without credentials: exit 3 at once, the 407 named with the proxy and the fix
#      (USER:PASSWORD@ in the proxy URL), one request only (no retries);
#   2. with credentials in the URL: the look-up works, goes through the proxy (its log shows the
#      request), and `-v` names the proxy without its password;
#   3. NO_PROXY='*': the proxy is bypassed.
# The Rust tests cover CONNECT (https) with a proxy in the test harness; this covers plain
# http forwarding by a proxy we did not write.
#
#   scripts/check-proxy-tinyproxy.sh
#   TESTRAIL_SYNC_BIN=path/to/testrail-sync scripts/check-proxy-tinyproxy.sh
#
# Installs tinyproxy with apt-get when missing (root); exits 0 with a SKIP line when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

# Follows CARGO_TARGET_DIR (.ci/run shares one) so the binary the tests built is reused.
TARGET=${CARGO_TARGET_DIR:-$(pwd)/target}
BIN=${TESTRAIL_SYNC_BIN:-$TARGET/debug/testrail-sync}
PROXY_USER=ci-proxy
PROXY_PASS=pr0xy-Pa55word

if ! command -v tinyproxy >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && apt-get install -y -qq tinyproxy) >/dev/null 2>&1 || true
    fi
fi
if ! command -v tinyproxy >/dev/null 2>&1; then
    echo "SKIP proxy check: tinyproxy is not installed and could not be installed"
    exit 0
fi
[[ -x "$BIN" ]] || cargo build -q -p testrail-sync-cli

WORK=$(mktemp -d "${TMPDIR:-/tmp}/proxy-check.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL proxy check: $*" >&2
    echo "--- tinyproxy log" >&2
    cat "$WORK/tinyproxy.log" >&2 || true
    exit 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

"$BIN" emulator --port 0 --demo-data >"$WORK/emulator.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
    EMU=$(head -n1 "$WORK/emulator.out" 2>/dev/null || true)
    [[ "$EMU" == http://* ]] && break
    sleep 0.1
done
[[ "$EMU" == http://* ]] || fail "the emulator did not start"

PORT=$(free_port)
cat >"$WORK/tinyproxy.conf" <<EOF
Port $PORT
Listen 127.0.0.1
Timeout 30
LogFile "$WORK/tinyproxy.log"
LogLevel Info
MaxClients 20
Allow 127.0.0.1
BasicAuth $PROXY_USER $PROXY_PASS
DisableViaHeader Yes
EOF
tinyproxy -d -c "$WORK/tinyproxy.conf" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export TESTRAIL_HOST=$EMU TESTRAIL_USER=demo@testrail-sync.local TESTRAIL_API_KEY=demo-key
PROXY=http://127.0.0.1:$PORT

# 1. 407: exit 3 at once, the proxy and the fix named.
set +e
"$BIN" statuses --proxy "$PROXY" >"$WORK/out1" 2>"$WORK/err1"
code=$?
set -e
[[ $code -eq 3 ]] || fail "407: exit $code, expected 3: $(cat "$WORK/err1")"
grep -q "407" "$WORK/err1" && grep -q "$PROXY" "$WORK/err1" && grep -q "USER:PASSWORD@" "$WORK/err1" \
    || fail "407 message: $(cat "$WORK/err1")"
sent=$(grep -c "get_statuses" "$WORK/tinyproxy.log" || true)
[[ "$sent" -eq 1 ]] || fail "407 was retried: $sent requests reached the proxy"
echo "PASS 407 from tinyproxy: exit 3 at once, proxy and fix named"

# 2. Credentials in the URL: works, through the proxy, password never printed.
# RUST_LOG=trace: the most verbose logs, every dependency's included, still hold no password.
RUST_LOG=trace "$BIN" -v statuses --proxy "http://$PROXY_USER:$PROXY_PASS@127.0.0.1:$PORT" >"$WORK/out2" 2>"$WORK/err2" \
    || fail "with credentials: $(cat "$WORK/err2")"
grep -q "passed" "$WORK/out2" || fail "no statuses listed: $(cat "$WORK/out2")"
grep -q "through a proxy" "$WORK/err2" || fail "-v does not name the proxy: $(cat "$WORK/err2")"
if grep -q "$PROXY_PASS" "$WORK/out2" "$WORK/err2"; then fail "the proxy password was printed"; fi
grep -q "get_statuses" "$WORK/tinyproxy.log" || fail "the request did not go through tinyproxy"
echo "PASS through tinyproxy with USER:PASSWORD@, password never printed (RUST_LOG=trace)"

# 3. NO_PROXY='*' bypasses even an explicit proxy.
before=$(grep -c "get_statuses" "$WORK/tinyproxy.log" || true)
NO_PROXY='*' "$BIN" statuses --proxy "$PROXY" >/dev/null 2>"$WORK/err3" || fail "NO_PROXY=*: $(cat "$WORK/err3")"
after=$(grep -c "get_statuses" "$WORK/tinyproxy.log" || true)
[[ "$before" == "$after" ]] || fail "NO_PROXY='*' still went through the proxy"
echo "PASS NO_PROXY='*' bypasses the proxy"
