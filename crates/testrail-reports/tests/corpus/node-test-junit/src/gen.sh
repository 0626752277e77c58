#!/bin/sh
# node v20.20.2 built-in test runner, built-in junit reporter; no packages
cd "$(dirname "$0")"
node --test --test-reporter=junit --test-reporter-destination=../report.xml shop.test.mjs
