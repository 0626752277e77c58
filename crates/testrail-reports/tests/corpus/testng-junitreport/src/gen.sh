#!/bin/sh
# TestNG 6.9.12 (Debian testng), OpenJDK 17. TestNG's JUnitReportReporter writes one file per class
# (junitreports/TEST-shop.ShopTest.xml); that file is copied as report.xml.
cd "$(dirname "$0")"
CP=/usr/share/java/testng.jar:/usr/share/java/jcommander.jar:/usr/share/java/bsh.jar
rm -rf /tmp/testng-gen && mkdir -p /tmp/testng-gen/classes
javac -d /tmp/testng-gen/classes -cp "$CP" test/shop/*.java
java -cp "$CP:/tmp/testng-gen/classes" org.testng.TestNG -d /tmp/testng-gen/out -testclass shop.ShopTest || true
cp /tmp/testng-gen/out/junitreports/TEST-shop.ShopTest.xml ../report.xml
