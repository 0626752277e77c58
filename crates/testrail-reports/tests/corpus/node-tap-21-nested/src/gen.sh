#!/bin/sh
# node-tap 21.8.0 (npm package `tap`), node v20.20.2; raw TAP 14 of one file via `node`.
# `npm install` here first.
cd "$(dirname "$0")"
node test/tax.test.mjs > ../report.tap
exit 0
