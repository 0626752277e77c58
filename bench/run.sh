#!/usr/bin/env bash
# Performance benchmarks for issue #8 (not run by `cargo test`; the CI guard is
# crates/testrail-sync-cli/tests/regression_guard.rs). Prints the tables docs/PERFORMANCE.md holds.
#
#   bench/run.sh                 everything (~5 min plus one release build and a cargo bench build)
#   QUICK=1 bench/run.sh         one rep, fewer batch sizes, no 500 MB report, no parse bench
#   SKIP_TRCLI=1 bench/run.sh    without the trcli side (no venv / package install)
#   bench/gateway.py alone: the issue #17 server cost model (see its --help)
#   SKIP_BUILD=1 / SKIP_BIG=1 / SKIP_PARSE_BENCH=1 / SKIP_STARTUP=1 / SKIP_E2E=1   skip one part
#
# Needs: cargo, python3 (+ venv), curl-free (urllib), ss (iproute2), /usr/bin/time, hyperfine
# (Debian: apt-get install -y time hyperfine iproute2). Only 127.0.0.1 is contacted; trcli's
# start-up version check is answered from a pre-seeded cache so it makes no outside request
# (in real use it costs up to 2 s once a day, when the cache is stale).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out
BIN=$ROOT/target/release/testrail-sync
VENV=$ROOT/bench/.venv
TRCLI=$VENV/bin/trcli
N=${N:-10000}
REPS=${REPS:-3}
BATCHES=${BATCHES:-250,500,1000,2000,5000}
BIG_TESTS=${BIG_TESTS:-1000000}
BIG_MB=${BIG_MB:-500}
if [[ -n "${QUICK:-}" ]]; then
    REPS=1 BATCHES=1000,5000 SKIP_BIG=1 SKIP_PARSE_BENCH=1
fi
mkdir -p "$OUT"
cd "$ROOT"

# Tools the parts need; a missing one skips its part with a hint instead of failing midway.
need() { command -v "$1" >/dev/null 2>&1 || { echo "note: $1 not found ($2); skipping that part" >&2; return 1; }; }
need ss "apt-get install -y iproute2" || SKIP_E2E=1
need hyperfine "apt-get install -y hyperfine" || SKIP_STARTUP=1
[[ -x /usr/bin/time ]] || { echo "note: /usr/bin/time not found (apt-get install -y time); skipping the big report" >&2; SKIP_BIG=1; }

section() { printf '\n== %s ==\n' "$*"; }

section "machine"
echo "cpus: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
free -h | sed -n 1,2p
echo "rustc: $(rustc --version)  python3: $(python3 --version 2>&1)"

section "build (release, once)"
if [[ -z "${SKIP_BUILD:-}" ]]; then
    cargo build --release -p testrail-sync-cli 2>&1 | tail -n 1
fi
"$BIN" --version

if [[ -z "${SKIP_TRCLI:-}" ]]; then
    section "trcli (private venv: bench/.venv)"
    if [[ ! -x "$TRCLI" ]]; then
        python3 -m venv "$VENV"
        timeout 600 "$VENV/bin/pip" install -q trcli
    fi
    TRCLI_VERSION=$("$VENV/bin/python" -c 'import trcli; print(trcli.__version__)')
    echo "trcli $TRCLI_VERSION"
    # trcli asks the package index for its latest version at every start unless a fresh cache
    # says it already did (24 h). Seed the cache in a private HOME: no outside traffic here.
    mkdir -p "$OUT/trcli-home/.trcli"
    printf '{"last_check": "%s", "latest_version": "%s"}\n' "$(date +%Y-%m-%dT%H:%M:%S)" "$TRCLI_VERSION" \
        > "$OUT/trcli-home/.trcli/version_cache.json"
fi

section "reports"
python3 bench/gen_report.py --tests "$N" --out "$OUT/report-$N.xml" --fixture "$OUT/fixture-$N.json"
python3 bench/gen_report.py --tests 200 --out "$OUT/report-200.xml" --fixture "$OUT/fixture-200.json"
# 100,000 testcases / ~50 MB, IDs cycling over the first 10,000 (the fixture above has them).
python3 bench/gen_report.py --tests 100000 --id-count 10000 --target-mb 50 --out "$OUT/mid-100000.xml"
ls -l "$OUT"/report-*.xml | awk '{print $5, $9}'

if [[ -z "${SKIP_E2E:-}" ]]; then
    section "end to end: trcli vs testrail-sync, $N results"
    E2E_ARGS=(--ours "$BIN" --trcli "$TRCLI" --trcli-home "$OUT/trcli-home" --report "$OUT/report-$N.xml"
        --fixture "$OUT/fixture-$N.json" --workdir "$OUT" --reps "$REPS" --batches "$BATCHES"
        --json "$OUT/e2e.json" --memory-report "$OUT/mid-100000.xml"
        --scenarios "${SCENARIOS:-cloud,cloud-unpaced,self-hosted,local,memory}")
    [[ -n "${SKIP_TRCLI:-}" ]] && E2E_ARGS+=(--no-trcli)
    timeout 1800 python3 bench/e2e.py "${E2E_ARGS[@]}" | tee "$OUT/e2e.txt"

    section "server cost model behind a gateway, and 20 shards under one instance limit (issue #17)"
    GW_ARGS=(--ours "$BIN" --trcli "$TRCLI" --trcli-home "$OUT/trcli-home" --report "$OUT/report-$N.xml"
        --fixture "$OUT/fixture-$N.json" --workdir "$OUT")
    [[ -n "${SKIP_TRCLI:-}" ]] && GW_ARGS+=(--no-trcli)
    timeout 1800 python3 bench/gateway.py "${GW_ARGS[@]}" | tee "$OUT/gateway.txt"

    section "matching by automation ID: second sync against a 20,000-case suite (cloud: 100 ms, 180/min)"
    AUTO_ARGS=(--ours "$BIN" --trcli "$TRCLI" --trcli-home "$OUT/trcli-home" --workdir "$OUT")
    [[ -n "${SKIP_TRCLI:-}" ]] && AUTO_ARGS+=(--no-trcli)
    timeout 1200 python3 bench/auto_index.py "${AUTO_ARGS[@]}" 2>/dev/null | tee "$OUT/auto-index.txt"

    section "cost of one add_results_for_cases call vs batch size (emulator, keep-alive, no latency)"
    timeout 300 python3 bench/batch_cost.py --ours "$BIN" --fixture "$OUT/fixture-$N.json" --cases "$N" \
        --workdir "$OUT" | tee "$OUT/batch-cost.txt"
fi

# Starts an emulator in the background; sets EMU_PID and EMU_URL. Bounded wait for its URL.
start_emulator() {
    local fixture=$1
    "$BIN" emulator --port 0 --fixture "$fixture" --user bench@example.com:benchkey -q \
        > "$OUT/emu.url" 2>> "$OUT/emulator.log" &
    EMU_PID=$!
    for _ in $(seq 1 100); do
        EMU_URL=$(head -n 1 "$OUT/emu.url" 2>/dev/null || true)
        [[ "$EMU_URL" == http://127.0.0.1:* ]] && return 0
        sleep 0.1
    done
    echo "emulator did not start" >&2
    kill "$EMU_PID"
    exit 1
}
stop_emulator() { kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; }
trap 'stop_emulator' EXIT
EMU_PID=

export TESTRAIL_USER=bench@example.com TESTRAIL_API_KEY=benchkey NO_COLOR=1

if [[ -z "${SKIP_STARTUP:-}" ]]; then
    section "start-up (hyperfine)"
    start_emulator "$OUT/fixture-200.json"
    export TESTRAIL_HOST=$EMU_URL
    SYNC="$BIN report $OUT/report-200.xml --project-id 1 --suite-id 1 --no-journal --format json"
    CMDS=(-n "testrail-sync --version" "$BIN --version"
        -n "sync 200 tests (--rate-limit 0)" "$SYNC --rate-limit 0"
        -n "sync 200 tests (default pacing 180/min)" "$SYNC")
    if [[ -z "${SKIP_TRCLI:-}" ]]; then
        CMDS+=(-n "trcli 200 tests" "env HOME=$OUT/trcli-home $TRCLI -y -h $EMU_URL --project Shop -u bench@example.com -k benchkey parse_junit -f $OUT/report-200.xml --case-matcher name --suite-id 1 --title bench")
    fi
    timeout 600 hyperfine -N --warmup 3 --runs 20 --export-json "$OUT/startup.json" "${CMDS[@]}" \
        > "$OUT/startup.txt" 2>&1 || true
    python3 - "$OUT/startup.json" <<'EOF' | tee "$OUT/startup-table.txt"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| command | mean | σ | min |\n|---|---:|---:|---:|")
for x in r:
    print("| %s | %.1f ms | %.1f ms | %.1f ms |" % (x["command"], x["mean"] * 1e3, x["stddev"] * 1e3, x["min"] * 1e3))
EOF
    stop_emulator
fi

if [[ -z "${SKIP_BIG:-}" ]]; then
    section "big report: $BIG_TESTS testcases, ~$BIG_MB MB, IDs cycling over 10,000 cases"
    BIG=$OUT/big-$BIG_TESTS.xml
    if [[ ! -s "$BIG" ]]; then
        timeout 900 python3 bench/gen_report.py --tests "$BIG_TESTS" --id-count 10000 --target-mb "$BIG_MB" \
            --out "$BIG" --fixture "$OUT/fixture-big.json"
    fi
    ls -l "$BIG" | awk '{print $5, $9}'
    start_emulator "$OUT/fixture-big.json"
    export TESTRAIL_HOST=$EMU_URL
    /usr/bin/time -v timeout 600 "$BIN" report "$BIG" --project-id 1 --suite-id 1 --no-journal --format json \
        --rate-limit 0 --dry-run > "$OUT/big.json" 2> "$OUT/big.time" || true
    grep -E 'Elapsed|Maximum resident' "$OUT/big.time"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: d.get(k) for k in ("executions","posted","api_calls","elapsed_ms")})' "$OUT/big.json" || true
    # A real sync of the same file: 10,000 results, nearly all failures with long comments.
    /usr/bin/time -v timeout 600 "$BIN" report "$BIG" --project-id 1 --suite-id 1 --no-journal --format json \
        --rate-limit 0 > "$OUT/big-sync.json" 2> "$OUT/big-sync.time" || true
    echo "real sync:"
    grep -E 'Elapsed|Maximum resident' "$OUT/big-sync.time"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: d.get(k) for k in ("executions","posted","api_calls","batches","elapsed_ms")})' "$OUT/big-sync.json" || true
    # The same file with no IDs at all: everything unmapped.
    BIGN=$OUT/big-noids-$BIG_TESTS.xml
    if [[ ! -s "$BIGN" ]]; then
        timeout 900 python3 bench/gen_report.py --tests "$BIG_TESTS" --no-ids --target-mb "$BIG_MB" --out "$BIGN"
    fi
    /usr/bin/time -v timeout 600 "$BIN" report "$BIGN" --project-id 1 --suite-id 1 --no-journal --format json \
        --rate-limit 0 --dry-run > "$OUT/big-noids.json" 2> "$OUT/big-noids.time" || true
    echo "no IDs:"
    grep -E 'Elapsed|Maximum resident|Exit status' "$OUT/big-noids.time"
    stop_emulator
fi

if [[ -z "${SKIP_PARSE_BENCH:-}" ]]; then
    section "parse throughput (divan, ~50 MB in memory)"
    PARSE_EXE=$(cargo bench -p testrail-reports --bench parse --no-run 2>&1 \
        | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -n 1)
    echo "bench binary: $PARSE_EXE"
    timeout 1200 "$PARSE_EXE" --bench | tee "$OUT/parse.txt"
    for f in "$OUT"/big-*.xml; do
        [[ -s "$f" && -x /usr/bin/time ]] || continue
        echo "reader alone, streaming $(basename "$f") (default: tokenized on a second thread):"
        PARSE_FILE=$f /usr/bin/time -f "  wall %e s, peak RSS %M KiB" timeout 600 "$PARSE_EXE"
        echo "the same on one thread:"
        PARSE_THREADS=1 PARSE_FILE=$f /usr/bin/time -f "  wall %e s, peak RSS %M KiB" timeout 600 "$PARSE_EXE"
    done
fi
