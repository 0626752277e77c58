#!/bin/sh
# node v20.20.2, built-in test runner and its junit reporter; no npm packages.
cd "$(dirname "$0")"
node --test --test-reporter=junit --test-reporter-destination=../report.xml cart.test.mjs
exit 0
