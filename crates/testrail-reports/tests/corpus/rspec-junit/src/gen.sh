#!/bin/sh
# RSpec 3.12 (Debian ruby-rspec), rspec_junit_formatter 0.4.1 (Debian ruby-rspec-junit-formatter), ruby 3.1.2
cd "$(dirname "$0")"
rspec spec/shop_spec.rb --format progress --format RspecJunitFormatter --out ../report.xml
