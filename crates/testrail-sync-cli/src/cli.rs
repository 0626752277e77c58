//! The command-line surface (clap derive). Values here are raw; `config.rs` layers them over
//! the config file and environment and validates them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "testrail-sync",
    version = env!("TESTRAIL_SYNC_VERSION"),
    about = "Put CI test results into TestRail: every report format, exactly once, at the API's speed limit",
    long_about = None,
    propagate_version = false,
    after_help = "Start with `testrail-sync demo` (no TestRail account needed).\n\
                  Docs: README.md; exit codes: 0 synced, 2 bad input/config (nothing sent), \
                  3 TestRail refused, 4 gave up after retries (rerun resumes), 5 unmapped tests with --fail-on-unmapped."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Config file (default: ./testrail-sync.toml if present)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); never shows the API key
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// How to reach TestRail. Flags win over the environment, which wins over the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct Connection {
    /// TestRail address, e.g. https://acme.testrail.io
    #[arg(long, env = "TESTRAIL_HOST", value_name = "URL")]
    pub host: Option<String>,
    /// TestRail user (email)
    #[arg(long, env = "TESTRAIL_USER", value_name = "EMAIL")]
    pub user: Option<String>,
    /// Read the API key from this file (else TESTRAIL_API_KEY, else the config file)
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Read the API key from standard input
    #[arg(long)]
    pub api_key_stdin: bool,
    /// Requests per minute to stay under (TestRail Cloud: 180); 0 turns pacing off for self-hosted servers
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// The window --rate-limit counts in, in seconds (TestRail: 60). For tests that shorten the
    /// clock on both sides.
    #[arg(long, value_name = "SECS", hide = true)]
    pub rate_window: Option<f64>,
    /// Seconds before one request times out
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Allow plain http:// to a non-loopback host (sends the API key unencrypted)
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Trust this CA (PEM) in addition to the system's, for a company CA (also: SSL_CERT_FILE, SSL_CERT_DIR)
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Do not check TestRail's certificate (trcli's name); warns on every run. Not for production
    #[arg(long)]
    pub insecure: bool,
    /// Client certificate (PEM) for servers that require mTLS
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of --client-cert, when not in the same file
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Proxy for TestRail, e.g. http://user:pass@proxy:3128 (default: HTTPS_PROXY / ALL_PROXY; used even for loopback hosts)
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts that bypass the proxy, comma-separated, `*` for all (default: NO_PROXY)
    #[arg(long, value_name = "HOSTS")]
    pub noproxy: Option<String>,
}

/// Which project and suite (flags and the environment win over the config file).
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Project ID
    #[arg(
        long,
        env = "TESTRAIL_PROJECT_ID",
        value_name = "N",
        conflicts_with = "project"
    )]
    pub project_id: Option<u64>,
    /// Project name
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Suite ID; optional for single-suite projects
    #[arg(
        long,
        env = "TESTRAIL_SUITE_ID",
        value_name = "N",
        conflicts_with = "suite"
    )]
    pub suite_id: Option<u64>,
    /// Suite name
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read test reports and put their results into a TestRail run
    Report(Box<ReportArgs>),
    /// Serve a TestRail API emulator (in memory, or SQLite with --db)
    Emulator(EmulatorArgs),
    /// Start the emulator in-process, sync a bundled report into it and show where to look
    Demo(DemoArgs),
    /// List the instance's result statuses (to fill in [statuses] in the config)
    Statuses(LookupArgs),
    /// List a project's custom result fields (or case fields with --cases): type, required, values
    Fields(FieldsArgs),
    /// List projects you can see
    Projects(LookupArgs),
    /// List the suites of a project
    Suites(ProjectLookupArgs),
    /// List the open runs of a project
    Runs(ProjectLookupArgs),
    /// Sharded CI: open one run, `report --run-id` into it from N jobs, close it once
    #[command(subcommand)]
    Run(RunCommand),
    /// Which tests map to cases; create the missing cases (opt-in)
    #[command(subcommand)]
    Cases(Box<CasesCommand>),
    /// List the test plans of a project
    Plans(ProjectLookupArgs),
    /// List the milestones of a project
    Milestones(ProjectLookupArgs),
    /// List users (those of a project with --project-id)
    Users(ProjectLookupArgs),
    /// Check the set-up (DNS, proxy, TLS, credentials, project, statuses, fields) without writing anything
    Doctor(DoctorArgs),
    /// Write a commented testrail-sync.toml (asks, or takes flags with --yes)
    Init(InitArgs),
    /// Print the man page (roff): testrail-sync man > testrail-sync.1; `man report` for one command
    Man {
        /// A subcommand, e.g. report (its page is testrail-sync-report.1)
        command: Option<String>,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Junit,
    Robot,
    Cucumber,
    Tap,
    Ctrf,
    /// behave's `-f json`
    Behave,
    /// Playwright's `--reporter=json`
    Playwright,
}

/// trcli's `--case-matcher` values, with trcli's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CaseMatcher {
    Auto,
    Name,
    Property,
}

impl CaseMatcher {
    pub fn parse(text: &str) -> Option<CaseMatcher> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(CaseMatcher::Auto),
            "name" => Some(CaseMatcher::Name),
            "property" => Some(CaseMatcher::Property),
            _ => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report files or glob patterns (quoted globs are expanded here, e.g. 'reports/**/*.xml')
    #[arg(required = true, value_name = "FILES|GLOBS")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub connection: Connection,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Report into this existing open run (missing cases are added to it)
    #[arg(long, value_name = "N", conflicts_with = "run_key")]
    pub run_id: Option<u64>,
    /// Find or create the open run carrying this key (for shards and reruns)
    #[arg(long, value_name = "KEY")]
    pub run_key: Option<String>,
    /// Report into a run of this test plan (its entry for the suite is reused or added)
    #[arg(long, value_name = "N", conflicts_with_all = ["run_id", "run_key", "plan_name"])]
    pub plan_id: Option<u64>,
    /// Report into the open test plan with this name (created if there is none)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["run_id", "run_key"])]
    pub plan_name: Option<String>,
    /// With a plan: the configuration combination of this run, e.g. 3,7 (Chrome + Linux)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub config_ids: Vec<u64>,
    /// Name of a new run; placeholders {project} {suite} {branch} {build} {commit} {date} {time} {provider}
    #[arg(long, value_name = "TEMPLATE")]
    pub run_name: Option<String>,
    #[arg(long, value_name = "N")]
    pub milestone_id: Option<u64>,
    /// Assign failed results to this TestRail user
    #[arg(long, value_name = "EMAIL")]
    pub assign_failures_to: Option<String>,
    /// Version of the build under test (default: the CI commit)
    #[arg(long = "version", value_name = "VERSION", env = "BUILD_VERSION")]
    pub build_version: Option<String>,
    /// Report property whose values become the result's defects
    #[arg(long, value_name = "PROPERTY")]
    pub defects_from: Option<String>,
    #[command(flatten)]
    pub mapping: CaseMapping,
    /// Extra result field for every result, e.g. custom_environment=production; dropdowns take a label or ID (repeatable; `testrail-sync fields` lists them)
    #[arg(long, value_name = "KEY=VALUE")]
    pub result_field: Vec<String>,
    /// Take a result field per test from a report property, e.g. custom_browser=browser (repeatable)
    #[arg(long, value_name = "FIELD=PROPERTY")]
    pub result_field_from_property: Vec<String>,
    /// Do not upload files the reports link to tests (screenshots, logs)
    #[arg(long)]
    pub no_attachments: bool,
    /// Skip attachments larger than this many megabytes
    #[arg(long, value_name = "MB", default_value_t = 256)]
    pub max_attachment_mb: u64,
    /// Upload attachments only from under DIR (repeatable; default: the working directory and
    /// the CI workspace, e.g. GITHUB_WORKSPACE)
    #[arg(long, value_name = "DIR")]
    pub attachments_root: Vec<PathBuf>,
    /// Close the run after posting
    #[arg(long, conflicts_with = "close_on_branch")]
    pub close: bool,
    /// Close the run only when the CI branch is this one (repeatable)
    #[arg(long, value_name = "BRANCH")]
    pub close_on_branch: Vec<String>,
    /// Do every read, then print the writes it would make; writes nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Exit 5 when some tests carry no case ID
    #[arg(long)]
    pub fail_on_unmapped: bool,
    /// Results per add_results_for_cases call
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// Batches in flight at once
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Append a markdown summary to $GITHUB_STEP_SUMMARY
    #[arg(long)]
    pub github_summary: bool,
    /// Journal directory for resuming after a crash (default .testrail-sync)
    #[arg(long, value_name = "DIR", conflicts_with = "no_journal")]
    pub journal: Option<PathBuf>,
    /// Keep no journal
    #[arg(long)]
    pub no_journal: bool,
    /// Map tests without a case ID to the suite's case whose title is exactly the test's name
    #[arg(long)]
    pub match_by_title: bool,
    /// trcli's matchers: auto = by the case field automation_id (classname.name), name = C123 in
    /// test names, property = test_id property. Default: C123 in names and test_id-like properties
    #[arg(
        long,
        value_enum,
        value_name = "MATCHER",
        conflicts_with = "match_by_title"
    )]
    pub case_matcher: Option<CaseMatcher>,
    /// With --case-matcher auto: create a case (in a section per test suite, automation ID set)
    /// for every test no case has yet, and list the new IDs
    #[arg(long)]
    pub create_cases: bool,
    /// Field for every case --create-cases creates, e.g. custom_atmstatus=1 (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub case_field: Vec<String>,
    /// Directory of the local case index --case-matcher auto keeps (default: the journal directory, .testrail-sync)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Print a GitHub Actions error annotation (::error) for every failed test
    #[arg(long)]
    pub github_annotations: bool,
    /// Take settings from a trcli YAML config where they map (flags, env and testrail-sync.toml win)
    #[arg(long, value_name = "FILE")]
    pub trcli_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (0 picks a free one; the address is the first line printed)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind (loopback by default; another one is reachable from the network)
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Also answer requests addressed to this host name (repeatable; IP addresses and localhost always are)
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_hosts: Vec<String>,
    /// Persist to this SQLite file (survives restarts)
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Accepted credentials EMAIL:KEY (repeatable; default: one demo user, printed at start)
    #[arg(long = "user", value_name = "EMAIL:KEY")]
    pub users: Vec<String>,
    /// Custom result status NAME:LABEL (repeatable)
    #[arg(long = "status", value_name = "NAME:LABEL")]
    pub statuses: Vec<String>,
    /// Preload projects, suites, sections, cases, statuses, users and custom result/case fields from a JSON file
    #[arg(long, value_name = "FILE", conflicts_with = "demo_data")]
    pub fixture: Option<PathBuf>,
    /// Preload the demo project (what `testrail-sync demo` uses)
    #[arg(long)]
    pub demo_data: bool,
    /// Failed logins in a row that lock an account for 10 minutes, as TestRail does (0 = off, for load tests)
    #[arg(long, value_name = "N", default_value_t = testrail_emulator::DEFAULT_LOCKOUT_AFTER)]
    pub lockout_after: u32,
    #[command(flatten)]
    pub faults: FaultArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct FaultArgs {
    /// Delay every request by this many milliseconds
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered with a 5xx (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Share of writes applied and then answered by a dropped connection (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub drop_after_commit_rate: f64,
    /// Share of writes applied and then answered 500/502/503 anyway (0..1)
    #[arg(long, default_value_t = 0.0)]
    pub fail_after_commit_rate: f64,
    /// Requests per minute before 429 (0 = no limit), per user or per instance
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
    /// Who shares --rate-limit: each user, or the whole instance (as TestRail Cloud)
    #[arg(long, value_name = "user|instance", default_value = "user", value_parser = ["user", "instance"])]
    pub rate_limit_scope: String,
    /// Server work of every request in ms; a write commits at its end
    #[arg(long, default_value_t = 0)]
    pub server_ms: u64,
    /// Extra server work in ms per result a request writes
    #[arg(long, default_value_t = 0)]
    pub server_ms_per_result: u64,
    /// A gateway answers HTML 504 after this many ms; the work still commits (0 = no gateway)
    #[arg(long, default_value_t = 0)]
    pub gateway_timeout_ms: u64,
    /// Gateway's answer on timeout: 504 (nginx page), 500 (Cloud's `Request timed out`), 502, 503
    #[arg(long, default_value_t = 504)]
    pub gateway_timeout_status: u16,
    /// The gateway answers HTML 413 to bodies over this many bytes (0 = only the 64 MiB cap)
    #[arg(long, default_value_t = 0)]
    pub body_limit_bytes: u64,
    /// Answer 409 (maintenance, with Retry-After) for this many seconds after start
    #[arg(long, default_value_t = 0.0)]
    pub maintenance_secs: f64,
    /// Seed for the fault dice
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Port for the emulator (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Stop right after the sync instead of serving the web view until Ctrl-C
    #[arg(long)]
    pub exit: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct FieldsArgs {
    #[command(flatten)]
    pub lookup: ProjectLookupArgs,
    /// List case fields (what `cases create --case-field` fills) instead of result fields
    #[arg(long)]
    pub cases: bool,
}

#[derive(Debug, Args)]
pub struct ProjectLookupArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[arg(long, env = "TESTRAIL_PROJECT_ID", value_name = "N")]
    pub project_id: Option<u64>,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

// ---------------------------------------------------------------------------------------------
// `run open|close|show`
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Create a run and print its ID (also `run_id=N` into $GITHUB_OUTPUT when set)
    Open(Box<OpenArgs>),
    /// Close a run (no more results can be added)
    Close(RunIdArgs),
    /// Show a run's counters
    Show(RunIdArgs),
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Reports whose case IDs scope the run (else --case-ids, --include-all, or an empty run
    /// that each shard's `report --run-id` fills)
    #[arg(value_name = "FILES|GLOBS")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub connection: Connection,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Name; placeholders {project} {suite} {branch} {build} {commit} {date} {time} {provider}
    #[arg(long, value_name = "TEMPLATE")]
    pub run_name: Option<String>,
    /// Milestone the run belongs to
    #[arg(long, value_name = "N")]
    pub milestone_id: Option<u64>,
    /// Reuse the open run carrying this key instead of opening another (a retried `run open`
    /// job finds the run it opened the first time); the key is kept in the run's description
    #[arg(long, value_name = "KEY")]
    pub run_key: Option<String>,
    /// Cases the run starts with, e.g. 12,13,40 (instead of report files)
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        conflicts_with = "files"
    )]
    pub case_ids: Vec<u64>,
    /// Put every case of the suite into the run
    #[arg(long, conflicts_with_all = ["files", "case_ids"])]
    pub include_all: bool,
    #[command(flatten)]
    pub mapping: CaseMapping,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RunIdArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The run (as printed by `run open`)
    #[arg(long, value_name = "N")]
    pub run_id: u64,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

// ---------------------------------------------------------------------------------------------
// `cases check|create`
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Which tests map to cases of the suite, which carry no ID, which IDs the suite lacks
    Check(CheckArgs),
    /// Create sections and cases for tests without a case ID and print the mapping (nothing without --yes)
    Create(CreateArgs),
}

/// What both subcommands read: reports, the suite, and how IDs are found.
#[derive(Debug, Args)]
pub struct Common {
    /// Report files or glob patterns
    #[arg(required = true, value_name = "FILES|GLOBS")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub connection: Connection,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub mapping: CaseMapping,
    /// Count a test without an ID as mapped when a case of the suite has its name as title
    #[arg(long)]
    pub match_by_title: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Exit 5 when a test has no case ID or an ID the suite lacks (a gate for CI)
    #[arg(long)]
    pub fail_on_unmapped: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub common: Common,
    /// Section path for the new cases, nested with '/', e.g. "Automated/Checkout" (created if missing)
    #[arg(long, value_name = "PATH")]
    pub section: String,
    /// Case type by name, e.g. Automated (`get_case_types`)
    #[arg(long = "type", value_name = "NAME")]
    pub case_type: Option<String>,
    /// Priority by name, e.g. High (`get_priorities`)
    #[arg(long, value_name = "NAME")]
    pub priority: Option<String>,
    /// Field for every new case, e.g. custom_automation_type=1 (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub case_field: Vec<String>,
    /// Really create them; without it, print what would be created and create nothing
    #[arg(long, short = 'y')]
    pub yes: bool,
}

// ---------------------------------------------------------------------------------------------
// `init`
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Project ID to put in the file
    #[arg(long, env = "TESTRAIL_PROJECT_ID", value_name = "N")]
    pub project_id: Option<u64>,
    /// Suite ID to put in the file
    #[arg(long, env = "TESTRAIL_SUITE_ID", value_name = "N")]
    pub suite_id: Option<u64>,
    /// Ask nothing: write what the flags and environment give
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,
    /// Where to write (default: the global --config FILE, else ./testrail-sync.toml)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// How tests map to cases, for every command that reads reports (`report`, `run open`,
/// `cases`). New ways of finding a test's case belong here, so every reader gets them.
#[derive(Debug, Args)]
pub struct CaseMapping {
    /// Regex finding case IDs in test names, with one capture group for the digits (repeatable; replaces the defaults)
    #[arg(long, value_name = "REGEX")]
    pub case_pattern: Vec<String>,
    /// Report property holding case IDs (repeatable; replaces the defaults)
    #[arg(long, value_name = "NAME")]
    pub case_property: Vec<String>,
    /// Read every file as this format instead of sniffing it
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
}

/// `testrail-sync doctor`: only reads.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(flatten)]
    pub target: TargetArgs,
    /// The case matcher the syncs use (else `case_matcher` in the config); `auto` also checks
    /// the automation ID case field
    #[arg(long, value_enum, value_name = "MATCHER")]
    pub case_matcher: Option<CaseMatcher>,
    /// Extra result fields the syncs pass (KEY=VALUE, as for `report`): they count as provided
    #[arg(long, value_name = "KEY=VALUE")]
    pub result_field: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}
