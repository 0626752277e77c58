#!/bin/sh
# go 1.19.8 (Debian golang-go 2:1.19~1), gotestsum 1.8.2 (Debian gotestsum, reports "version dev");
# stdlib only, no module proxy. Only ./shop (a panic aborts --rerun-fails); failed tests rerun once,
# the flaky test fails on its first attempt only (marker file).
cd "$(dirname "$0")"
rm -f "${TMPDIR:-/tmp}/gotestsum-gen-c2109.marker"
GOPROXY=off gotestsum --format testname --junitfile ../report.xml --rerun-fails=1 --packages ./shop -- -count=1
