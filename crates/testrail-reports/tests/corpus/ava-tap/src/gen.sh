#!/bin/sh
# AVA 7.0.0, node v20.20.2, `ava --tap`. `npm install` here first.
cd "$(dirname "$0")"
npx ava --tap shop.test.mjs > ../report.tap
exit 0
