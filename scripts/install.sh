#!/bin/sh
# Installs a released testrail-sync binary: downloads the archive for this OS and CPU, checks
# its SHA-256 against the release's .sha256 file (or the one given with --sha256), and copies
# the binary into DIR. Nothing is built; no Rust toolchain is needed. POSIX sh + curl or wget.
#
#   curl -fsSL https://raw.githubusercontent.com/testrail-sync/testrail-sync/v0.2.0/scripts/install.sh \
#     | sh -s -- --version 0.2.0 --to "$HOME/.local/bin"
#
# Options:
#   --version V     the release to install, e.g. 0.2.0 (required)
#   --to DIR        where to put the binary (default: $HOME/.local/bin); created if missing
#   --base-url URL  where releases live (default: the project's GitHub releases). Files are
#                   fetched as URL/vV/testrail-sync-V-TARGET.tar.gz (+ .sha256), the layout of
#                   GitHub releases, so a GitHub Enterprise Server
#                   (https://ghe.example.com/OWNER/REPO/releases/download), an artifact mirror
#                   or a plain file server of the release files works the same. file:// works too.
#   --sha256 HEX    the archive's expected SHA-256, e.g. pinned in your CI config; then the
#                   .sha256 file is not needed and a tampered mirror cannot pass
#   --target TRIPLE install another platform's build (default: this machine's)
#
# Exit codes: 0 installed, 1 download, checksum or install failed (nothing installed), 2 usage.
set -eu

DEFAULT_BASE_URL=https://github.com/testrail-sync/testrail-sync/releases/download

die() {
  echo "install.sh: error: $*" >&2
  exit 1
}

usage() {
  echo "usage: install.sh --version V [--to DIR] [--base-url URL] [--sha256 HEX] [--target TRIPLE]" >&2
  exit 2
}

VERSION=""
DIR="${HOME:-}/.local/bin"
BASE_URL=$DEFAULT_BASE_URL
EXPECTED=""
TARGET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version | --to | --base-url | --sha256 | --target)
      [ $# -ge 2 ] || usage
      case "$1" in
        --version) VERSION=$2 ;;
        --to) DIR=$2 ;;
        --base-url) BASE_URL=$2 ;;
        --sha256) EXPECTED=$2 ;;
        --target) TARGET=$2 ;;
      esac
      shift 2
      ;;
    -h | --help) sed -n '2,22p' "$0" 2>/dev/null || true; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage ;;
  esac
done
VERSION=${VERSION#v}
[ -n "$VERSION" ] || { echo "install.sh: --version is required (e.g. --version 0.2.0)" >&2; usage; }
case "$VERSION" in
  *[!0-9A-Za-z.+-]*) die "--version $VERSION is not a version number like 0.2.0" ;;
esac
[ -n "$DIR" ] || die "--to DIR is required when HOME is not set"
BASE_URL=${BASE_URL%/}

# This machine's release target: the names in the release's file names.
detect_target() {
  os=$(uname -s)
  cpu=$(uname -m)
  case "$cpu" in
    x86_64 | amd64) cpu=x86_64 ;;
    aarch64 | arm64) cpu=aarch64 ;;
    *) die "no prebuilt testrail-sync for the $cpu CPU; build it with: cargo install testrail-sync-cli" ;;
  esac
  case "$os" in
    Linux)
      # The Linux builds need glibc (2.17+). On musl (Alpine) the loader would only say "not found".
      if ! { ldd --version 2>&1 || true; } | grep -qiE 'glibc|gnu libc' \
        && ls /lib/ld-musl-* >/dev/null 2>&1; then
        die "this system uses musl libc (Alpine?); the prebuilt binaries need glibc 2.17+. Use a glibc image or: cargo install testrail-sync-cli"
      fi
      echo "$cpu-unknown-linux-gnu"
      ;;
    Darwin)
      # Under Rosetta uname says x86_64 on Apple silicon: take the native build.
      if [ "$cpu" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
        cpu=aarch64
      fi
      echo "$cpu-apple-darwin"
      ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      [ "$cpu" = x86_64 ] || die "no prebuilt testrail-sync for Windows on $cpu"
      echo "x86_64-pc-windows-msvc"
      ;;
    *) die "no prebuilt testrail-sync for $os; build it with: cargo install testrail-sync-cli" ;;
  esac
}

# download URL FILE: curl or wget, failing on HTTP errors, with a few retries for flaky networks.
download() {
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --tries=3 --output-document="$2" "$1"
  else
    die "neither curl nor wget is installed; install one of them"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/^.*= *//'
  else
    die "no sha256sum, shasum or openssl to verify the download with; install one of them"
  fi
}

HOST_BUILD=yes
if [ -n "$TARGET" ]; then HOST_BUILD=no; else TARGET=$(detect_target); fi
case "$TARGET" in
  *-windows-*) ARCHIVE_EXT=zip EXE=testrail-sync.exe ;;
  *) ARCHIVE_EXT=tar.gz EXE=testrail-sync ;;
esac
NAME="testrail-sync-$VERSION-$TARGET"
ARCHIVE="$NAME.$ARCHIVE_EXT"
URL="$BASE_URL/v$VERSION/$ARCHIVE"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/testrail-sync-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

echo "install.sh: downloading $URL" >&2
download "$URL" "$TMP/$ARCHIVE" \
  || die "could not download $URL. Check --version $VERSION (is it released?) and --base-url; nothing was installed"
if [ -z "$EXPECTED" ]; then
  download "$URL.sha256" "$TMP/$ARCHIVE.sha256" \
    || die "could not download $URL.sha256 to verify the archive; nothing was installed (pass --sha256 HEX to give the checksum yourself)"
  EXPECTED=$(cut -d ' ' -f 1 <"$TMP/$ARCHIVE.sha256")
fi
EXPECTED=$(printf '%s' "$EXPECTED" | tr 'A-F' 'a-f')
case "$EXPECTED" in
  *[!0-9a-f]* | "") die "the expected SHA-256 '$EXPECTED' is not 64 hex digits; nothing was installed" ;;
esac
[ ${#EXPECTED} -eq 64 ] || die "the expected SHA-256 '$EXPECTED' is not 64 hex digits; nothing was installed"
ACTUAL=$(sha256_of "$TMP/$ARCHIVE")
if [ "$ACTUAL" != "$EXPECTED" ]; then
  die "checksum mismatch for $ARCHIVE: expected $EXPECTED, got $ACTUAL. The download is corrupt or was altered; nothing was installed"
fi

mkdir -p "$TMP/unpacked"
if [ "$ARCHIVE_EXT" = zip ]; then
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$TMP/$ARCHIVE" -d "$TMP/unpacked"
  else
    powershell.exe -NoProfile -Command "Expand-Archive -LiteralPath '$TMP/$ARCHIVE' -DestinationPath '$TMP/unpacked'" \
      || die "cannot unpack $ARCHIVE: install unzip"
  fi
else
  tar -xzf "$TMP/$ARCHIVE" -C "$TMP/unpacked"
fi
[ -f "$TMP/unpacked/$NAME/$EXE" ] || die "$ARCHIVE has no $NAME/$EXE; nothing was installed"

mkdir -p "$DIR" || die "cannot create $DIR"
# Copy beside the target, then rename: a running testrail-sync is never half overwritten.
cp "$TMP/unpacked/$NAME/$EXE" "$DIR/.$EXE.new" || die "cannot write to $DIR"
chmod 755 "$DIR/.$EXE.new"
mv -f "$DIR/.$EXE.new" "$DIR/$EXE"
if [ "$HOST_BUILD" = yes ]; then
  SHOWN=$("$DIR/$EXE" --version) || die "installed $DIR/$EXE, but it does not start on this machine"
else
  SHOWN="testrail-sync $VERSION for $TARGET"
fi
echo "install.sh: installed $SHOWN to $DIR/$EXE (sha256 $ACTUAL)" >&2
case ":${PATH:-}:" in
  *":$DIR:"*) ;;
  *) echo "install.sh: $DIR is not on PATH; add it, e.g. export PATH=\"$DIR:\$PATH\"" >&2 ;;
esac
