#!/bin/sh
# Bats 1.8.2 (Debian package bats); TAP output (default tap formatter) on stdout
cd "$(dirname "$0")"
bats --formatter tap shop.bats > ../report.tap
