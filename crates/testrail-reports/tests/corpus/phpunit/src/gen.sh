#!/bin/sh
# PHPUnit 9.6.7 (Debian package phpunit), PHP 8.2 ; one class per file (PHPUnit 9 discovery)
cd "$(dirname "$0")"
phpunit --configuration phpunit.xml --log-junit ../report.xml
