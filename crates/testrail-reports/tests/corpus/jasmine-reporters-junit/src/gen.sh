#!/bin/sh
# jasmine 5.13.0 + jasmine-reporters 2.5.2 (JUnitXmlReporter, consolidateAll), node v20.20.2.
# `npm install` here first.
cd "$(dirname "$0")"
out=$(mktemp -d)
JUNIT_DIR="$out" npx jasmine --config=spec/support/jasmine.json
cp "$out/junitresults.xml" ../report.xml
exit 0
