# Shared by scripts/check-real-clients.sh and scripts/check-trcli-auto.sh (sourced, not run):
# paths, a private work folder cleaned on exit, the testrail-sync binary, the Python venv with
# the pinned clients, trcli's version cache and the emulator on 127.0.0.1. The caller sets
# `set -euo pipefail`, cd's to the repository root and defines TRCLI_VERSION before sourcing.
#
# Follows CARGO_TARGET_DIR (.ci/run shares one) so the binary the tests built is reused and
# both checks share one venv (<target dir>/real-clients-venv), made once.

ROOT=$(pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$(realpath -m "${TESTRAIL_SYNC_BIN:-$TARGET/debug/testrail-sync}")
VENV=$TARGET/real-clients-venv
PY=$VENV/bin/python
TRCLI=$VENV/bin/trcli
USER_EMAIL=demo@testrail-sync.local
API_KEY=demo-key
URL=""
EMU_PID=""

# A private folder for this check (reports, logs, trcli's HOME); removed with the emulator on exit.
# $1: a name for it.
make_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    trap cleanup EXIT
}

cleanup() {
    if [[ -n "$EMU_PID" ]]; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}

# Stops the check with the emulator's stats and the end of its log.
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

build_if_missing() {
    if [[ ! -x "$BIN" ]]; then
        echo "== building $BIN"
        cargo build -q -p testrail-sync-cli
    fi
}

# Makes (or completes) the venv unless `python -c "$1"` already passes there; then pip-installs
# the pinned packages "${@:2}".
ensure_venv() {
    local ready=$1
    shift
    if "$PY" -c "$ready" 2>/dev/null; then
        return
    fi
    echo "== venv $VENV ($*)"
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        echo "error: python3 -m venv cannot make a virtual environment; install python3 and its venv module (apt-get install python3-venv)" >&2
        exit 1
    fi
    python3 -m venv "$VENV"
    timeout 300 "$VENV/bin/pip" install -q "$@"
}

# trcli asks the package index for its latest version at every start unless a fresh cache says it
# already did; seed that cache in a private HOME so no outside request is made.
private_trcli_home() {
    export HOME=$WORK/home
    mkdir -p "$HOME/.trcli"
    printf '{"last_check": "%s", "latest_version": "%s"}\n' "$(date +%Y-%m-%dT%H:%M:%S)" "$TRCLI_VERSION" \
        >"$HOME/.trcli/version_cache.json"
}

# Starts the emulator on 127.0.0.1 with the given options (fixture, verbosity) and waits for the
# URL it prints; exports URL, USER_EMAIL and API_KEY for the clients and the Python checks.
start_emulator() {
    echo "== emulator"
    "$BIN" emulator --port 0 --bind 127.0.0.1 "$@" >"$WORK/emulator.out" 2>"$WORK/emulator.log" &
    EMU_PID=$!
    local url=""
    for _ in $(seq 1 100); do
        url=$(head -n 1 "$WORK/emulator.out" 2>/dev/null | grep -o 'http://127\.0\.0\.1:[0-9]*' || true)
        [[ -n "$url" ]] && break
        kill -0 "$EMU_PID" 2>/dev/null || fail "emulator exited before printing its URL"
        sleep 0.1
    done
    [[ -n "$url" ]] || fail "emulator printed no URL within 10 s"
    URL=$url
    echo "emulator at $URL"
    export URL USER_EMAIL API_KEY
}
