//! Reports written by real frameworks (kept in testrail-reports' corpus with their sources and
//! gen.sh), synced by the real binary to the emulator on 127.0.0.1 and read back through the
//! API: each test names the defect of issue #18 it guards against and checks what was posted.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use testrail_api::models::TestResult;

/// A report of the reader corpus; missing is a failure, never a skip.
fn report(entry: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testrail-reports/tests/corpus")
        .join(entry);
    let file = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus entry {} is missing: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == "report"))
        .unwrap_or_else(|| panic!("no report.* in {}", dir.display()));
    file.display().to_string()
}

/// What a sync posted: the JSON summary, each case's results, and status names by ID.
struct Posted {
    summary: serde_json::Value,
    results: BTreeMap<u64, Vec<TestResult>>,
    status_names: BTreeMap<u64, String>,
}

impl Posted {
    fn status(&self, case: u64) -> &str {
        let result = self.only(case);
        &self.status_names[&result.status_id.expect("a status")]
    }

    fn only(&self, case: u64) -> &TestResult {
        let results = self
            .results
            .get(&case)
            .unwrap_or_else(|| panic!("C{case} got no result: {:?}", self.results.keys()));
        assert_eq!(results.len(), 1, "one result for C{case}");
        &results[0]
    }

    fn comment(&self, case: u64) -> &str {
        self.only(case).comment.as_deref().unwrap_or("")
    }

    /// The line right after the comment's heading ("Failed (0.01s)"): the message.
    fn headline(&self, case: u64) -> &str {
        self.comment(case).lines().nth(1).unwrap_or("")
    }

    fn unmapped(&self) -> Vec<String> {
        names(&self.summary["unmapped"])
    }
}

fn names(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Syncs one report into a project holding `cases` (plus a Skipped status) and reads it back.
fn sync(entry: &str, cases: impl IntoIterator<Item = u64>, extra: &[&str]) -> Posted {
    let env = Env::start(with_skipped_status(fixture_with_cases(cases)));
    let path = report(entry);
    let mut args = vec!["report", &path, "--project-id", "1", "--format", "json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_exit(&out, 0);
    let summary = json(&out);
    let run_id = summary["run_id"].as_u64().expect("a run");
    let client = env.client();
    let (results, statuses) = env.block(async {
        let tests = client.get_tests(run_id).await.unwrap();
        let case_of: BTreeMap<u64, u64> = tests.iter().map(|t| (t.id, t.case_id)).collect();
        let mut by_case: BTreeMap<u64, Vec<TestResult>> = BTreeMap::new();
        for r in client.get_results_for_run(run_id).await.unwrap() {
            by_case.entry(case_of[&r.test_id]).or_default().push(r);
        }
        (by_case, client.get_statuses().await.unwrap())
    });
    let status_names = statuses.into_iter().map(|s| (s.id, s.name)).collect();
    Posted {
        summary,
        results,
        status_names,
    }
}

/// The human summary of a dry run (nothing written) of the same report.
fn human_dry_run(entry: &str, cases: impl IntoIterator<Item = u64>) -> String {
    let env = Env::start(fixture_with_cases(cases));
    let out = env.run(&["report", &report(entry), "--project-id", "1", "--dry-run"]);
    assert_exit(&out, 0);
    stdout(&out)
}

/// The GitHub step summary a dry run of the report appends.
fn github_summary(entry: &str, cases: impl IntoIterator<Item = u64>) -> String {
    let env = Env::start(fixture_with_cases(cases));
    let file = env.dir.join("step-summary.md");
    let out = env
        .cmd()
        .args(["report", &report(entry), "--project-id", "1", "--dry-run"])
        .arg("--github-summary")
        .env("GITHUB_STEP_SUMMARY", &file)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    std::fs::read_to_string(&file).unwrap()
}

const NODE_TEST_CASES: [u64; 10] = [3, 4, 167, 168, 169, 170, 171, 172, 173, 174];

#[test]
fn node_test_id_in_a_parameter_value_posts_nothing_to_that_case() {
    let posted = sync("node-test-suite-ids-junit", NODE_TEST_CASES, &[]);
    // Defect 1: `C167 qty check sku=C3` failed and used to post Failed to C3 too.
    assert_eq!(posted.status(167), "failed");
    assert_eq!(
        posted.status(3),
        "passed",
        "C3 gets only the result of `C169 lookup by SKU C3 and C4`, which passed"
    );
    let multi = posted.summary["multi_id_tests"].as_array().unwrap();
    let listed: Vec<(&str, Vec<u64>)> = multi
        .iter()
        .map(|t| {
            let ids = t["case_ids"].as_array().unwrap();
            (
                t["name"].as_str().unwrap(),
                ids.iter().map(|i| i.as_u64().unwrap()).collect(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("test C169 lookup by SKU C3 and C4", vec![169, 3, 4]),
            ("test_C171_C172_both", vec![171, 172]),
        ]
    );
    assert_eq!(posted.summary["multi_id_count"], 2);
    let human = human_dry_run("node-test-suite-ids-junit", NODE_TEST_CASES);
    assert!(
        human.contains("2 tests map to several case IDs")
            && human.contains("test C169 lookup by SKU C3 and C4 → C169, C3, C4"),
        "{human}"
    );
    let markdown = github_summary("node-test-suite-ids-junit", NODE_TEST_CASES);
    assert!(
        markdown.contains("- `test C169 lookup by SKU C3 and C4`: C169, C3, C4"),
        "{markdown}"
    );
}

#[test]
fn node_test_junit_suite_id_applies_to_the_tests_inside_it() {
    let posted = sync("node-test-suite-ids-junit", NODE_TEST_CASES, &[]);
    // Defect 7: `<testsuite name="C168 cart totals">` around ID-less testcases.
    assert_eq!(posted.status(168), "failed", "worst of its three subtests");
    let c168 = posted.comment(168);
    assert!(c168.contains("3 executions"), "{c168}");
    assert!(c168.contains("discount should take 3 off"), "{c168}");
    assert_eq!(posted.status(170), "failed");
    assert!(posted.comment(170).contains("card declined by gateway"));
    for case in [171, 172, 173, 174] {
        assert_eq!(posted.status(case), "passed", "C{case}");
    }
    assert_eq!(
        posted.unmapped(),
        ["test no id at all"],
        "node:test's classname is `test`"
    );
}

#[test]
fn node_test_tap_parent_carries_its_failing_subtest() {
    let posted = sync("node-test-suite-ids-tap", NODE_TEST_CASES, &[]);
    // Defect 2: the parent point says only "1 subtest failed".
    assert_eq!(posted.status(168), "failed");
    assert_eq!(
        posted.headline(168),
        "applies discount: discount should take 3 off"
    );
    let c168 = posted.comment(168);
    assert!(c168.contains("total: 17"), "the diff: {c168}");
    assert!(
        !c168.contains("executions"),
        "the ID-less subtests are carried by the parent's point, not posted beside it: {c168}"
    );
    assert_eq!(posted.headline(170), "pays: card declined by gateway");
    assert_eq!(posted.status(3), "passed");
    assert_eq!(posted.unmapped(), ["no id at all"]);
}

#[test]
fn node_tap_assertions_are_not_tests_and_parents_say_what_failed() {
    let posted = sync("node-tap-21-nested", [242, 243, 244, 245, 246], &[]);
    // Defect 3: nine passing assertions of one ID-less test were nine unmapped tests.
    assert_eq!(posted.unmapped(), ["cart without case id"]);
    assert_eq!(posted.summary["unmapped_count"], 1);
    // Defects 2 and 8: `[C242] tax rounding` said only `at:`.
    assert_eq!(posted.status(242), "failed");
    assert_eq!(posted.headline(242), "tax should round to 0.3");
    let c242 = posted.comment(242);
    assert!(c242.contains("+  \"tax\": 0.3,"), "the diff: {c242}");
    assert!(!c242.lines().nth(1).unwrap().starts_with("at:"), "{c242}");
    assert_eq!(posted.headline(243), "inner group: sum should be 3");
    assert_eq!(posted.status(244), "custom_status1");
    assert_eq!(posted.status(245), "custom_status1");
    assert_eq!(posted.status(246), "passed");
}

#[test]
fn node_tap_junit_skip_and_todo_properties_are_not_passes() {
    let posted = sync("node-tap-21-junit", [242, 243, 244, 245, 246], &[]);
    // Defect 4: `<property name="skip|todo" value="reason"/>` was posted as Passed.
    assert_eq!(posted.status(244), "custom_status1");
    assert!(posted.comment(244).contains("coupon service not deployed"));
    assert_eq!(posted.status(245), "custom_status1");
    assert!(posted.comment(245).contains("waiting for API v2"));
    assert_eq!(posted.status(242), "failed");
    assert!(posted.comment(242).contains("tax should round to 0.3"));
}

#[test]
fn rebot_merge_fail_then_pass_is_flaky_and_its_html_is_text() {
    let posted = sync("robot-rebot-merge", 2901..=2905, &[]);
    // Defect 5: posted as a plain pass with `*HTML* <span class="merge">…` in the comment.
    assert_eq!(posted.summary["flaky"], 2);
    for case in [2902, 2904] {
        assert_eq!(posted.status(case), "passed", "C{case}");
        let comment = posted.comment(case);
        assert!(comment.starts_with("Flaky"), "{comment}");
        assert!(
            !comment.contains("*HTML*") && !comment.contains("<span"),
            "{comment}"
        );
    }
    assert!(posted.comment(2902).contains("search index not ready"));
    assert!(
        posted
            .comment(2904)
            .contains("wishlist <b>timeout</b> & retry")
    );
    assert_eq!(posted.status(2903), "failed");
    assert_eq!(posted.headline(2903), "total mismatch: 3 != 4");
    assert!(!posted.comment(2903).contains("&lt;"));
}

#[test]
fn jasmine_keeps_every_failed_expectation() {
    let posted = sync("jasmine-reporters-junit", 3801..=3804, &[]);
    // Defect 6: one <failure> per failed expectation, only the first was kept.
    let comment = posted.comment(3801);
    for expectation in [
        "Expected 2 to be 3.",
        "Expected 19.5 to be close to 20, 2.",
        "Expected 'EUR' to equal 'USD'.",
    ] {
        assert!(comment.contains(expectation), "{expectation}: {comment}");
    }
}

#[test]
fn jest_junit_describe_id_in_classname_applies_to_its_tests() {
    let posted = sync("jest-junit-describe-ids", 110..=112, &[]);
    // Defect 7: the ID in a templated classname (`C110 describe checkout`) was ignored.
    assert_eq!(posted.status(110), "failed");
    assert!(posted.comment(110).contains("pays by card"));
    assert_eq!(posted.status(111), "passed");
    assert_eq!(posted.status(112), "passed");
    assert_eq!(
        posted.unmapped(),
        ["Profile renames without an id"],
        "the file's testsuite (named after its first describe) hands nothing down"
    );
}

#[test]
fn ava_and_pytest_bdd_headlines_are_the_human_message() {
    // Defect 8: `name: AssertionError`, `fixturefunc = <function …>`, "Whenthe".
    let ava = sync("ava-tap", 3901..=3905, &[]);
    assert_eq!(ava.headline(3902), "price mismatch for qty=3");
    let bdd = sync("pytest-bdd-cucumber", 4001..=4003, &[]);
    assert_eq!(
        bdd.headline(4002),
        "AssertionError: cart should hold 0 items"
    );
    assert!(bdd.comment(4002).contains("Then the cart holds 0 items"));
    assert_eq!(bdd.headline(4003), "RuntimeError: payment gateway timeout");
    assert!(bdd.comment(4003).contains("When the user checks out"));
}

#[test]
fn playwright_json_is_read_without_a_format_flag_and_without_colour_codes() {
    let posted = sync("playwright-json", 5001..=5007, &[]);
    // Defect 10: refused before; defect 9: `\u001b[31m` in every message and snippet.
    assert_eq!(posted.summary["posted"], 7);
    for (case, status) in [
        (5001, "passed"),
        (5002, "failed"),
        (5003, "failed"),
        (5004, "passed"),
        (5005, "custom_status1"),
        (5006, "failed"),
        (5007, "failed"),
    ] {
        assert_eq!(posted.status(case), status, "C{case}");
    }
    assert_eq!(posted.summary["flaky"], 1);
    assert!(posted.comment(5004).contains("search index not ready"));
    assert_eq!(posted.headline(5002), "Error: price mismatch for qty=3");
    assert!(posted.comment(5003).contains("\"total\": 31"));
    assert!(posted.comment(5005).contains("coupon service not deployed"));
    assert!(posted.comment(5006).contains("upload refused: 413"));
    for (case, results) in &posted.results {
        let comment = results[0].comment.as_deref().unwrap_or("");
        assert!(!comment.contains('\u{1b}'), "C{case}: {comment:?}");
    }
    let named = sync(
        "playwright-json",
        5001..=5007,
        &["--input-format", "playwright"],
    );
    assert_eq!(named.summary["posted"], 7);
}

#[test]
fn behave_json_is_read_with_plain_string_tags() {
    let posted = sync("behave-json", 4101..=4106, &[]);
    // Defect 10: behave's `-f json` was refused.
    assert_eq!(posted.status(4101), "passed");
    assert_eq!(posted.status(4102), "failed", "tag testrail:C4102");
    assert_eq!(
        posted.headline(4102),
        "ASSERT FAILED: price mismatch: 30 != 31"
    );
    assert_eq!(posted.status(4103), "failed", "worst outline row");
    assert_eq!(posted.status(4104), "failed");
    assert!(posted.comment(4104).contains("When the user checks out"));
    assert_eq!(posted.status(4105), "custom_status1");
    assert_eq!(
        posted.status(4106),
        "failed",
        "an undefined step is an error"
    );
    assert!(posted.comment(4106).contains("undefined step"));
    let named = sync("behave-json", 4101..=4106, &["--input-format", "behave"]);
    assert_eq!(named.summary["posted"], 6);
}

#[test]
fn an_id_in_a_class_name_is_not_handed_down_and_the_unmapped_entry_says_why() {
    let posted = sync("pytest-class-id", [4201, 4202, 4203], &[]);
    // Defect 7's counterpart: a class `TestC4201Profile` is no describe block.
    assert!(!posted.results.contains_key(&4201), "C4201 got nothing");
    let unmapped = &posted.summary["unmapped_tests"][0];
    assert_eq!(
        unmapped["name"],
        "test_profile.TestC4201Profile test_delete"
    );
    let why = unmapped["why"].as_str().unwrap();
    assert!(
        why.starts_with("C4201 in 'test_profile.TestC4201Profile' is inside an identifier"),
        "{why}"
    );
    let human = human_dry_run("pytest-class-id", [4201, 4202, 4203]);
    assert!(human.contains("is inside an identifier"), "{human}");
}

#[test]
fn playwright_run_that_failed_to_load_is_an_error_not_an_empty_success() {
    // A spec file that throws while loading stops the run: `suites` is empty and the error is
    // only in the top-level `errors`, which used to read as a report with no tests at all.
    let env = Env::start(fixture_with_cases([5010]));
    let path = report("playwright-json-load-error");
    let out = env.run(&["report", &path, "--project-id", "1", "--format", "json"]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["executions"], 1);
    let unmapped = &summary["unmapped_tests"][0];
    assert_eq!(unmapped["outcome"], "error");
    assert!(
        unmapped["name"]
            .as_str()
            .unwrap()
            .ends_with("broken.spec.ts")
    );
    assert_eq!(env.write_requests(), 0, "nothing to post");
    let strict = env.run(&["report", &path, "--project-id", "1", "--fail-on-unmapped"]);
    assert_exit(&strict, 5);
}
