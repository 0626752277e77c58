//! The GitHub Action (`action.yml`) checked the only way short of GitHub itself: every step's
//! `run:` script is taken from the file, its `${{ … }}` expressions are filled in the way the
//! runner would, and it is run with bash (`-eo pipefail`, like GitHub) with the runner's
//! variables set, the step summary and outputs pointing at temp files, against the emulator.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_yaml_ng::Value;
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Step {
    name: String,
    id: Option<String>,
    /// `uses:` steps (actions/cache) are the runner's; the test does not run them.
    uses: Option<String>,
    env: BTreeMap<String, String>,
    run: String,
}

/// The composite action's steps, expressions not yet filled in (a step's outputs are known only
/// once it ran), and the values of `inputs.*` and `github.action_path`.
struct Action {
    steps: Vec<Step>,
    values: BTreeMap<String, String>,
}

fn action_steps(inputs: &BTreeMap<&str, String>) -> Action {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let action: Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in action["inputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        let default = spec["default"].as_str().unwrap_or_default().to_owned();
        let given = inputs.get(name).cloned();
        if spec["required"].as_bool() == Some(true) {
            assert!(given.is_some(), "required input {name} not given");
        }
        values.insert(format!("inputs.{name}"), given.unwrap_or(default));
    }
    for name in inputs.keys() {
        assert!(
            values.contains_key(&format!("inputs.{name}")),
            "the action has no input {name}"
        );
    }
    values.insert(
        "github.action_path".into(),
        repo_root().display().to_string(),
    );
    let steps = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|step| {
            let uses = step["uses"].as_str().map(str::to_owned);
            if let Some(uses) = &uses {
                assert!(
                    uses.starts_with("actions/cache@"),
                    "unexpected action {uses}"
                );
                assert_eq!(
                    step["if"].as_str(),
                    Some("steps.pick.outputs.mode == 'download'"),
                    "the cache is only for a downloaded release"
                );
            } else {
                assert_eq!(step["shell"].as_str(), Some("bash"), "every step runs bash");
                assert!(step.get("if").is_none(), "conditions belong in bash here");
            }
            let env = step
                .get("env")
                .and_then(Value::as_mapping)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().unwrap().to_owned(),
                                v.as_str().unwrap().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            Step {
                name: step["name"].as_str().unwrap().to_owned(),
                id: step["id"].as_str().map(str::to_owned),
                uses,
                env,
                run: step["run"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect();
    Action { steps, values }
}

/// `${{ name }}` → value, as the runner substitutes expressions before the shell sees them.
fn expand(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let name = rest[start + 3..end].trim();
        let value = match values.get(name) {
            Some(v) => v.as_str(),
            // A step output that was never set is empty on the runner too.
            None if name.starts_with("steps.") => "",
            None => panic!("expression `{name}` is not one the test can fill in"),
        };
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// What GitHub's runner gives every step, with files in this test's directory.
struct Runner {
    dir: PathBuf,
    summary: PathBuf,
    output: PathBuf,
    path_file: PathBuf,
}

impl Runner {
    fn new(env: &Env) -> Runner {
        Runner::in_dir(env.dir.clone())
    }

    /// A job's own workspace (jobs of a workflow each get a fresh runner).
    fn in_dir(dir: PathBuf) -> Runner {
        std::fs::create_dir_all(dir.join("runner_temp")).unwrap();
        let runner = Runner {
            summary: dir.join("step_summary.md"),
            output: dir.join("github_output"),
            path_file: dir.join("github_path"),
            dir,
        };
        for f in [&runner.summary, &runner.output, &runner.path_file] {
            std::fs::write(f, "").unwrap();
        }
        runner
    }

    /// `name=value` lines a step wrote to `$GITHUB_OUTPUT`, emptying it for the next step.
    fn take_outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(&self.output).unwrap_or_default();
        std::fs::write(&self.output, "").unwrap();
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect()
    }

    /// Runs the action's steps in order like the runner: expressions filled in as each step is
    /// reached, a step's `$GITHUB_OUTPUT` becoming `steps.ID.outputs.*`, `uses:` steps skipped
    /// (actions/cache: a cache miss, as in a repository's first job), stopping at a failed step.
    fn run_action(
        &self,
        action: &Action,
        extra_env: &BTreeMap<String, String>,
        ref_name: &str,
    ) -> Vec<(String, Output)> {
        let mut values = action.values.clone();
        let mut outputs = Vec::new();
        for step in &action.steps {
            if step.uses.is_some() {
                continue;
            }
            let env: BTreeMap<String, String> = step
                .env
                .iter()
                .map(|(k, v)| (k.clone(), expand(v, &values)))
                .chain(extra_env.clone())
                .collect();
            let out = self.run(&expand(&step.run, &values), &env, ref_name);
            let failed = !out.status.success();
            for (k, v) in self.take_outputs() {
                if let Some(id) = &step.id {
                    values.insert(format!("steps.{id}.outputs.{k}"), v);
                }
            }
            outputs.push((step.name.clone(), out));
            if failed {
                break;
            }
        }
        outputs
    }

    /// Runs one script the way a `shell: bash` step does, with the test binary on PATH.
    fn run(&self, script: &str, step_env: &BTreeMap<String, String>, ref_name: &str) -> Output {
        let script_path = self.dir.join("step.sh");
        std::fs::write(&script_path, script).unwrap();
        let bin_dir = Path::new(BIN).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_")
                || k.starts_with("TESTRAIL_")
                || k.starts_with("TR_CLI_")
                || [
                    "CI",
                    "GITLAB_CI",
                    "TF_BUILD",
                    "JENKINS_URL",
                    "BUILDKITE",
                    "CIRCLECI",
                    "BUILD_VERSION",
                ]
                .contains(&k.as_str())
            {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(&self.dir)
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .env("PATH", path)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &self.dir)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_PATH", &self.path_file)
            .env("RUNNER_TEMP", self.dir.join("runner_temp"))
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_NUMBER", "17")
            .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_REF", format!("refs/heads/{ref_name}"))
            .env("GITHUB_REF_NAME", ref_name)
            .env("NO_COLOR", "1")
            .envs(step_env);
        cmd.output().unwrap()
    }
}

#[test]
fn the_action_builds_nothing_when_installed_reports_summarises_and_annotates_failures() {
    let env = Env::start(with_skipped_status(fixture_with_cases(101..=120)));
    let reports = env.dir.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::copy(corpus("pytest/report.xml"), reports.join("unit.xml")).unwrap();
    let runner = Runner::new(&env);
    let inputs = BTreeMap::from([
        ("reports", "reports/*.xml\n".to_string()),
        ("host", env.url.clone()),
        ("user", DEMO_EMAIL.to_string()),
        ("api-key", DEMO_KEY.to_string()),
        ("project-id", "1".to_string()),
        ("run-name", "Shop {branch} #{build}".to_string()),
        ("close-on-branch", "main".to_string()),
        ("annotations", "true".to_string()),
    ]);
    let action = action_steps(&inputs);
    let outputs = runner.run_action(&action, &BTreeMap::new(), "main");
    assert_eq!(
        outputs.len(),
        3,
        "pick, install, report (the cache step is skipped)"
    );
    let (pick_name, pick) = &outputs[0];
    assert_exit(pick, 0);
    assert!(
        stdout(pick).contains("using "),
        "{pick_name}: an installed binary is used, nothing built or downloaded"
    );
    assert_exit(&outputs[1].1, 0);
    let report = &outputs[2].1;
    assert_exit(report, 0);
    let out = stdout(report);
    assert!(out.contains("Synced 12 results to run"), "{out}");
    assert!(out.contains("\"Shop main #17\""), "{out}");
    assert!(out.contains("run closed"), "{out}");

    // One error annotation per failed test, with its case IDs in the title.
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    for case in ["C102", "C103", "C111"] {
        assert!(
            annotations
                .iter()
                .any(|a| a.starts_with("::error title=Failed%3A ") && a.contains(case)),
            "annotation for {case} in\n{out}"
        );
    }
    assert!(
        annotations.iter().all(|a| !a[8..].contains('\n')),
        "one line each"
    );
    assert!(
        annotations
            .iter()
            .any(|a| a.contains("db fixture could not connect")),
        "the failure message is the annotation's text: {annotations:#?}"
    );

    let summary = std::fs::read_to_string(&runner.summary).unwrap();
    assert!(summary.contains("### TestRail"), "{summary}");
    assert!(summary.contains("runs/view/"), "{summary}");
    assert!(summary.contains("| 12 | 5 | 4 | 3 | 1 | 0 |"), "{summary}");

    let runs = env.block(env.client().get_runs(1, None)).unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].is_completed, "closed on main");
    assert!(
        runs[0]
            .description
            .as_deref()
            .unwrap_or_default()
            .contains("https://github.com/acme/shop/actions/runs/4242"),
        "{:?}",
        runs[0].description
    );
}

/// With `--format json` the annotations go to stderr, so stdout stays one JSON document
/// (the runner reads workflow commands from both streams).
#[test]
fn annotations_keep_json_stdout_clean() {
    let env = Env::start(with_skipped_status(fixture_with_cases(101..=120)));
    let out = env.run(&[
        "report",
        corpus("pytest/report.xml").to_str().unwrap(),
        "--project-id",
        "1",
        "--github-annotations",
        "--format",
        "json",
        "--rate-limit",
        "0",
    ]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["failed"], 4);
    let errors = stderr(&out);
    let annotations: Vec<&str> = errors
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert!(annotations.len() >= 4, "{errors}");
    assert!(annotations.iter().any(|a| a.contains("(C111)")), "{errors}");
}

/// A directory of stand-in tools first on PATH (each records its arguments), then the system's.
fn fake_tools(env: &Env, names: &[&str]) -> PathBuf {
    let fake = env.dir.join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    for name in names {
        let log = env.dir.join(format!("{name}-args"));
        let tool = fake.join(name);
        std::fs::write(
            &tool,
            format!("#!/bin/sh\necho \"$@\" > '{}'\n", log.display()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    fake
}

fn report_inputs(env: &Env) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("reports", "x.xml".to_string()),
        ("host", env.url.clone()),
        ("user", DEMO_EMAIL.to_string()),
        ("api-key", DEMO_KEY.to_string()),
    ])
}

/// With `build-from-source: true` the install step builds from the action's checkout with
/// `cargo install --locked --path …` and puts it on PATH for the next step. (A stand-in
/// `cargo` records the call: a real release build takes minutes.)
#[test]
fn build_from_source_installs_from_the_action_checkout_onto_github_path() {
    let env = Env::start(fixture_with_cases(1..=1));
    let runner = Runner::new(&env);
    let fake = fake_tools(&env, &["cargo"]);
    let mut inputs = report_inputs(&env);
    inputs.insert("build-from-source", "true".to_string());
    let action = action_steps(&inputs);
    let path = BTreeMap::from([(
        "PATH".to_string(),
        format!("{}:/usr/bin:/bin", fake.display()),
    )]);
    let outputs = runner.run_action(&action, &path, "main");
    assert_exit(&outputs[1].1, 0);
    let args = std::fs::read_to_string(env.dir.join("cargo-args")).unwrap();
    let checkout = repo_root().join("crates/testrail-sync-cli");
    assert!(args.starts_with("install --locked"), "{args}");
    assert!(
        args.contains(&format!("--path {}", checkout.display())),
        "{args}"
    );
    let path_file = std::fs::read_to_string(&runner.path_file).unwrap();
    assert_eq!(
        path_file.trim(),
        env.dir
            .join("runner_temp/testrail-sync/bin")
            .display()
            .to_string()
    );
}

/// This machine's release target, as install.sh names it.
fn host_target() -> String {
    let cpu = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" => format!("{cpu}-unknown-linux-gnu"),
        "macos" => format!("{cpu}-apple-darwin"),
        other => panic!("no release target for {other}"),
    }
}

/// A release laid out as GitHub serves it (`vVERSION/NAME.tar.gz` + `.sha256`) under `root`;
/// `tamper` flips a byte of the archive after hashing it. The "binary" is a stand-in script
/// that answers `--version`: packing the real debug build would take a minute.
fn publish_release(root: &Path, tamper: bool) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("testrail-sync-{version}-{}", host_target());
    let stage = root.join("stage").join(&name);
    std::fs::create_dir_all(&stage).unwrap();
    let bin = stage.join("testrail-sync");
    std::fs::write(
        &bin,
        format!("#!/bin/sh\necho 'testrail-sync {version} (stand-in)'\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let dir = root.join(format!("v{version}"));
    std::fs::create_dir_all(&dir).unwrap();
    let archive = dir.join(format!("{name}.tar.gz"));
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(root.join("stage"))
        .arg(&name)
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    let hash = String::from_utf8(sum.stdout).unwrap();
    let hash = hash.split_whitespace().next().unwrap();
    std::fs::write(
        dir.join(format!("{name}.tar.gz.sha256")),
        format!("{hash}  {name}.tar.gz\n"),
    )
    .unwrap();
    if tamper {
        let mut bytes = std::fs::read(&archive).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&archive, bytes).unwrap();
    }
    format!("file://{}", root.display())
}

/// With no testrail-sync and no cargo on PATH, the action installs the release of its own
/// version with install.sh from `download-url` (here a file:// mirror), verifies it, puts it on
/// PATH, and a second job with the binary restored from the cache downloads nothing.
#[cfg(target_os = "linux")]
#[test]
fn the_action_installs_its_own_release_from_download_url_and_reuses_the_cached_binary() {
    let env = Env::start(fixture_with_cases(1..=1));
    let runner = Runner::new(&env);
    let mut inputs = report_inputs(&env);
    inputs.insert(
        "download-url",
        publish_release(&env.dir.join("mirror"), false),
    );
    let action = action_steps(&inputs);
    let no_cargo = BTreeMap::from([
        ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        (
            "RUNNER_TOOL_CACHE".to_string(),
            env.dir.join("tool-cache").display().to_string(),
        ),
        ("RUNNER_OS".to_string(), "Linux".to_string()),
        ("RUNNER_ARCH".to_string(), "X64".to_string()),
    ]);
    let outputs = runner.run_action(&action, &no_cargo, "main");
    let (name, install) = &outputs[1];
    assert_exit(install, 0);
    let dir = env.dir.join(format!(
        "tool-cache/testrail-sync/{}/Linux-X64",
        env!("CARGO_PKG_VERSION")
    ));
    assert!(
        stderr(install).contains("installed testrail-sync"),
        "{name}: {}",
        stderr(install)
    );
    assert_eq!(
        std::fs::read_to_string(&runner.path_file).unwrap().trim(),
        dir.display().to_string()
    );
    assert!(dir.join("testrail-sync").is_file());

    // The next job: the cache restored the binary; the mirror is gone and nothing is fetched.
    std::fs::remove_dir_all(env.dir.join("mirror")).unwrap();
    std::fs::write(&runner.path_file, "").unwrap();
    let again = runner.run_action(&action, &no_cargo, "main");
    assert_exit(&again[1].1, 0);
    assert!(
        stdout(&again[1].1).contains("using the cached"),
        "{}",
        stdout(&again[1].1)
    );
    assert_eq!(
        std::fs::read_to_string(&runner.path_file).unwrap().trim(),
        dir.display().to_string()
    );
}

/// A mirror serving an archive that does not match its checksum (tampered or corrupt): the
/// install step fails with the mismatch, installs nothing and the report step never runs.
#[cfg(target_os = "linux")]
#[test]
fn the_action_refuses_a_tampered_release_and_stops_before_reporting() {
    let env = Env::start(fixture_with_cases(1..=1));
    let runner = Runner::new(&env);
    let mut inputs = report_inputs(&env);
    inputs.insert(
        "download-url",
        publish_release(&env.dir.join("mirror"), true),
    );
    let action = action_steps(&inputs);
    let no_cargo = BTreeMap::from([
        ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        (
            "RUNNER_TOOL_CACHE".to_string(),
            env.dir.join("tool-cache").display().to_string(),
        ),
    ]);
    let outputs = runner.run_action(&action, &no_cargo, "main");
    assert_eq!(outputs.len(), 2, "stopped at the install step");
    let install = &outputs[1].1;
    assert_exit(install, 1);
    assert!(
        stderr(install).contains("checksum mismatch"),
        "{}",
        stderr(install)
    );
    assert_eq!(std::fs::read_to_string(&runner.path_file).unwrap(), "");
    let installed = walk_files(&env.dir.join("tool-cache"));
    assert!(installed.is_empty(), "nothing installed: {installed:?}");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk_files(&p) } else { vec![p] }
        })
        .collect()
}

#[test]
fn without_annotations_or_summary_inputs_it_writes_neither() {
    let env = Env::start(with_skipped_status(fixture_with_cases(101..=120)));
    let runner = Runner::new(&env);
    let inputs = BTreeMap::from([
        ("reports", corpus("pytest/report.xml").display().to_string()),
        ("host", env.url.clone()),
        ("user", DEMO_EMAIL.to_string()),
        ("api-key", DEMO_KEY.to_string()),
        ("project-id", "1".to_string()),
        ("summary", "false".to_string()),
        ("args", "--format json".to_string()),
    ]);
    let action = action_steps(&inputs);
    let outputs = runner.run_action(&action, &BTreeMap::new(), "feature/x");
    let report = &outputs.last().unwrap().1;
    assert_exit(report, 0);
    assert!(!stdout(report).contains("::error"));
    assert_eq!(json(report)["closed"], false);
    assert_eq!(std::fs::read_to_string(&runner.summary).unwrap(), "");
}

/// One project (1) whose suite 2 holds C1..C8, as the sharded recipe's IDs say.
fn recipe_fixture() -> testrail_emulator::Fixture {
    let mut f = fixture_with_cases(1..=8);
    f.projects[0].suite_mode = 3;
    f.suites[0].id = 2;
    f.sections[0].suite_id = 2;
    for c in &mut f.cases {
        c.suite_id = 2;
    }
    f
}

/// The JUnit report shard `n` of 4 would write: cases C(2n-1) and C(2n), the second failing.
fn shard_report(n: u64) -> String {
    let (a, b) = (2 * n - 1, 2 * n);
    format!(
        r#"<testsuites><testsuite name="shard {n}" tests="2">
<testcase classname="e2e.shard{n}" name="C{a} opens the shop" time="1.5"/>
<testcase classname="e2e.shard{n}" name="C{b} pays" time="2.5"><failure message="timeout on pay button"/></testcase>
</testsuite></testsuites>"#
    )
}

/// Runs `docs/ci/github-actions-sharded.yml` job by job like the runner: `run:` steps that call
/// testrail-sync and the action's steps are executed; checkout, installs and the test commands
/// themselves are not (the binary is on PATH, each shard's report is written for it).
#[test]
fn the_sharded_recipe_opens_one_run_fills_it_from_four_shards_and_closes_it() {
    let env = Env::start(recipe_fixture());
    let text = std::fs::read_to_string(repo_root().join("docs/ci/github-actions-sharded.yml"))
        .unwrap()
        .replace("https://acme.testrail.io", &env.url)
        .replace("ci-bot@acme.com", DEMO_EMAIL);
    let workflow: Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut values: BTreeMap<String, String> = BTreeMap::from([
        ("secrets.TESTRAIL_API_KEY".into(), DEMO_KEY.into()),
        ("github.ref_name".into(), "main".into()),
        ("github.run_number".into(), "17".into()),
        ("github.run_id".into(), "4242".into()),
        ("github.run_attempt".into(), "1".into()),
    ]);
    let workflow_env = string_map(&workflow["env"], &values);
    let mut summaries = Vec::new();
    for (job_name, job) in workflow["jobs"].as_mapping().unwrap() {
        let job_name = job_name.as_str().unwrap();
        let shards: Vec<Option<u64>> = match job["strategy"]["matrix"]["shard"].as_sequence() {
            Some(list) => list.iter().map(|v| v.as_u64()).collect(),
            None => vec![None],
        };
        for shard in shards {
            let dir = env.dir.join(format!("{job_name}-{}", shard.unwrap_or(0)));
            let runner = Runner::in_dir(dir.clone());
            // The repository's config in the job's checkout: the emulator needs no pacing.
            std::fs::write(dir.join("testrail-sync.toml"), "rate_limit = 0\n").unwrap();
            if let Some(n) = shard {
                values.insert("matrix.shard".into(), n.to_string());
                std::fs::create_dir_all(dir.join("reports")).unwrap();
                std::fs::write(dir.join(format!("reports/junit-{n}.xml")), shard_report(n))
                    .unwrap();
            }
            for step in job["steps"].as_sequence().unwrap() {
                let step_env: BTreeMap<String, String> = workflow_env
                    .clone()
                    .into_iter()
                    .chain(string_map(&step["env"], &values))
                    .collect();
                if let Some(action) = step["uses"].as_str() {
                    if !action.starts_with("testrail-sync/testrail-sync") {
                        continue; // actions/checkout
                    }
                    let with = string_map(&step["with"], &values);
                    let inputs: BTreeMap<&str, String> =
                        with.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                    for (_, out) in runner.run_action(&action_steps(&inputs), &step_env, "main") {
                        assert_exit(&out, 0);
                    }
                    continue;
                }
                let script = expand(step["run"].as_str().unwrap(), &values);
                if !script.trim_start().starts_with("testrail-sync ") {
                    continue; // installing, the tests themselves
                }
                let out = runner.run(&script, &step_env, "main");
                assert_exit(&out, 0);
                if let Some(id) = step["id"].as_str() {
                    for (k, v) in runner.take_outputs() {
                        values.insert(format!("steps.{id}.outputs.{k}"), v);
                    }
                }
            }
            for (name, value) in string_map(&job["outputs"], &values) {
                values.insert(format!("needs.{job_name}.outputs.{name}"), value);
            }
            summaries.push(std::fs::read_to_string(&runner.summary).unwrap());
        }
    }

    let run_id: u64 = values["needs.testrail-open.outputs.run_id"]
        .parse()
        .unwrap();
    let client = env.client();
    let runs = env.block(client.get_runs(1, None)).unwrap();
    assert_eq!(runs.len(), 1, "one run for all shards");
    assert_eq!(runs[0].id, run_id);
    assert_eq!(runs[0].name, "Shop main #17");
    assert!(runs[0].is_completed, "closed by the last job");
    let mut cases: Vec<u64> = env
        .block(client.get_tests(run_id))
        .unwrap()
        .iter()
        .map(|t| t.case_id)
        .collect();
    cases.sort();
    assert_eq!(cases, (1..=8).collect::<Vec<_>>());
    let results = env.block(client.get_results_for_run(run_id)).unwrap();
    assert_eq!(
        results.len(),
        8,
        "one result per case, none lost or doubled"
    );
    let shard_summaries: Vec<&String> = summaries.iter().filter(|s| !s.is_empty()).collect();
    assert_eq!(shard_summaries.len(), 4);
    for s in shard_summaries {
        assert!(s.contains(&format!("runs/view/{run_id}")), "{s}");
    }
}

/// A YAML mapping of strings (an `env:`, `with:` or `outputs:` block), expressions filled in.
fn string_map(v: &Value, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    v.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        other => panic!("unexpected value {other:?}"),
                    };
                    (k.as_str().unwrap().to_owned(), expand(&text, values))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every YAML recipe in docs/ci (files and ```yaml blocks) parses, and no `testrail-sync`
/// command in them lost its tail to a YAML comment (` #` in a plain scalar).
#[test]
fn every_yaml_recipe_in_the_docs_parses_and_keeps_its_commands_whole() {
    let dir = repo_root().join("docs/ci");
    let mut documents: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match path.extension().and_then(|e| e.to_str()) {
            Some("yml") => documents.push((name, text)),
            Some("md") => {
                for (i, block) in text.split("```yaml\n").skip(1).enumerate() {
                    let block = block.split("```").next().unwrap();
                    documents.push((format!("{name} block {}", i + 1), block.to_owned()));
                }
            }
            _ => {}
        }
    }
    assert!(documents.len() >= 8, "{}", documents.len());
    for (name, text) in documents {
        let value: Value = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"));
        let mut commands = Vec::new();
        collect_strings(&value, &mut commands);
        for line in text.lines() {
            let Some(at) = line.find("testrail-sync ") else {
                continue;
            };
            let command = line[at..].trim_end();
            assert!(
                commands.iter().any(|c| c.contains(command)),
                "{name}: `{command}` does not survive YAML parsing whole"
            );
        }
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Sequence(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Mapping(m) => m.values().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}
