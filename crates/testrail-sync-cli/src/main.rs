//! testrail-sync (CLI): the thin binary — argument parsing, config layering, output, exit codes.
//!
//! Owns: clap definitions, `testrail-sync.toml`, logging setup, human/JSON/GitHub output and the
//! `demo`/`emulator`/look-up commands' glue.
//! Must not know: how reports are parsed, how a sync is planned or applied, or HTTP details.

mod annotations;
mod cases;
mod cli;
mod config;
mod demo;
mod doctor;
mod emulator;
mod errors;
mod fail;
mod init;
mod lookups;
mod network;
mod output;
mod report;
mod run;
mod trcli;
mod trcli_argv;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use fail::{Failure, bad_input};

fn main() -> ExitCode {
    // A trcli command line (`-h HOST … parse_junit -f r.xml`) must never pass doing nothing.
    if let Some(failure) = trcli_argv::refuse(std::env::args_os().skip(1)) {
        errors::print(&failure, false);
        return ExitCode::from(failure.code);
    }
    errors::mask_panics();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return errors::usage_error(e),
    };
    let json = errors::wants_json(&cli.command);
    init_logging(cli.global.verbose, cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            errors::print(&failure, json);
            ExitCode::from(failure.code)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<u8, Failure> {
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Report(args) => {
            let loaded = config::load(cli.global.config.as_deref())?;
            report::run(*args, loaded, quiet).await
        }
        Command::Emulator(args) => emulator::run(args).await,
        Command::Demo(args) => demo::run(args, quiet).await,
        Command::Statuses(args) => lookups::statuses(args, cli.global.config.as_deref()).await,
        Command::Projects(args) => lookups::projects(args, cli.global.config.as_deref()).await,
        Command::Suites(args) => lookups::suites(args, cli.global.config.as_deref()).await,
        Command::Runs(args) => lookups::runs(args, cli.global.config.as_deref()).await,
        Command::Run(command) => run::run(command, cli.global.config.as_deref(), quiet).await,
        Command::Cases(command) => cases::run(command, cli.global.config.as_deref()).await,
        Command::Plans(args) => lookups::plans(args, cli.global.config.as_deref()).await,
        Command::Milestones(args) => lookups::milestones(args, cli.global.config.as_deref()).await,
        Command::Users(args) => lookups::users(args, cli.global.config.as_deref()).await,
        Command::Doctor(args) => {
            let loaded = config::load(cli.global.config.as_deref())?;
            doctor::run(args, loaded).await
        }
        Command::Init(args) => init::run(args, cli.global.config.as_deref()).await,
        Command::Man { command } => man_page(command.as_deref()),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "testrail-sync",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}

/// The roff man page of the binary, or of one subcommand (named `testrail-sync-<command>`).
fn man_page(command: Option<&str>) -> Result<u8, Failure> {
    let mut root = Cli::command();
    root.build();
    let page = match command {
        None => root,
        Some(name) => root.find_subcommand(name).cloned().ok_or_else(|| {
            bad_input(format!(
                "man: no command `{name}`; see testrail-sync --help"
            ))
        })?,
    };
    clap_mangen::Man::new(page)
        .render(&mut std::io::stdout())
        .map_err(|e| bad_input(format!("cannot write the man page: {e}")))?;
    Ok(0)
}

/// Logs go to stderr; `RUST_LOG` overrides the -v/-q level. Nothing logged carries the API key:
/// the client logs endpoints and statuses only, and the key type cannot be formatted.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "{level},hyper=warn,hyper_util=warn,reqwest=warn,rustls=warn,h2=warn"
        ))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
