*** Settings ***
Documentation     Shop checks; run twice and merged with rebot --merge.
Library           OperatingSystem

*** Variables ***
${MARKER}         %{SHOP_MARKER=}

*** Test Cases ***
C2901 login works
    [Tags]    smoke
    Should Be Equal    ok    ok

C2902 flaky search
    [Documentation]    Fails on the first run, passes on the re-execution.
    Run Keyword If    '${MARKER}' == ''    Fail    search index not ready
    Log    found it

C2903 checkout always fails
    Should Be Equal As Integers    3    4    total mismatch

Wishlist sync
    [Tags]    testrail:C2904
    Run Keyword If    '${MARKER}' == ''    Fail    wishlist <b>timeout</b> & retry
    Log    synced

C2905 not re-executed
    Should Be Equal    ok    ok
