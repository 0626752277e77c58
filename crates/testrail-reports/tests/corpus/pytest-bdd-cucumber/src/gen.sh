#!/bin/sh
# pytest 9.2.0 + pytest-bdd 9.0.1, Python 3.11 (pip install pytest==9.2.0 pytest-bdd==9.0.1).
cd "$(dirname "$0")"
python -m pytest -q -p no:cacheprovider --cucumberjson=../report.json test_cart.py
exit 0
