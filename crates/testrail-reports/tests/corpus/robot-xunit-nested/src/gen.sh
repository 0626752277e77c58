#!/bin/sh
# Robot Framework 7.5 (Python 3.11.7, venv /tmp/genvenv) on a directory suite: nested suites in xunit.
cd "$(dirname "$0")"
/tmp/genvenv/bin/robot --output /tmp/robot-nested-output.xml --xunit ../report.xml --log NONE --report NONE shop
