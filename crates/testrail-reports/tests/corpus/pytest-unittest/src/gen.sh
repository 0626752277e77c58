#!/bin/sh
# Python 3.11.7, pytest 9.2.0 (venv /tmp/genvenv) running plain unittest.TestCase classes
# (same tests as the unittest-xmlrunner entry, IDs renumbered C24xx); default xunit2 family.
cd "$(dirname "$0")"
/tmp/genvenv/bin/python -m pytest test_shop.py -p no:cacheprovider --junitxml=../report.xml
