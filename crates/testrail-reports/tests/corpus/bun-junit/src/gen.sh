#!/bin/sh
# bun 1.4.5 (npm package `bun`, binary from its platform package) ; built-in junit reporter
cd "$(dirname "$0")"
npx bun test --reporter=junit --reporter-outfile=../report.xml ./shop.test.ts
