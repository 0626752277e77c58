#!/bin/sh
# @playwright/test 1.65.1 + playwright-ctrf-json-reporter 0.0.29 (annotations: true), Debian chromium 156,
# node v20.20.2 ; `npm install` here first with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 (no browser download).
cd "$(dirname "$0")"
npx playwright test --config playwright.ctrf.config.js
