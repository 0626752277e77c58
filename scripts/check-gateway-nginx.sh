#!/usr/bin/env bash
# Issue #17: exactly once behind a REAL gateway. A real nginx (Debian package nginx-light) sits
# in front of the emulator, as TestRail Cloud's proxies and many self-hosted installs do:
#   1. late commit: proxy_read_timeout 1s in front of a server that needs 1.5 s and then 3 s for
#      a write of 100 results. nginx answers 504 and the write still commits. Before issue #17
#      every case was posted twice (exit 0).
#   2. body limit: client_max_body_size 1m, 800 results with 5-10 KB comments and one result
#      of ~1.4 MB alone. nginx answers 413. Before: exit 3 with a message about attachments.
# Each scenario asserts exit 0 and exactly one result per case, read back from the emulator
# directly, and that nginx really answered 504 / 413 (its access log).
#
#   scripts/check-gateway-nginx.sh
#   TESTRAIL_SYNC_BIN=path/to/testrail-sync scripts/check-gateway-nginx.sh
#
# Installs nginx-light with apt-get when nginx is missing (needs root); fails clearly if it
# cannot. Listens on 127.0.0.1 only; nginx's config, logs and temp files live in a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${TESTRAIL_SYNC_BIN:-${CARGO_TARGET_DIR:-target}/debug/testrail-sync}
USER_EMAIL=demo@testrail-sync.local
API_KEY=demo-key
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gateway-nginx.XXXXXX")
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
    echo "FAIL: $*" >&2
    for log in "$WORK"/*.log; do
        [[ -f "$log" ]] || continue
        echo "--- $log (last 30 lines)" >&2
        tail -n 30 "$log" >&2
    done
    exit 1
}

NGINX=$(command -v nginx || true)
[[ -z "$NGINX" && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
if [[ -z "$NGINX" ]]; then
    echo "== installing nginx-light"
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        fail "nginx is not installed and cannot be installed here (needs root and apt-get): apt-get install nginx-light"
    fi
    export DEBIAN_FRONTEND=noninteractive
    (apt-get update -qq && apt-get install -y -qq nginx-light) >"$WORK/apt.log" 2>&1 \
        || fail "apt-get install nginx-light failed (see apt.log)"
    NGINX=/usr/sbin/nginx
fi
"$NGINX" -v 2>&1 | sed 's/^/using /'

if [[ ! -x "$BIN" ]]; then
    echo "== building $BIN"
    cargo build -q -p testrail-sync-cli
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A fixture with 800 cases in one suite, and the reports.
python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
cases = [{"id": i, "title": f"Case {i}", "section_id": 1, "suite_id": 1, "template_id": 1,
          "type_id": 1, "priority_id": 2} for i in range(1, 801)]
fixture = {"projects": [{"id": 1, "name": "Shop", "suite_mode": 1}],
           "suites": [{"id": 1, "name": "Master", "project_id": 1, "is_master": True}],
           "sections": [{"id": 1, "suite_id": 1, "name": "Tests"}],
           "cases": cases}
json.dump(fixture, open(f"{work}/fixture.json", "w"))

def junit(path, tests):
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="gw">\n')
        f.writelines(tests)
        f.write("</testsuite></testsuites>\n")

def passed(c):
    return f'<testcase classname="gw.Suite" name="test_{c} C{c}" time="0.01"/>\n'

def failed(c, trace_len, run=0):
    trace = (f"at frame {c} " * (trace_len // 10 + 1))[:trace_len]
    return (f'<testcase classname="gw.Suite" name="test_{c} C{c}" time="0.5">'
            f'<failure message="boom {c} run {run}">{trace}</failure></testcase>\n')

junit(f"{work}/late.xml", [failed(c, 200) if c % 7 == 0 else passed(c) for c in range(1, 301)])
big = []
for c in range(1, 801):
    if c == 150:
        big += [failed(c, 60_000, run) for run in range(24)]
    else:
        big.append(failed(c, 5_000 + (c * 997) % 5_000))
junit(f"{work}/large.xml", big)
open(f"{work}/large.toml", "w").write("comment_max_chars = 2000000\n")
EOF

# Starts the emulator with the given fault flags; sets EMU_URL.
start_emulator() {
    local name=$1
    shift
    "$BIN" emulator --port 0 --bind 127.0.0.1 --fixture "$WORK/fixture.json" "$@" \
        >"$WORK/$name-emulator.out" 2>"$WORK/$name-emulator.log" &
    PIDS+=($!)
    EMU_URL=""
    for _ in $(seq 1 100); do
        EMU_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/$name-emulator.out" 2>/dev/null | head -n 1 || true)
        [[ -n "$EMU_URL" ]] && return
        sleep 0.1
    done
    fail "$name: the emulator printed no URL within 10 s"
}

# Starts nginx in front of EMU_URL with these directives; sets GW_URL.
start_nginx() {
    local name=$1 directives=$2
    local port dir=$WORK/nginx-$name
    port=$(free_port)
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port;
        $directives
        location / {
            proxy_pass $EMU_URL;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
    "$NGINX" -c "$dir/nginx.conf" -p "$dir" >"$WORK/$name-nginx.log" 2>&1 &
    PIDS+=($!)
    GW_URL=http://127.0.0.1:$port
    for _ in $(seq 1 50); do
        curl -s -o /dev/null --max-time 1 "$GW_URL/" && return
        sleep 0.1
    done
    fail "$name: nginx did not start (see $name-nginx.log)"
}

# Syncs REPORT through the gateway; checks exit 0 and exactly one result per case.
sync_and_check() {
    local name=$1 report=$2 cases=$3
    shift 3
    local out=$WORK/$name-summary.json
    TESTRAIL_HOST=$GW_URL TESTRAIL_USER=$USER_EMAIL TESTRAIL_API_KEY=$API_KEY \
        timeout 300 "$BIN" "$@" report "$report" --project-id 1 --format json --no-journal \
        >"$out" 2>"$WORK/$name-sync.log" || fail "$name: the sync exited $?"
    python3 - "$EMU_URL" "$out" "$cases" "$name" <<'EOF' || fail "$name: exactly-once check"
import base64, json, sys, urllib.request
url, summary_path, cases, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
auth = base64.b64encode(b"demo@testrail-sync.local:demo-key").decode()
def get_all(endpoint, key):
    items, next_ = [], f"/api/v2/{endpoint}"
    while next_:
        req = urllib.request.Request(f"{url}/index.php?{next_}", headers={"Authorization": f"Basic {auth}"})
        page = json.loads(urllib.request.urlopen(req, timeout=30).read())
        items += page[key]
        next_ = page["_links"]["next"]
    return items
summary = json.load(open(summary_path))
run = summary["run_id"]
case_of = {t["id"]: t["case_id"] for t in get_all(f"get_tests/{run}", "tests")}
per_case = {}
for r in get_all(f"get_results_for_run/{run}", "results"):
    per_case.setdefault(case_of[r["test_id"]], []).append(r["id"])
dupes = {c: len(r) for c, r in per_case.items() if len(r) > 1}
assert not dupes, f"duplicated results: {dict(list(dupes.items())[:10])}"
assert len(per_case) == cases, f"{cases - len(per_case)} cases have no result"
stats = json.loads(urllib.request.urlopen(f"{url}/_emulator/stats", timeout=10).read())
print(f"PASS {name}: {cases} cases, one result each; batches={summary['batches']} "
      f"ambiguous={summary['ambiguous_batches_resolved']} resolving_reads={summary['resolving_reads']} "
      f"comments_cut={summary['comments_cut']} emulator_requests={stats['requests']}")
EOF
}

gateway_answered() {
    local name=$1 status=$2
    grep -c "\" $status " "$WORK/nginx-$name/access.log" || true
}

echo "== late commit behind nginx (proxy_read_timeout 1s)"
for per_result in 15 30; do
    name=late-$per_result
    start_emulator "$name" --server-ms-per-result "$per_result"
    start_nginx "$name" "proxy_read_timeout 1s;"
    sync_and_check "$name" "$WORK/late.xml" 300
    n504=$(gateway_answered "$name" 504)
    [[ "$n504" -ge 1 ]] || fail "$name: nginx never answered 504 (the fault did not happen)"
    echo "   nginx answered 504 $n504 times; each write committed late and was not sent twice"
done

echo "== body limit behind nginx (client_max_body_size 1m)"
name=body-limit
start_emulator "$name"
start_nginx "$name" "client_max_body_size 1m;"
sync_and_check "$name" "$WORK/large.xml" 800 --config "$WORK/large.toml"
n413=$(gateway_answered "$name" 413)
[[ "$n413" -ge 2 ]] || fail "$name: nginx answered 413 only $n413 times (expected a batch and the one large result)"
grep -q '"comments_cut": *1' "$WORK/$name-summary.json" || fail "$name: expected exactly one cut comment"
echo "   nginx answered 413 $n413 times; the one result too large alone went with its comment cut"

echo "PASS gateway-nginx"
