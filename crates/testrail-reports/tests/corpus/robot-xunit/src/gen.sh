#!/bin/sh
# Robot Framework 7.5 (Python 3.11.7), venv at /tmp/genvenv ; same shop.robot as the shared
# robot-output entry. Only the xunit file is kept; native output goes to /dev/null-like temp.
cd "$(dirname "$0")"
/tmp/genvenv/bin/robot --output /tmp/robot-native-output.xml --xunit ../report.xml --log NONE --report NONE shop.robot
