#!/bin/sh
# Bats 1.8.2 (Debian package bats); built-in junit formatter on stdout
cd "$(dirname "$0")"
bats --formatter junit shop.bats > ../report.xml
