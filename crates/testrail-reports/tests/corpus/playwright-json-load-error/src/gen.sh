#!/bin/sh
# @playwright/test 1.65.1, node v20.20.2, `--reporter=json` (via the config's outputFile).
# broken.spec.ts throws while loading: Playwright runs no test at all and reports the error
# only in the top-level `errors`. `npm install` here first.
cd "$(dirname "$0")"
PW_JSON=../report.json npx playwright test
rm -rf test-results
exit 0
