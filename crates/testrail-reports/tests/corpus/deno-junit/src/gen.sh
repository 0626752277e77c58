#!/bin/sh
# deno 2.9.6 (npm package `deno`, binary from its platform package) ; built-in junit reporter
cd "$(dirname "$0")"
npx deno test --no-check --reporter=dot --junit-path=../report.xml shop_test.ts
