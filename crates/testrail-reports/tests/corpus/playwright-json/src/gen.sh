#!/bin/sh
# @playwright/test 1.65.1, node v20.20.2, `--reporter=json` (via the config's outputFile).
# The tests use no page fixture, so no browser is needed. `npm install` here first.
cd "$(dirname "$0")"
PW_JSON=../report.json npx playwright test
rm -rf test-results
exit 0
