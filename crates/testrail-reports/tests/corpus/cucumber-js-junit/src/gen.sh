#!/bin/sh
# @cucumber/cucumber 12.9.0 (built-in junit formatter, @cucumber/junit-xml-formatter) ; node v20.20.2
# same features/steps as the shared cucumber-json entry, same --retry 1
cd "$(dirname "$0")"
npx cucumber-js features --require 'features/step_definitions/*.js' --retry 1 --format junit:../report.xml --format progress
