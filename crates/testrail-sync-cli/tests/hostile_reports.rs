//! Hostile reports of issue #22 through the real binary: a report nested 20,000 levels deep
//! (it took 11 GB and 36 s), a literal NUL in a test name and a duplicated attribute (both were
//! read, exit 0). Each now exits 2 with `file:line:col` and a hint, and TestRail gets not one
//! request — a good report given alongside is not sent either.

mod common;
mod support;

use std::time::{Duration, Instant};

use common::*;
use support::*;

/// A test case that would be synced (C1), then `levels` nested suites.
fn nested(levels: usize) -> Vec<u8> {
    let mut xml = String::from("<testsuites>\n<testsuite name=\"top\">\n");
    xml.push_str("<testcase classname=\"c\" name=\"test_1 C1\"/>\n");
    for level in 0..levels {
        xml.push_str(&format!("<testsuite name=\"s{level}\">\n"));
    }
    xml.push_str(&"</testsuite>".repeat(levels));
    xml.push_str("</testsuite>\n</testsuites>\n");
    xml.into_bytes()
}

#[track_caller]
fn refused(env: &Env, args: &[&str], expect: &[&str]) {
    let started = Instant::now();
    let out = env.run(args);
    let err = stderr(&out);
    assert_exit(&out, 2);
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
    assert!(err.contains("hint: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

/// 20,000 nested `<testsuite>`s: refused at the suite on line 1,001 (`<testsuites>` and the
/// first suite are levels 1 and 2), in seconds, before any request.
#[test]
fn twenty_thousand_nested_suites_exit_2_at_the_depth_limit_and_write_nothing() {
    let env = Env::start(fixture_with_cases(1..=3));
    let deep = env.write_file("deep.xml", &nested(20_000));
    let deep = deep.display().to_string();
    let good = env.write_file("good.xml", junit_for(1..=3).as_bytes());
    let good = good.display().to_string();
    refused(
        &env,
        &["report", &deep, "--project-id", "1"],
        &[
            "deep.xml:1002:1: elements nested 1001 deep, past the limit of 1000 levels",
            "regenerate it",
        ],
    );
    refused(
        &env,
        &["report", &good, &deep, "--project-id", "1", "--dry-run"],
        &["deep.xml:1002:1"],
    );
    assert_eq!(
        env.emulator().stats().requests,
        0,
        "nothing may reach TestRail"
    );
    // Nested well within the limit, the same report is synced.
    let fine = env.write_file("fine.xml", &nested(100));
    let out = env.run(&["report", &fine.display().to_string(), "--project-id", "1"]);
    assert_exit(&out, 0);
    assert!(env.write_requests() > 0);
}

/// A NUL byte in a test name and an attribute given twice: exit 2, `file:line:col`, nothing
/// written (they were read before, the first `name` winning).
#[test]
fn a_nul_in_a_name_or_a_duplicated_attribute_exits_2_and_writes_nothing() {
    let env = Env::start(fixture_with_cases(1..=3));
    let nul = env.write_file(
        "nul.xml",
        b"<testsuite name=\"s\">\n  <testcase classname=\"c\" name=\"test_1 C1\0evil\"/>\n</testsuite>\n",
    );
    let twice = env.write_file(
        "twice.xml",
        b"<testsuite name=\"s\">\n  <testcase name=\"test_1 C1\" name=\"test_2 C2\"/>\n</testsuite>\n",
    );
    refused(
        &env,
        &["report", &nul.display().to_string(), "--project-id", "1"],
        &[
            "nul.xml:2:3: control character U+0000 in <testcase>",
            "XML 1.0",
        ],
    );
    refused(
        &env,
        &["report", &twice.display().to_string(), "--project-id", "1"],
        &["twice.xml:2:3: attribute `name` appears twice in <testcase>"],
    );
    assert_eq!(
        env.emulator().stats().requests,
        0,
        "nothing may reach TestRail"
    );
}
