#!/bin/sh
# GoogleTest 1.12.1 (Debian libgtest-dev), g++ 12 ; --gtest_output=xml writes the report
cd "$(dirname "$0")"
g++ -std=c++17 -o /tmp/gtest-shop shop_test.cpp -lgtest -lgtest_main -pthread
/tmp/gtest-shop --gtest_output=xml:../report.xml
