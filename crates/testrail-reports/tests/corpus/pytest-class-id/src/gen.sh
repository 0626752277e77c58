#!/bin/sh
# pytest 9.2.0, Python 3.11 (pip install pytest==9.2.0), default xunit2 JUnit.
cd "$(dirname "$0")"
python -m pytest -q -p no:cacheprovider --junitxml=../report.xml test_profile.py
exit 0
