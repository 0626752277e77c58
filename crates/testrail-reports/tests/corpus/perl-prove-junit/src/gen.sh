#!/bin/sh
# perl 5.36.0, prove (TAP::Harness 3.44), TAP::Formatter::JUnit 0.11 (Debian libtap-formatter-junit-perl)
# t/shop.t is the same script as the shared perl-prove-merge entry; t/orders.t dies after test 1.
cd "$(dirname "$0")"
prove --merge --formatter TAP::Formatter::JUnit t/shop.t t/orders.t > ../report.xml
