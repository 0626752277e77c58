#!/bin/sh
# Catch2 2.13.10 (Debian package catch2, single header), g++ 12 ; built-in junit reporter
cd "$(dirname "$0")"
g++ -std=c++17 -o /tmp/catch2-shop shop_test.cpp
/tmp/catch2-shop --reporter junit --out ../report.xml
