#!/bin/sh
# JUnit 5.9.2 / Platform 1.9.1 console launcher (Debian junit5), OpenJDK 17 (default-jdk-headless).
# Few failing tests on purpose: each failure carries a ~100-line stack (no pruning in 1.9), keeping the
# report under 50 KB. The legacy XML reporter writes TEST-junit-jupiter.xml into --reports-dir; it is copied as report.xml.
cd "$(dirname "$0")"
J=/usr/share/java
CP=$J/junit-jupiter-api.jar:$J/junit-jupiter-params.jar:$J/apiguardian-api.jar:$J/opentest4j.jar:$J/junit-platform-commons.jar
rm -rf /tmp/junit5-gen && mkdir -p /tmp/junit5-gen/classes
javac -d /tmp/junit5-gen/classes -cp "$CP" test/shop/*.java
java -jar $J/junit-platform-console-standalone.jar --disable-banner \
  -cp /tmp/junit5-gen/classes --select-package shop --reports-dir /tmp/junit5-gen/reports || true
cp /tmp/junit5-gen/reports/TEST-junit-jupiter.xml ../report.xml
