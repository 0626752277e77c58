//! Bad and hostile input through the real binary: every case exits 2 (bad input/config) or 3
//! (TestRail refused) with a message naming the file and `line:col` or the setting — and
//! nothing is written (local problems do not even reach TestRail). Complements the basic table
//! in report.rs (broken/empty/missing files, globs, directories, bad regex flag, templates).

mod common;
mod support;

use common::*;
use support::*;

struct Case {
    what: &'static str,
    args: Vec<String>,
    code: i32,
    /// Every one of these must appear in stderr.
    expect: Vec<&'static str>,
}

fn case(what: &'static str, args: &[&str], code: i32, expect: &[&'static str]) -> Case {
    Case {
        what,
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        expect: expect.to_vec(),
    }
}

fn check(env: &Env, cases: &[Case]) {
    for c in cases {
        let out = env.run(&c.args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            out.status.code(),
            Some(c.code),
            "{}: exit code\nstderr:\n{}",
            c.what,
            stderr(&out)
        );
        let err = stderr(&out);
        for e in &c.expect {
            assert!(err.contains(e), "{}: expected {e:?} in:\n{err}", c.what);
        }
        assert!(!err.contains("panicked"), "{}: {err}", c.what);
    }
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuite><testcase name="C1 &lol9;"/></testsuite>
"#;

/// Local problems: files, XML, config. Exit 2, the file and line:col (or the setting) named,
/// and not a single request sent.
#[test]
fn hostile_and_broken_reports_and_configs_exit_2_before_any_request() {
    let env = Env::start(fixture_with_cases(1..=10));
    let good = env.write_file("good.xml", junit_for(1..=3).as_bytes());
    let file = |name: &str, bytes: &[u8]| env.write_file(name, bytes).display().to_string();
    let truncated = file(
        "truncated.xml",
        b"<testsuite><testcase name=\"C1 a\"/><testcase name=\"C2 b\"><failure message=\"x\">tra",
    );
    let latin1 = file(
        "latin1.xml",
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><testsuite><testcase name=\"C1 caf\xe9\"/></testsuite>",
    );
    let laughs = file("laughs.xml", BILLION_LAUGHS.as_bytes());
    let secret = env.write_file("secret.txt", b"TOPSECRET-PASSWD-LINE\n");
    let xxe = file(
        "xxe.xml",
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE t [ <!ENTITY xxe SYSTEM \"file://{}\"> ]>\n\
             <testsuite><testcase name=\"C1 a\"><failure message=\"&xxe;\">&xxe;</failure>\
             </testcase></testsuite>",
            secret.display()
        )
        .as_bytes(),
    );
    let undefined = file(
        "undefined.xml",
        b"<testsuite><testcase name=\"C1 &undefined; a\"/></testsuite>",
    );
    let garbage: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let garbage = file("garbage.xml", &garbage);
    let unknown_key = file(
        "unknown.toml",
        b"host = \"http://127.0.0.1:1\"\nprojct_id = 1\n",
    );
    let bad_toml = file("bad.toml", b"batch_size = 10\nproject_id = \n");
    let bad_regex = file("regex.toml", b"case_patterns = [\"C(\\\\d+\"]\n");
    let wrong_type = file("type.toml", b"batch_size = \"many\"\n");
    let good = good.display().to_string();
    fn report(f: &str) -> Vec<&str> {
        vec!["report", f, "--project-id", "1"]
    }
    let mut cases = vec![
        case(
            "truncated",
            &report(&truncated),
            2,
            &["truncated.xml:1:", "truncated"],
        ),
        case(
            "not UTF-8",
            &report(&latin1),
            2,
            &["latin1.xml:1:", "UTF-8"],
        ),
        case(
            "billion laughs",
            &report(&laughs),
            2,
            &["laughs.xml:2:1", "DTD"],
        ),
        case("external entity", &report(&xxe), 2, &["xxe.xml:2:1", "DTD"]),
        case(
            "undefined entity",
            &report(&undefined),
            2,
            &["undefined.xml:1:"],
        ),
        case("garbage bytes", &report(&garbage), 2, &["garbage.xml"]),
        // One bad file among good ones: nothing of the good one is sent either.
        case(
            "good then truncated",
            &["report", &good, &truncated, "--project-id", "1"],
            2,
            &["truncated.xml:1:"],
        ),
        case(
            "unknown config key",
            &["--config", &unknown_key, "report", &good],
            2,
            &["unknown.toml", "`projct_id`", "did you mean `project_id`"],
        ),
        case(
            "TOML syntax",
            &["--config", &bad_toml, "report", &good, "--project-id", "1"],
            2,
            &["bad.toml:2:14", "TOML error"],
        ),
        case(
            "bad regex in config",
            &["--config", &bad_regex, "report", &good, "--project-id", "1"],
            2,
            &[
                "case_patterns (config file)",
                "invalid case pattern",
                "C(\\d+",
            ],
        ),
        case(
            "wrong type in config",
            &[
                "--config",
                &wrong_type,
                "report",
                &good,
                "--project-id",
                "1",
            ],
            2,
            &["type.toml", "batch_size"],
        ),
        case(
            "bad --result-field",
            &[
                "report",
                &good,
                "--project-id",
                "1",
                "--result-field",
                "nokey",
            ],
            2,
            &["--result-field", "KEY=VALUE"],
        ),
        // Fault: the JSON parser's "not valid JSON: regenerate it" sent people to regenerate a
        // good JUnit report; the hint must name the format the file looks like.
        case(
            "--input-format playwright on a JUnit file",
            &[
                "report",
                &good,
                "--project-id",
                "1",
                "--input-format",
                "playwright",
            ],
            2,
            &[
                "good.xml:1:1",
                "--input-format playwright was given, but this file looks like junit",
            ],
        ),
        case(
            "--case-matcher bogus",
            &[
                "report",
                &good,
                "--project-id",
                "1",
                "--case-matcher",
                "bogus",
            ],
            2,
            &["'bogus'", "auto, name, property"],
        ),
        case(
            "--create-cases without --case-matcher auto",
            &["report", &good, "--project-id", "1", "--create-cases"],
            2,
            &["--create-cases goes with --case-matcher auto"],
        ),
        case(
            "bad --timeout",
            &["report", &good, "--project-id", "1", "--timeout=-1"],
            2,
            &["timeout"],
        ),
    ];
    cases.push(case(
        "config file missing",
        &[
            "--config",
            "nope.toml",
            "report",
            &good,
            "--project-id",
            "1",
        ],
        2,
        &["nope.toml"],
    ));
    check(&env, &cases);
    let xxe_out = env.run(&report(&xxe));
    assert!(!stderr(&xxe_out).contains("TOPSECRET") && !stdout(&xxe_out).contains("TOPSECRET"));
    assert_eq!(
        env.emulator().stats().requests,
        0,
        "local problems must not reach TestRail"
    );
}

/// Problems only TestRail can tell: confirmed with reads before the first write, so they exit
/// 2/3 having written nothing.
#[test]
fn targets_that_do_not_exist_are_refused_before_the_first_write() {
    let env = Env::start(fixture_with_cases(1..=10));
    let good = env.write_file("good.xml", junit_for(1..=3).as_bytes());
    let good = good.display().to_string();
    let journal_is_a_file = env.write_file("journal-file", b"").display().to_string();
    let base = |more: &[&str]| {
        let mut v = vec!["report", good.as_str(), "--rate-limit", "0"];
        v.extend_from_slice(more);
        v.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let mk = |what, args: Vec<String>, code, expect: &[&'static str]| Case {
        what,
        args,
        code,
        expect: expect.to_vec(),
    };
    let cases = vec![
        mk(
            "unknown suite",
            base(&["--project-id", "1", "--suite-id", "99"]),
            3,
            &["no such suite", "--suite-id"],
        ),
        mk(
            "unknown project name",
            base(&["--project", "Nope"]),
            3,
            &["no project named \"Nope\"", "Shop (P1)"],
        ),
        mk(
            "unknown project id",
            base(&["--project-id", "42"]),
            3,
            &["project 42"],
        ),
        mk(
            "unknown run key target run id",
            base(&["--project-id", "1", "--run-id", "77"]),
            3,
            &["R77"],
        ),
        mk(
            "unknown assignee",
            base(&[
                "--project-id",
                "1",
                "--assign-failures-to",
                "nobody@example.com",
            ]),
            2,
            &["assign-failures-to", "nobody@example.com"],
        ),
        mk(
            "journal path is a file",
            base(&["--project-id", "1", "--journal", &journal_is_a_file]),
            2,
            &["journal", "journal-file"],
        ),
        mk(
            "none of the IDs in the suite",
            vec![
                "run".into(),
                "open".into(),
                "--project-id".into(),
                "1".into(),
                "--case-ids".into(),
                "500,501".into(),
            ],
            3,
            &["C500"],
        ),
    ];
    check(&env, &cases);
    let wrong_key = env
        .cmd()
        .args(base(&["--project-id", "1"]))
        .env("TESTRAIL_API_KEY", "wrong-key")
        .output()
        .unwrap();
    assert_exit(&wrong_key, 3);
    assert_eq!(env.write_requests(), 0, "refused before the first write");
}

/// A mangled report never panics the binary: every byte-level mutation of a valid report
/// either still reads (exit 0) or is refused as bad input (exit 2).
#[test]
fn mutated_reports_never_panic() {
    let env = Env::start(fixture_with_cases(1..=30));
    let valid = junit_for(1..=30).into_bytes();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut refused = 0;
    for i in 0..24 {
        let mut bytes = valid.clone();
        for _ in 0..(1 + i % 4) {
            let at = (next() as usize) % bytes.len();
            match next() % 3 {
                0 => bytes[at] = next() as u8,
                1 => bytes.truncate(at),
                _ => bytes.insert(at, b"<&\"\x00\xff>]"[(next() % 7) as usize]),
            }
        }
        let path = env.write_file(&format!("m{i}.xml"), &bytes);
        let out = env.run(&[
            "report",
            &path.display().to_string(),
            "--project-id",
            "1",
            "--rate-limit",
            "0",
            "--no-journal",
        ]);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(2),
            "mutation {i}: exit {code:?}\n{}",
            stderr(&out)
        );
        if code == Some(2) {
            refused += 1;
            assert!(
                stderr(&out).contains(&format!("m{i}.xml")),
                "{}",
                stderr(&out)
            );
        }
    }
    assert!(refused > 0);
}

/// One test with a 20 MB failure trace and 20 MB of output: synced with a comment trimmed to
/// the configured size, not held whole in memory and not sent whole.
#[test]
fn a_huge_test_is_trimmed_not_sent_whole() {
    let env = Env::start(fixture_with_cases(1..=2));
    let big = "x".repeat(20 * 1024 * 1024);
    let xml = format!(
        "<testsuite><testcase name=\"C1 huge\"><failure message=\"m\">{big}</failure>\
         <system-out>{big}</system-out></testcase><testcase name=\"C2 small\"/></testsuite>"
    );
    drop(big);
    let path = env.write_file("huge.xml", xml.as_bytes());
    drop(xml);
    let out = env.run(&[
        "report",
        &path.display().to_string(),
        "--project-id",
        "1",
        "--rate-limit",
        "0",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    let results = env.block(env.client().get_results_for_run(run_id)).unwrap();
    assert_eq!(results.len(), 2);
    let longest = results
        .iter()
        .map(|r| r.comment.as_deref().unwrap_or("").len())
        .max()
        .unwrap();
    assert!(longest <= 13_000, "comment of {longest} bytes");
    assert_eq!(results_per_case(&env, run_id).len(), 2);
}
