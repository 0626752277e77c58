#!/bin/sh
# cargo-nextest 0.9.143, rustc 1.95 ; crate outside any workspace. Tests that abort, exit(3) and
# hang past slow-timeout (terminated after 1 s). No retries.
cd "$(dirname "$0")"
RUST_BACKTRACE=0 cargo nextest run --no-fail-fast || true
cp target/nextest/default/junit.xml ../report.xml
