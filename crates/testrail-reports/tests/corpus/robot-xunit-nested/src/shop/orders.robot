*** Settings ***
Documentation     Orders suite whose setup fails
Suite Setup       Fail    db fixture could not connect

*** Test Cases ***
C2503 List Orders
    No Operation

Smoke Check
    No Operation
