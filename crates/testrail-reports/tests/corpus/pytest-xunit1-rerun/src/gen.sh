#!/bin/sh
# Python 3.11.7, pytest 9.2.0, pytest-rerunfailures 16.7 ; venv at /tmp/genvenv
# legacy xunit1 family (file/line attrs, record_property allowed), captured output kept
cd "$(dirname "$0")"
/tmp/genvenv/bin/python -m pytest test_shop.py -p no:cacheprovider -o junit_family=xunit1 -o junit_logging=system-out --junitxml=../report.xml
