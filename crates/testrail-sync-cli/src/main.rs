//! testrail-sync (CLI): the thin binary — argument parsing, config layering, output, exit codes.
//!
//! Owns: clap definitions, `testrail-sync.toml`, logging setup, human/JSON/GitHub output and the
//! `demo`/`emulator`/look-up commands' glue.
//! Must not know: how reports are parsed, how a sync is planned or applied, or HTTP details.

mod annotations;
mod auto_cases;
mod cases;
mod cli;
mod config;
mod demo;
mod doctor;
mod emulator;
mod errors;
mod fail;
mod init;
mod inputs;
mod lookups;
mod network;
mod output;
mod report;
mod run;
mod signals;
mod trcli;
mod trcli_argv;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use testrail_sync::Exit;

use cli::{Cli, Command};
use fail::{Failure, bad_input};

fn main() -> ExitCode {
    // A trcli command line (`-h HOST … parse_junit -f r.xml`) must never pass doing nothing.
    if let Some(failure) = trcli_argv::refuse(std::env::args_os().skip(1)) {
        errors::print(&failure, false);
        return ExitCode::from(failure.code.code());
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
            return ExitCode::from(Exit::Internal.code());
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(failure) => {
            errors::print(&failure, json);
            ExitCode::from(failure.code.code())
        }
    }
}

async fn dispatch(cli: Cli) -> Result<Exit, Failure> {
    let quiet = cli.global.quiet;
    let config_path = cli.global.config.as_deref();
    match cli.command {
        Command::Report(args) => report::run(*args, settings(config_path)?, quiet).await,
        Command::Emulator(args) => emulator::run(args).await,
        Command::Demo(args) => demo::run(args, quiet).await,
        Command::Statuses(args) => lookups::statuses(args, settings(config_path)?).await,
        Command::Fields(args) => lookups::fields(args, settings(config_path)?).await,
        Command::Projects(args) => lookups::projects(args, settings(config_path)?).await,
        Command::Suites(args) => lookups::suites(args, settings(config_path)?).await,
        Command::Runs(args) => lookups::runs(args, settings(config_path)?).await,
        Command::Run(command) => run::run(command, settings(config_path)?, quiet).await,
        Command::Cases(command) => cases::run(*command, settings(config_path)?).await,
        Command::Plans(args) => lookups::plans(args, settings(config_path)?).await,
        Command::Milestones(args) => lookups::milestones(args, settings(config_path)?).await,
        Command::Users(args) => lookups::users(args, settings(config_path)?).await,
        Command::Doctor(args) => doctor::run(args, settings(config_path)?).await,
        Command::Init(args) => init::run(args, config_path).await,
        Command::Man { command } => man_page(command.as_deref()),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "testrail-sync",
                &mut std::io::stdout(),
            );
            Ok(Exit::Ok)
        }
    }
}

/// The settings every TestRail command starts from: the config file (`--config FILE`, else
/// `./testrail-sync.toml`), with what it leaves open filled from trcli's `TR_CLI_*` variables.
/// The environment and flags are layered over it by clap and each command's options.
fn settings(config_path: Option<&std::path::Path>) -> Result<config::Loaded, Failure> {
    let mut loaded = config::load_file(config_path)?;
    trcli::fill_from_env(&mut loaded.file);
    Ok(loaded)
}

/// The roff man page of the binary, or of one subcommand (named `testrail-sync-<command>`).
fn man_page(command: Option<&str>) -> Result<Exit, Failure> {
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
    Ok(Exit::Ok)
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
        .with_writer(|| errors::MaskedStderr)
        // Colour codes only for a person's terminal: CI logs and files got raw `\x1b[2m` noise.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
