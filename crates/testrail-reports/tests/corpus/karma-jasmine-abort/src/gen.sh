#!/bin/sh
# karma 6.4.4 + karma-jasmine 5.1.0 (jasmine-core 7.0.2 installed beside it) + karma-chrome-launcher 3.2.0
# + karma-junit-reporter 2.0.1, Debian chromium 156 via CHROME_BIN, node v20.20.2 ; `npm install` here first.
cd "$(dirname "$0")"
CHROME_BIN=/usr/bin/chromium npx karma start karma.conf.js
