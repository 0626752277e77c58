//! Deep nesting, the attack of issue #22: a 0.8 MB JUnit report of 20,000 nested `<testsuite>`s
//! took 11 GB and 36 s (each suite copied the names of all the suites around it); 100,000
//! levels passed 19 GB. Readers now stop at [`MAX_NESTING`] levels with an error that points at
//! the element one level too deep, and below the limit what they hold grows with the depth,
//! not with its square.
//!
//! Memory is measured in a child process (this test binary, run again for one scenario), so
//! the peak belongs to that scenario alone and not to tests running beside it.

use std::path::Path;
use std::process::Command;

use testrail_reports::{
    Format, MAX_NESTING, ReadOptions, ReportError, SuitePath, TestExecution, read,
};

/// Set in the child: which scenario to run.
const SCENARIO: &str = "TESTRAIL_REPORTS_NESTING_SCENARIO";

/// `levels` nested `<testsuite>`s, each holding one test case before the next suite; every
/// suite is named `name` followed by its level.
fn nested_junit(levels: usize, name: &str) -> Vec<u8> {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n");
    for level in 0..levels {
        xml.push_str(&format!(
            "<testsuite name=\"{name}{level}\"><testcase name=\"t{level}\"/>\n"
        ));
    }
    xml.push_str(&"</testsuite>".repeat(levels));
    xml.into_bytes()
}

/// Robot's `output.xml` with `levels` nested suites, a test in each.
fn nested_robot(levels: usize) -> Vec<u8> {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<robot generator=\"Robot 7.0\">\n");
    for level in 0..levels {
        xml.push_str(&format!(
            "<suite name=\"s{level}\"><test name=\"t{level}\"><status status=\"PASS\"/></test>\n"
        ));
    }
    xml.push_str(&"</suite>".repeat(levels));
    xml.push_str("</robot>\n");
    xml.into_bytes()
}

/// TAP with `levels` nested subtests (four spaces a level), a passing point in each.
fn nested_tap(levels: usize) -> Vec<u8> {
    let mut tap = String::from("TAP version 14\n");
    for level in 0..levels {
        let indent = " ".repeat(4 * level);
        tap.push_str(&format!("{indent}# Subtest: s{level}\n"));
    }
    for level in (0..levels).rev() {
        let indent = " ".repeat(4 * level);
        tap.push_str(&format!("{indent}    1..1\n{indent}ok 1 - s{level}\n"));
    }
    tap.into_bytes()
}

fn read_all(
    bytes: &[u8],
    format: Format,
    pipeline: bool,
) -> Result<Vec<TestExecution>, ReportError> {
    let mut out = Vec::new();
    let options = ReadOptions {
        pipeline,
        ..ReadOptions::default()
    };
    read(bytes, Path::new("deep.xml"), format, &options, &mut |e| {
        out.push(e)
    })?;
    Ok(out)
}

/// The error must be the typed one, at the first element past the limit.
fn assert_too_deep(result: Result<Vec<TestExecution>, ReportError>, line: u64, what: &str) {
    match result {
        Err(ReportError::TooDeep {
            line: l,
            depth,
            limit,
            what: w,
            ..
        }) => {
            assert_eq!(
                (l, depth, limit, w),
                (line, MAX_NESTING + 1, MAX_NESTING, what)
            );
        }
        other => panic!("expected TooDeep, got {other:?}"),
    }
}

/// Peak RSS of this process so far, in KiB.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs `scenario` in a child and returns its peak RSS in MiB (the child checks what it read).
fn peak_mb_in_child(scenario: &str) -> u64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_scenario",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SCENARIO, scenario)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{scenario}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kb: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kb="))
        .unwrap_or_else(|| panic!("{scenario}: no figure in {stdout}"))
        .trim()
        .parse()
        .unwrap();
    kb / 1024
}

/// Not a test of its own: the body of [`peak_mb_in_child`]'s child (passes at once otherwise).
#[test]
fn child_scenario() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    let started = std::time::Instant::now();
    match scenario.as_str() {
        "junit-20k" | "junit-20k-one-thread" | "junit-100k" => {
            let levels = if scenario == "junit-100k" {
                100_000
            } else {
                20_000
            };
            let xml = nested_junit(levels, "suite");
            let pipeline = scenario != "junit-20k-one-thread";
            assert_too_deep(read_all(&xml, Format::Junit, pipeline), 1001, "elements");
        }
        "junit-just-under" => {
            // Names of 1 KiB: copied per level, 999 levels held 999²/2 KiB ≈ 490 MiB.
            let name = "n".repeat(1024);
            let xml = nested_junit(MAX_NESTING - 1, &name);
            for pipeline in [false, true] {
                let got = read_all(&xml, Format::Junit, pipeline).unwrap();
                assert_eq!(got.len(), MAX_NESTING - 1);
                let deepest = got.iter().map(|e| e.suite_path.len()).max();
                assert_eq!(deepest, Some(MAX_NESTING - 1));
            }
        }
        "robot-20k" => {
            // `<robot>` is level 1, suite k level k + 2 on line k + 3, its test's `<status>`
            // level k + 4: the first element past the limit is the status in suite 997.
            let got = read_all(&nested_robot(20_000), Format::Robot, true);
            assert_too_deep(got, 1000, "elements");
        }
        "tap-2k" => {
            // Four spaces a level: 2,000 levels are 8 MB of indentation already.
            assert_too_deep(
                read_all(&nested_tap(2_000), Format::Tap, true),
                1002,
                "subtests",
            );
        }
        other => panic!("unknown scenario {other}"),
    }
    println!("elapsed-ms={}", started.elapsed().as_millis());
    println!("peak-rss-kb={}", peak_rss_kb());
}

/// The figure: 20,000 nested suites (0.8 MB) took 11 GB RSS and 36 s. Now the reader
/// stops at level 1,001 with `file:line:col`, the depth and the limit, in a few MB — on the
/// calling thread and with the tokenizer on a second one (the file is over 256 KiB).
#[test]
fn twenty_thousand_nested_suites_are_refused_at_the_depth_limit_in_little_memory() {
    for scenario in ["junit-20k", "junit-20k-one-thread"] {
        let mb = peak_mb_in_child(scenario);
        assert!(mb < 24, "{scenario}: peak RSS {mb} MiB");
    }
}

/// 100,000 levels (3.2 MB) passed 19 GB and was killed: now refused like 20,000.
#[test]
fn a_hundred_thousand_nested_suites_are_refused_in_little_memory() {
    let mb = peak_mb_in_child("junit-100k");
    assert!(mb < 32, "peak RSS {mb} MiB");
}

/// Just under the limit, with 1 KiB suite names and a test in every suite: each suite linked
/// to its parent's path instead of copying it, so 999 levels hold ~1 MiB of names, not the
/// ~490 MiB that copying took.
#[test]
fn nine_hundred_ninety_nine_nested_suites_with_long_names_read_in_little_memory() {
    let mb = peak_mb_in_child("junit-just-under");
    assert!(mb < 32, "peak RSS {mb} MiB");
}

/// Robot's nested `<suite>`s hit the same element limit.
#[test]
fn twenty_thousand_nested_robot_suites_are_refused_in_little_memory() {
    let mb = peak_mb_in_child("robot-20k");
    assert!(mb < 24, "peak RSS {mb} MiB");
}

/// TAP nests by indentation: the 1,001st `# Subtest:` header is refused at its line and column.
#[test]
fn two_thousand_nested_tap_subtests_are_refused_in_little_memory() {
    let mb = peak_mb_in_child("tap-2k");
    assert!(mb < 64, "peak RSS {mb} MiB");
}

/// Exactly at the limit is fine: 1,000 nested elements (999 suites and a test case in the
/// innermost) are read, and the suites' paths are right.
#[test]
fn a_report_nested_exactly_to_the_limit_is_read() {
    let levels = MAX_NESTING - 1;
    let mut xml = String::new();
    for level in 0..levels {
        xml.push_str(&format!("<testsuite name=\"s{level}\">"));
    }
    xml.push_str("<testcase name=\"C1 deepest\"/>");
    xml.push_str(&"</testsuite>".repeat(levels));
    for pipeline in [false, true] {
        let got = read_all(xml.as_bytes(), Format::Junit, pipeline).unwrap();
        assert_eq!(got.len(), 1);
        let path = got[0].suite_path.to_vec();
        assert_eq!(path.len(), levels);
        assert_eq!(
            (path[0].as_str(), path[levels - 1].as_str()),
            ("s0", "s998")
        );
    }
    // One element more, a `<failure>` in the test case, is one too many.
    let deeper = xml.replace(
        "<testcase name=\"C1 deepest\"/>",
        "<testcase name=\"C1 deepest\"><failure/></testcase>",
    );
    let column = deeper.find("<failure/>").unwrap() as u64 + 1;
    let e = read_all(deeper.as_bytes(), Format::Junit, false).unwrap_err();
    assert_eq!(e.location(), Some((1, column)));
    assert_eq!(
        e.to_string(),
        format!("deep.xml:1:{column}: elements nested 1001 deep, past the limit of 1000 levels")
    );
    assert!(e.hint().contains("regenerate"), "{}", e.hint());
}

/// JSON readers are bounded by serde_json's recursion limit (128): Playwright's nested
/// `suites`, and arrays nested in a CTRF field read as a JSON value, are refused with
/// `line:col`. Nesting in a field nobody reads is skipped by serde_json without recursing
/// (one byte a level), so it is read, in linear memory.
#[test]
fn deeply_nested_json_is_refused_at_serde_json_recursion_limit() {
    let mut playwright = String::from("{\"config\":{},\"suites\":[");
    for _ in 0..20_000 {
        playwright.push_str("{\"title\":\"s\",\"suites\":[");
    }
    let deep = |n| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let ctrf = format!(
        "{{\"results\":{{\"tests\":[{{\"name\":\"t\",\"status\":\"passed\",\"extra\":{}}}]}}}}",
        deep(100_000)
    );
    for (bytes, format) in [
        (playwright.into_bytes(), Format::Playwright),
        (ctrf.into_bytes(), Format::Ctrf),
    ] {
        match read_all(&bytes, format, true) {
            Err(ReportError::Malformed { line, message, .. }) => {
                assert_eq!(line, 1);
                assert!(message.contains("recursion limit"), "{format:?}: {message}");
            }
            other => panic!("{format:?}: {:?}", other.map(|v| v.len())),
        }
    }
    let cucumber = format!(
        "[{{\"name\":\"f\",\"x\":{},\"elements\":[]}}]",
        deep(100_000)
    );
    assert_eq!(
        read_all(cucumber.as_bytes(), Format::Cucumber, true)
            .unwrap()
            .len(),
        0
    );
}

/// The suite path is shared, not copied: a thousand tests in one suite hold one path.
#[test]
fn suite_paths_are_shared_links() {
    let path: SuitePath = ["a", "b"].into_iter().collect();
    let child = path.child("c");
    assert_eq!(child.to_vec(), ["a", "b", "c"]);
    assert_eq!(child.innermost_first().collect::<Vec<_>>(), ["c", "b", "a"]);
    assert_eq!(child.len(), 3);
    assert_eq!(path, ["a", "b"].into_iter().collect::<SuitePath>());
    assert_ne!(path, child);
    assert!(SuitePath::default().is_empty());
    // Dropping a long path unlinks it without recursing once per level.
    let long: SuitePath = (0..1_000_000).map(|i| i.to_string()).collect();
    assert_eq!(long.len(), 1_000_000);
    drop(long);
}
