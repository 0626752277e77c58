#!/bin/sh
# @playwright/test 1.65.1 (built-in junit reporter) with Debian chromium 156 at /usr/bin/chromium,
# node v20.20.2 ; `npm install` here first with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 (no browser download).
# Default junit options (includeRetries off): retries are folded into one testcase.
cd "$(dirname "$0")"
JUNIT_OUT=../report.xml npx playwright test
