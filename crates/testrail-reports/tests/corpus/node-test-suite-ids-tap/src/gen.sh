#!/bin/sh
# node v20.20.2, built-in test runner and its tap reporter; no npm packages.
cd "$(dirname "$0")"
node --test --test-reporter=tap --test-reporter-destination=../report.tap cart.test.mjs
exit 0
