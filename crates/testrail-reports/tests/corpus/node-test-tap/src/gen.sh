#!/bin/sh
# node v20.20.2 built-in test runner, built-in tap reporter; no packages
cd "$(dirname "$0")"
node --test --test-reporter=tap --test-reporter-destination=../report.tap shop.test.mjs
