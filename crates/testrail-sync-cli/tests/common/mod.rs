//! Test harness: an emulator on 127.0.0.1 in this process, the real binary in a child process,
//! and a client to read back what it wrote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testrail_api::models::{Case, Project, Section, Status, Suite};
use testrail_api::{ApiKey, Client, ClientConfig};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Emulator, EmulatorConfig, Faults, Fixture};

pub const BIN: &str = env!("CARGO_BIN_EXE_testrail-sync");

/// Environment variables of CI systems that would change run names and descriptions.
const CI_VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "TF_BUILD",
    "CIRCLECI",
    "BUILDKITE",
    "JENKINS_URL",
    "JENKINS_HOME",
    "BUILD_VERSION",
    "TESTRAIL_PROJECT_ID",
    "TESTRAIL_SUITE_ID",
    "RUST_LOG",
    "GITHUB_STEP_SUMMARY",
    // CI workspaces widen where attachments may come from.
    "GITHUB_WORKSPACE",
    "CI_PROJECT_DIR",
    "WORKSPACE",
];

pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub emulator: Option<Emulator>,
    pub url: String,
    pub dir: PathBuf,
}

impl Env {
    pub fn start(fixture: Fixture) -> Env {
        Env::with_config(EmulatorConfig {
            fixture: Some(fixture),
            ..EmulatorConfig::default()
        })
    }

    pub fn with_config(config: EmulatorConfig) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = rt.block_on(testrail_emulator::start(config)).unwrap();
        let url = emulator.url();
        let dir = std::env::temp_dir().join(format!(
            "trs-cli-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Env {
            rt,
            emulator: Some(emulator),
            url,
            dir,
        }
    }

    pub fn emulator(&self) -> &Emulator {
        self.emulator.as_ref().unwrap()
    }

    /// The binary with credentials for the emulator, run in this test's own directory.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(BIN);
        for var in CI_VARS {
            cmd.env_remove(var);
        }
        cmd.current_dir(&self.dir)
            .env("TESTRAIL_HOST", &self.url)
            .env("TESTRAIL_USER", DEMO_EMAIL)
            .env("TESTRAIL_API_KEY", DEMO_KEY)
            .env("NO_COLOR", "1");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(ClientConfig {
            rate_limit_per_minute: None,
            ..ClientConfig::new(self.url.clone(), DEMO_EMAIL, ApiKey::new(DEMO_KEY))
        })
        .unwrap()
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Write requests the emulator received (every non-`get_` endpoint), whether it applied
    /// them or refused them: "nothing written" must mean no write was even attempted, which
    /// counting only applied writes cannot show.
    pub fn write_requests(&self) -> u64 {
        self.emulator()
            .stats()
            .endpoints
            .iter()
            .filter(|(endpoint, _)| !endpoint.starts_with("get_"))
            .map(|(_, count)| count)
            .sum()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.emulator().set_faults(faults);
    }

    pub fn write_file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(e) = self.emulator.take() {
            self.rt.block_on(e.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One single-suite project (ID 1, suite 1, section 1) holding exactly these case IDs.
pub fn fixture_with_cases(ids: impl IntoIterator<Item = u64>) -> Fixture {
    Fixture {
        projects: vec![Project {
            id: 1,
            name: "Shop".into(),
            suite_mode: 1,
            ..Default::default()
        }],
        suites: vec![Suite {
            id: 1,
            name: "Master".into(),
            project_id: 1,
            is_master: true,
            ..Default::default()
        }],
        sections: vec![Section {
            id: 1,
            suite_id: 1,
            name: "Tests".into(),
            ..Default::default()
        }],
        cases: ids
            .into_iter()
            .map(|id| Case {
                id,
                title: format!("Case {id}"),
                section_id: 1,
                suite_id: 1,
                template_id: 1,
                type_id: 1,
                priority_id: 2,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

pub fn with_skipped_status(mut fixture: Fixture) -> Fixture {
    fixture.statuses.push(Status {
        id: 6,
        name: "custom_status1".into(),
        label: "Skipped".into(),
        ..Default::default()
    });
    fixture
}

/// A file of the project's one corpus (`crates/testrail-reports/tests/corpus/`); a missing or
/// empty file fails the test here rather than as a confusing CLI error later.
pub fn corpus(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testrail-reports/tests/corpus")
        .join(name);
    let len = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("corpus file {} is missing: {e}", path.display()))
        .len();
    assert!(len > 0, "corpus file {} is empty", path.display());
    path
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(o),
            stderr(o)
        )
    })
}

#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code\nstdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}
