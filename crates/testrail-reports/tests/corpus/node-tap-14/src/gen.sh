#!/bin/sh
# node-tap 21.8.0 (npm package `tap`), node v20.20.2 ; raw TAP 14 of one file via `node`,
# not the `tap` runner's pretty output. `npm install` here first.
cd "$(dirname "$0")"
node test/shop.test.mjs > ../report.tap
