#!/bin/sh
# behave 1.3.3, Python 3.11 (pip install behave==1.3.3), its JSON formatter.
cd "$(dirname "$0")"
python -m behave --no-color -f json -o ../report.json --tags="not @skip" features
exit 0
