#!/bin/sh
# Python 3.11.7, unittest-xml-reporting (xmlrunner) 4.0.0, lxml 6.1.3 ; venv at /tmp/genvenv
# xmlrunner writes one file per run when --output-file is given; run from this src dir
cd "$(dirname "$0")"
/tmp/genvenv/bin/python -m xmlrunner --output-file ../report.xml test_shop
