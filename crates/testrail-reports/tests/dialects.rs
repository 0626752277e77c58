//! Dialect features that the real-report corpus does not show (or not all at once): Surefire
//! reruns, properties in every spelling, attachments, children in any order.

use std::path::Path;
use std::time::Duration;

use testrail_reports::{CaseIdMatcher, Format, Outcome, ReadOptions, TestExecution, read};

fn junit(xml: &str) -> Vec<TestExecution> {
    let mut out = Vec::new();
    read(
        xml.as_bytes(),
        Path::new("r.xml"),
        Format::Junit,
        &ReadOptions::default(),
        &mut |e| out.push(e),
    )
    .unwrap();
    out
}

#[test]
fn surefire_flaky_and_rerun_failures() {
    let got = junit(
        r#"<testsuite name="s">
  <testcase name="flaky" classname="a.B" time="1,5">
    <flakyFailure message="first try" type="java.lang.AssertionError"><stackTrace>at x</stackTrace>
      <system-out>attempt out</system-out></flakyFailure>
    <flakyError message="second try"/>
    <system-out>final out</system-out>
  </testcase>
  <testcase name="broken" classname="a.B">
    <failure message="still broken">trace</failure>
    <rerunFailure message="again"><system-out>x</system-out></rerunFailure>
  </testcase>
</testsuite>"#,
    );
    assert_eq!(got[0].outcome, Outcome::Flaky);
    assert_eq!(got[0].attempts, 3);
    assert_eq!(got[0].message.as_deref(), Some("first try"));
    assert_eq!(got[0].stdout.as_deref(), Some("final out"));
    assert_eq!(got[0].duration, Some(Duration::from_millis(1500)));
    assert_eq!(got[1].outcome, Outcome::Failed);
    assert_eq!(got[1].attempts, 2);
    assert_eq!(got[1].message.as_deref(), Some("still broken"));
    assert_eq!(got[1].details.as_deref(), Some("trace"));
}

#[test]
fn properties_attachments_and_case_ids() {
    let got = junit(
        r#"<testsuites><testsuite name="outer">
  <properties><property name="env" value="ci"/></properties>
  <testsuite name="inner">
    <properties><property name="case_id">C7</property></properties>
    <testcase name="no id in name">
      <system-out>log
[[ATTACHMENT|/tmp/shot one.png]]
</system-out>
      <properties>
        <property name="testrail_case_id" value="C1, C2"/>
        <property name="attachment" value="trace.zip"/>
      </properties>
    </testcase>
  </testsuite>
  <testcase name="after inner C9"/>
</testsuite></testsuites>"#,
    );
    let first = &got[0];
    assert_eq!(first.classname, "inner");
    let keys: Vec<&str> = first.properties.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["env", "case_id", "testrail_case_id", "attachment"]);
    assert_eq!(first.attachments, ["/tmp/shot one.png", "trace.zip"]);
    assert_eq!(CaseIdMatcher::default().case_ids(first), [7, 1, 2]);
    // Leaving the inner suite drops its properties.
    assert_eq!(got[1].properties, [("env".to_string(), "ci".to_string())]);
    assert_eq!(got[1].classname, "outer");
    assert_eq!(CaseIdMatcher::default().case_ids(&got[1]), [9]);
}

#[test]
fn children_in_any_order_and_message_in_body_or_attribute() {
    let got = junit(
        r#"<testsuite>
<testcase name="a"><system-err>err</system-err><system-out>out</system-out><error type="Boom">
  Boom: it broke
  at line 3</error></testcase>
<testcase name="b"><skipped>not on Tuesdays</skipped></testcase>
<testcase name="c"><skipped message="flag off"/></testcase>
<testcase name="d"><failure type="TimeoutError"/></testcase>
<testcase name="e" time="9.7e-05"><failure message="short">long &amp; <![CDATA[<raw>]]></failure></testcase>
</testsuite>"#,
    );
    assert_eq!(got[0].outcome, Outcome::Error);
    assert_eq!(got[0].message.as_deref(), Some("Boom: it broke"));
    assert_eq!(
        (got[0].stdout.as_deref(), got[0].stderr.as_deref()),
        (Some("out"), Some("err"))
    );
    assert_eq!(got[1].outcome, Outcome::Skipped);
    assert_eq!(got[1].message.as_deref(), Some("not on Tuesdays"));
    assert_eq!(got[2].message.as_deref(), Some("flag off"));
    assert_eq!(got[3].message.as_deref(), Some("TimeoutError"));
    assert_eq!(got[4].details.as_deref(), Some("long & <raw>"));
    assert_eq!(got[4].duration, Some(Duration::from_nanos(97_000)));
}

#[test]
fn behave_tags_from_system_out() {
    let got = junit(
        "<testsuite><testcase name='s' status='passed'><system-out><![CDATA[\n@scenario.begin\n\n  @C801 @smoke\n  @testrail:C802\n  Scenario: s\n    Given x ... passed\n    @not-a-tag\n@scenario.end\n]]></system-out></testcase></testsuite>",
    );
    assert_eq!(got[0].tags, ["C801", "smoke", "testrail:C802"]);
    assert_eq!(got[0].tagged_case_ids, [801, 802]);
}

#[test]
fn robot_rf6_timestamps_and_tags_wrapper() {
    let xml = r#"<robot generator="Robot 3.2">
<suite name="Top" source="/t"><suite name="Sub" source="/t/sub.robot">
<test id="s1-s1-t1" name="Old Style">
<kw name="Fail"><status status="FAIL" starttime="20231127 07:57:38.630" endtime="20231127 07:57:38.700">inner</status></kw>
<tags><tag>testrail:C12</tag><tag>smoke</tag></tags>
<status status="FAIL" starttime="20231127 07:57:38.600" endtime="20231127 07:57:39.850" critical="yes">outer
second line</status>
</test>
</suite></suite>
</robot>"#;
    let mut got = Vec::new();
    read(
        xml.as_bytes(),
        Path::new("o.xml"),
        Format::Robot,
        &ReadOptions::default(),
        &mut |e| got.push(e),
    )
    .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].classname, "Top.Sub");
    assert_eq!(got[0].outcome, Outcome::Failed);
    assert_eq!(got[0].message.as_deref(), Some("outer"));
    assert_eq!(got[0].details.as_deref(), Some("outer\nsecond line"));
    assert_eq!(got[0].duration, Some(Duration::from_millis(1250)));
    assert_eq!(got[0].tagged_case_ids, [12]);
    assert_eq!(got[0].file.as_deref(), Some("/t/sub.robot"));
    assert_eq!(got[0].location.line, 3);
}

#[test]
fn tap_yaml_messages_and_durations() {
    let tap = "TAP version 13\n# Subtest: a\nnot ok 1 - a\n  ---\n  duration_ms: 1.5\n  error: |-\n    first line\n    second\n  stack: |-\n    at x\n  ...\nnot ok 2 - b\n  ---\n  message: 'it''s broken'\n  ...\nok 3 - c # SKIP no db\n1..3\n";
    let mut got = Vec::new();
    read(
        tap.as_bytes(),
        Path::new("t.tap"),
        Format::Tap,
        &ReadOptions::default(),
        &mut |e| got.push(e),
    )
    .unwrap();
    assert_eq!(got[0].message.as_deref(), Some("first line"));
    assert_eq!(got[0].duration, Some(Duration::from_micros(1500)));
    assert!(got[0].details.as_deref().unwrap().contains("at x"));
    assert_eq!(got[1].message.as_deref(), Some("it's broken"));
    assert_eq!(got[2].outcome, Outcome::Skipped);
    assert_eq!(got[2].message.as_deref(), Some("no db"));
}
