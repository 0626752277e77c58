#!/usr/bin/env bash
# Builds the release files for one target into OUTDIR, exactly as .github/workflows/release.yml
# does on each runner (it calls this script), and as scripts/check-dist.sh checks in CI:
#
#   OUTDIR/testrail-sync-VERSION-TARGET.tar.gz   (.zip on Windows) the binary + licenses
#   OUTDIR/testrail-sync-VERSION-TARGET.tar.gz.sha256
#   OUTDIR/wheels/testrail_sync-VERSION-py3-none-PLATFORM.whl      `pip install`
#   OUTDIR/npm/testrail-sync-OS-CPU-VERSION.tgz                    @testrail-sync/OS-CPU
#   OUTDIR/npm/testrail-sync-VERSION.tgz                           the `npx testrail-sync` shim
#
# The binary is built once, by maturin for the wheel; the archive and the npm package carry the
# same file, taken out of the wheel. Linux builds link against glibc 2.17 (zig as the linker,
# through maturin --zig), so they run on every distribution from CentOS 7 on.
#
# Usage: scripts/dist.sh OUTDIR [--target TRIPLE]   (default: this machine's target)
# Needs: cargo, python3 with maturin (and ziglang + cargo-zigbuild on Linux), node + npm.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/dist.sh OUTDIR [--target TRIPLE]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
OUT=$1
shift
TARGET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || usage; TARGET=$2; shift 2 ;;
    *) usage ;;
  esac
done

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || PY=python
for tool in cargo "$PY" maturin node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool is not on PATH. dist.sh needs cargo, python3 with maturin, node and npm" \
      "(on Linux also: pip install ziglang cargo-zigbuild)." >&2
    exit 1
  fi
done

HOST=$(rustc -vV | sed -n 's/^host: //p')
TARGET=${TARGET:-$HOST}
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$VERSION" ] || { echo "error: no version in Cargo.toml [workspace.package]" >&2; exit 1; }

# npm's names for the platform (process.platform, process.arch) and the archive format.
case "$TARGET" in
  x86_64-unknown-linux-gnu) NPM_OS=linux NPM_CPU=x64 ;;
  aarch64-unknown-linux-gnu) NPM_OS=linux NPM_CPU=arm64 ;;
  x86_64-apple-darwin) NPM_OS=darwin NPM_CPU=x64 ;;
  aarch64-apple-darwin) NPM_OS=darwin NPM_CPU=arm64 ;;
  x86_64-pc-windows-msvc) NPM_OS=win32 NPM_CPU=x64 ;;
  *) echo "error: dist.sh has no release layout for target $TARGET" >&2; exit 1 ;;
esac
EXE=testrail-sync
[ "$NPM_OS" = win32 ] && EXE=testrail-sync.exe

mkdir -p "$OUT/wheels" "$OUT/npm"
OUT=$(cd "$OUT" && pwd)
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/testrail-sync-dist.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

echo "== dist: testrail-sync $VERSION for $TARGET"

# --- the wheel, which also builds the binary --------------------------------------------------
MATURIN=(maturin build --release --locked --target "$TARGET" --out "$STAGE/wheels")
case "$TARGET" in
  *-linux-gnu) MATURIN+=(--zig --compatibility manylinux2014) ;;
  # No vcruntime DLL to install first: the C runtime is linked in.
  *-windows-msvc) export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" ;;
esac
"${MATURIN[@]}"
WHEEL=$(ls "$STAGE"/wheels/*.whl)
cp "$WHEEL" "$OUT/wheels/"

# The binary out of the wheel: the very bytes pip would install.
BIN_DIR="$STAGE/bin"
"$PY" - "$WHEEL" "$BIN_DIR/$EXE" <<'PY'
import os, stat, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if ".data/scripts/" in n]
    if len(names) != 1:
        sys.exit(f"error: expected one binary in {wheel}, found {names}")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with z.open(names[0]) as src, open(dest, "wb") as out:
        out.write(src.read())
os.chmod(dest, 0o755)
PY
if [ "$TARGET" = "$HOST" ]; then
  SHOWN=$("$BIN_DIR/$EXE" --version)
  echo "built: $SHOWN"
  # The release workflow sets this: a tag build that still names a commit was not built from
  # the tag (build.rs found no v$VERSION at HEAD), and must not be published.
  if [ -n "${DIST_EXPECT_RELEASE:-}" ] && [ "$SHOWN" != "testrail-sync $VERSION" ]; then
    echo "error: a release build must say 'testrail-sync $VERSION', this one says '$SHOWN'" >&2
    exit 1
  fi
fi

# --- the archive and its checksum -------------------------------------------------------------
NAME="testrail-sync-$VERSION-$TARGET"
mkdir -p "$STAGE/$NAME"
cp "$BIN_DIR/$EXE" README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$STAGE/$NAME/"
if [ "$NPM_OS" = win32 ]; then
  ARCHIVE="$NAME.zip"
  (cd "$STAGE" && "$PY" -m zipfile -c "$OUT/$ARCHIVE" "$NAME")
else
  ARCHIVE="$NAME.tar.gz"
  (cd "$STAGE" && tar -czf "$OUT/$ARCHIVE" "$NAME")
fi
# `sha256sum -c` format, written by Python so macOS and Windows runners need nothing else.
"$PY" - "$OUT/$ARCHIVE" <<'PY'
import hashlib, os, sys
path = sys.argv[1]
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
with open(path + ".sha256", "w", newline="\n") as f:
    f.write(f"{digest}  {os.path.basename(path)}\n")
PY

# --- npm: the platform package and the shim that picks it -------------------------------------
PLATFORM_PKG="$STAGE/npm-platform"
mkdir -p "$PLATFORM_PKG/bin"
cp "$BIN_DIR/$EXE" "$PLATFORM_PKG/bin/"
cp LICENSE-MIT LICENSE-APACHE "$PLATFORM_PKG/"
SHIM_PKG="$STAGE/npm-shim"
cp -R npm/testrail-sync "$SHIM_PKG"
cp README.md LICENSE-MIT LICENSE-APACHE "$SHIM_PKG/"
node - "$SHIM_PKG/package.json" "$PLATFORM_PKG/package.json" "$VERSION" "$NPM_OS" "$NPM_CPU" <<'JS'
const fs = require("fs");
const [shimPath, platformPath, version, os, cpu] = process.argv.slice(2);
const shim = JSON.parse(fs.readFileSync(shimPath, "utf8"));
shim.version = version;
for (const dep of Object.keys(shim.optionalDependencies)) shim.optionalDependencies[dep] = version;
shim.files = ["bin/", "README.md", "LICENSE-MIT", "LICENSE-APACHE"];
fs.writeFileSync(shimPath, JSON.stringify(shim, null, 2) + "\n");
const name = `@testrail-sync/${os}-${cpu}`;
if (!(name in shim.optionalDependencies)) throw new Error(`${name} is not in the shim's optionalDependencies`);
const platform = {
  name,
  version,
  description: `The testrail-sync binary for ${os}-${cpu} (installed by the testrail-sync package)`,
  homepage: shim.homepage,
  repository: shim.repository,
  license: shim.license,
  os: [os],
  cpu: [cpu],
  files: ["bin/", "LICENSE-MIT", "LICENSE-APACHE"],
  preferUnplugged: true,
};
// npm skips the package on musl systems (Alpine) instead of installing a binary that cannot start.
if (os === "linux") platform.libc = ["glibc"];
fs.writeFileSync(platformPath, JSON.stringify(platform, null, 2) + "\n");
JS
(cd "$PLATFORM_PKG" && npm pack --silent --pack-destination "$OUT/npm" >/dev/null)
(cd "$SHIM_PKG" && npm pack --silent --pack-destination "$OUT/npm" >/dev/null)

echo "== dist: wrote to $OUT"
(cd "$OUT" && ls -l "$ARCHIVE" "$ARCHIVE.sha256" wheels/ npm/)
