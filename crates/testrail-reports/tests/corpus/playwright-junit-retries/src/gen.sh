#!/bin/sh
# @playwright/test 1.65.1 (built-in junit reporter) with Debian chromium 156 at /usr/bin/chromium,
# node v20.20.2 ; `npm install` here first with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 (no browser download).
# junit option includeRetries on: failed attempts become flakyFailure/rerunFailure children.
cd "$(dirname "$0")"
JUNIT_RETRIES=1 JUNIT_OUT=../report.xml npx playwright test
