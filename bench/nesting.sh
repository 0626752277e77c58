#!/usr/bin/env bash
# Issue #22: peak RSS and time of `report --dry-run` on deeply nested JUnit reports with the
# release binary. Before the fix: 20,000 levels (0.8 MB) took 11 GB and 36 s; 100,000 levels
# (3.2 MB) passed 19 GB and was killed. Now both stop at the depth limit (1000) with exit 2.
# The third file nests 999 suites with 1 KiB names and a test in each, just under the limit:
# it is read (then the sync fails to reach the unused host: exit 4; read time is the cpu time).
#
#   bench/nesting.sh            (builds the release binary unless SKIP_BUILD=1)
# Needs: cargo, python3, /usr/bin/time (Debian: apt-get install -y time). Contacts nothing but
# 127.0.0.1:9 (closed), for the third file only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/testrail-sync
OUT=$ROOT/bench/out/nesting
mkdir -p "$OUT"
[[ -n "${SKIP_BUILD:-}" ]] || cargo build --release -p testrail-sync-cli 2>&1 | tail -n 1
python3 - "$OUT" <<'PY'
import sys
out = sys.argv[1]
for n in (20000, 100000):
    with open(f"{out}/nested-{n}.xml", "w") as f:
        f.write('<?xml version="1.0"?>\n<testsuites>\n<testsuite name="top">'
                '<testcase classname="c" name="test_1 C1"/>\n')
        for i in range(n):
            f.write(f'<testsuite name="s{i}">\n')
        f.write('</testsuite>' * n + '</testsuite>\n</testsuites>\n')
name = 'n' * 1024
with open(f"{out}/under-999-long-names.xml", "w") as f:
    f.write('<?xml version="1.0"?>\n')
    for i in range(999):
        f.write(f'<testsuite name="{name}{i}"><testcase name="t{i}"/>\n')
    f.write('</testsuite>' * 999 + '\n')
PY
export TESTRAIL_HOST=http://127.0.0.1:9 TESTRAIL_USER=bench@example.com TESTRAIL_API_KEY=unused
printf '%-26s %10s %6s %10s %10s %12s\n' file bytes exit "cpu s" "wall s" "peak RSS KB"
for f in nested-20000.xml nested-100000.xml under-999-long-names.xml; do
    set +e
    /usr/bin/time -f '%x %U %S %e %M' -o "$OUT/time.txt" \
        "$BIN" report "$OUT/$f" --dry-run --project-id 1 --timeout 1 >/dev/null 2>"$OUT/$f.err"
    set -e
    read -r code user sys wall rss < <(tail -n 1 "$OUT/time.txt")
    cpu=$(python3 -c "print(round($user + $sys, 3))")
    printf '%-26s %10s %6s %10s %10s %12s\n' "$f" "$(stat -c %s "$OUT/$f")" "$code" "$cpu" "$wall" "$rss"
done
head -n 1 "$OUT/nested-20000.xml.err"
