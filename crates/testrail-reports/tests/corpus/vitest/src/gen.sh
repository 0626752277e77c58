#!/bin/sh
# vitest 4.1.12 (built-in junit reporter), node v20.20.2 ; `npm install` in this dir first
# (package.json pins the version). Writes ../report.xml via vitest.config.js.
cd "$(dirname "$0")"
npx vitest run
