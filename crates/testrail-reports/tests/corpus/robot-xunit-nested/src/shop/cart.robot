*** Settings ***
Documentation     Cart suite
Suite Setup       Log    cart suite setup ok

*** Test Cases ***
C2501 Add Item
    Should Be Equal    ${1}    ${1}

Smoke Check
    [Documentation]    same test name also exists in orders.robot
    [Tags]    C2502
    Should Be Equal    ok    ok
