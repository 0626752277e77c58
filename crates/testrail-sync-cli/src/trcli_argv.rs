//! trcli muscle memory: a trcli command line (`trcli -h HOST --project P -u U -k KEY
//! parse_junit -f r.xml --title T`) pasted into a CI step must never exit 0 doing nothing (our
//! `-h` is help). It is refused with exit 2 and the exact testrail-sync command that does the
//! same — printed without the key. Running the translation silently was rejected: a CI step
//! whose meaning changed under it should be edited once, by a person, not guessed at each run.

use std::ffi::OsString;

use crate::fail::Failure;

/// trcli's subcommands (1.15.3); the parse_* ones have a `report` equivalent.
const TRCLI_COMMANDS: &[&str] = &[
    "parse_junit",
    "parse_robot",
    "parse_cucumber",
    "parse_openapi",
    "add_run",
    "import_gherkin",
    "export_gherkin",
    "resultfields",
    "casefields",
    "labels",
    "references",
];

/// trcli options that take a value (global and parse_*).
const WITH_VALUE: &[&str] = &[
    "-h",
    "--host",
    "--project",
    "--project-id",
    "-u",
    "--username",
    "-k",
    "--key",
    "-p",
    "--password",
    "-c",
    "--config",
    "-b",
    "--batch-size",
    "-t",
    "--timeout",
    "--proxy",
    "--proxy-user",
    "--noproxy",
    "-f",
    "--file",
    "--title",
    "--run-id",
    "--plan-id",
    "--config-ids",
    "--milestone-id",
    "--suite-id",
    "--suite-name",
    "--run-description",
    "--case-matcher",
    "--result-fields",
    "--special-parser",
    "--section-id",
    "--case-fields",
    "-a",
    "--assign",
    "--test-run-ref",
    "--run-refs",
    "--run-case-ids",
];

/// `Some(failure)` when `args` (without the program name) is a trcli command line.
pub fn refuse(args: impl Iterator<Item = OsString>) -> Option<Failure> {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let command = trcli_command(&args)?;
    let (native, dropped) = if command == "report -f" {
        (our_report_without_dash_f(&args), Vec::new())
    } else {
        translate(&command, &args)
    };
    let mut message = format!(
        "this is a trcli command line ({command}); testrail-sync does not run it as is, so a \
         migrated CI step cannot pass while doing nothing.\n  The testrail-sync command for it:\n    {native}"
    );
    if !dropped.is_empty() {
        message.push_str(&format!("\n  Not carried over: {}", dropped.join("; ")));
    }
    message.push_str("\n  See docs/migrating-from-trcli.md");
    Some(Failure {
        code: testrail_sync::Exit::BadInput,
        message,
        kind: "trcli_command_line",
        hint: Some(format!("run: {native}")),
    })
}

/// The trcli subcommand, or `-h` with a value (trcli's host; ours takes none).
fn trcli_command(args: &[String]) -> Option<String> {
    let before_dashdash = args.iter().take_while(|a| *a != "--");
    if let Some(c) = before_dashdash
        .clone()
        .find(|a| TRCLI_COMMANDS.contains(&a.as_str()))
    {
        return Some(c.clone());
    }
    let host_given = args
        .windows(2)
        .any(|w| w[0] == "-h" && !w[1].starts_with('-') && looks_like_host(&w[1]));
    if host_given {
        return Some("-h HOST".to_owned());
    }
    // Our own `report` with trcli's `-f FILE` (clap would suggest `-- -f`, which is wrong).
    let mut ours = args.iter().take_while(|a| *a != "--");
    let is_report = args.first().is_some_and(|a| a == "report");
    (is_report && ours.any(|a| a == "-f" || a == "--file" || a.starts_with("--file=")))
        .then(|| "report -f".to_owned())
}

/// `report -f r.xml --title T …` → `report r.xml --run-name T …`: files are arguments here.
fn our_report_without_dash_f(args: &[String]) -> String {
    let mut out = vec!["testrail-sync".to_owned()];
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        match arg.as_str() {
            "-f" | "--file" => {}
            "--title" => out.push("--run-name".into()),
            // Never echo a key given trcli-style; it belongs in TESTRAIL_API_KEY.
            "-k" | "--key" | "-p" | "--password" => {
                out.insert(0, "TESTRAIL_API_KEY=<your API key>".into());
                i += 1;
            }
            other => match other.strip_prefix("--file=") {
                Some(file) => out.push(quote(file)),
                None => out.push(quote(other)),
            },
        }
        i += 1;
    }
    out.join(" ")
}

fn looks_like_host(value: &str) -> bool {
    value.contains("://") || value.contains('.') || value.contains(':')
}

/// The native command line and what has no equivalent.
fn translate(command: &str, args: &[String]) -> (String, Vec<String>) {
    let mut env = Vec::new();
    let mut files = Vec::new();
    let mut flags: Vec<String> = Vec::new();
    let mut dropped = Vec::new();
    let mut matcher: Option<String> = None;
    let mut create = false;
    let mut i = 0;
    match command {
        "parse_robot" => flags.push("--input-format robot".into()),
        "parse_cucumber" => flags.push("--input-format cucumber".into()),
        "parse_junit" | "-h HOST" => {}
        other => dropped.push(format!("`{other}` (no equivalent command; see the guide)")),
    }
    while i < args.len() {
        let arg = args[i].as_str();
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (arg, None),
        };
        let takes_value = WITH_VALUE.contains(&name) && inline.is_none();
        let value = inline.or_else(|| takes_value.then(|| args.get(i + 1).cloned()).flatten());
        i += if takes_value { 2 } else { 1 };
        let v = || quote(value.as_deref().unwrap_or(""));
        match name {
            "-h" | "--host" => flags.push(format!("--host {}", v())),
            "--project" => flags.push(format!("--project {}", v())),
            "--project-id" => flags.push(format!("--project-id {}", v())),
            "-u" | "--username" => flags.push(format!("--user {}", v())),
            // Never echoed: the key goes in the environment, from the CI's secret store.
            "-k" | "--key" => env.push("TESTRAIL_API_KEY=<your API key>".to_owned()),
            // TestRail takes a password where the key goes; an API key is better.
            "-p" | "--password" => env.push("TESTRAIL_API_KEY=<your API key>".to_owned()),
            "-c" | "--config" => flags.push(format!("--trcli-config {}", v())),
            "-b" | "--batch-size" => flags.push(format!("--batch-size {}", v())),
            "-t" | "--timeout" => flags.push(format!("--timeout {}", v())),
            "--insecure" => flags.push("--insecure".into()),
            "--proxy" => flags.push(format!("--proxy {}", v())),
            "--proxy-user" => {
                dropped.push("--proxy-user (put USER:PASSWORD@ in the --proxy URL instead)".into())
            }
            "--noproxy" => flags.push(format!("--noproxy {}", v())),
            "-f" | "--file" => files.push(v()),
            "--title" => flags.push(format!(
                "--run-name {}",
                quote(
                    &value
                        .unwrap_or_default()
                        .replace('{', "(")
                        .replace('}', ")")
                )
            )),
            "--run-id" => flags.push(format!("--run-id {}", v())),
            "--plan-id" => flags.push(format!("--plan-id {}", v())),
            "--config-ids" => flags.push(format!("--config-ids {}", v())),
            "--milestone-id" => flags.push(format!("--milestone-id {}", v())),
            "--suite-id" => flags.push(format!("--suite-id {}", v())),
            "--suite-name" => flags.push(format!("--suite {}", v())),
            "--close-run" => flags.push("--close".into()),
            "-a" | "--assign" => flags.push(format!("--assign-failures-to {}", v())),
            "--result-fields" => {
                let kv = value.unwrap_or_default().replacen(':', "=", 1);
                flags.push(format!("--result-field {}", quote(&kv)));
            }
            "--case-matcher" => matcher = value.clone(),
            "-y" | "--yes" => create = true,
            // Not creating cases is our default.
            "-n" | "--no" => {}
            "-v" | "--verbose" => flags.push("-v".into()),
            "-s" | "--silent" => flags.push("-q".into()),
            _ if TRCLI_COMMANDS.contains(&name) => {}
            other if other.starts_with('-') => dropped.push(format!("{other} (no equivalent)")),
            // A bare word after trcli's options: not something we can place.
            other => dropped.push(format!("`{}`", quote(other))),
        }
    }
    // trcli matches by automation ID unless told otherwise; -y then creates what is missing.
    let matcher = matcher.unwrap_or_else(|| "auto".into());
    flags.push(format!("--case-matcher {}", quote(&matcher)));
    match (create, matcher.as_str()) {
        (true, "auto") => flags.push("--create-cases".into()),
        (true, _) => dropped.push(
            "-y with a name/property matcher (missing cases: `testrail-sync cases create`)".into(),
        ),
        _ => {}
    }
    if files.is_empty() {
        files.push("REPORT.xml".into());
        dropped.push("no -f FILE: put the report path in place of REPORT.xml".into());
    }
    let mut line = env;
    line.push("testrail-sync report".into());
    line.extend(files);
    line.extend(flags);
    (line.join(" "), dropped)
}

/// Single-quotes a value for a POSIX shell when it needs it.
pub fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The resume command after a signal and the trcli translation both paste into a shell.
    #[test]
    fn quoted_values_survive_a_shell() {
        assert_eq!(quote("--run-key"), "--run-key");
        assert_eq!(quote("reports/*.xml"), "'reports/*.xml'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    fn refused(line: &str) -> Option<Failure> {
        refuse(line.split(' ').map(OsString::from))
    }

    #[test]
    fn a_trcli_line_is_refused_with_the_native_command_and_without_the_key() {
        let f = refused(
            "-y -h https://acme.testrail.io --project Shop -u ci@acme.io -k SECRETKEY123 \
             parse_junit -f reports/*.xml --title Nightly --close-run",
        )
        .unwrap();
        assert_eq!(f.code, 2);
        assert!(!f.message.contains("SECRETKEY123"), "{}", f.message);
        assert!(
            f.message.contains(
                "TESTRAIL_API_KEY=<your API key> testrail-sync report 'reports/*.xml' \
                 --host https://acme.testrail.io --project Shop --user ci@acme.io \
                 --run-name Nightly --close --case-matcher auto --create-cases"
            ),
            "{}",
            f.message
        );
        let named = refused("-h h.example parse_junit -f r.xml --case-matcher name -y").unwrap();
        assert!(
            named.message.contains("--case-matcher name"),
            "{}",
            named.message
        );
        assert!(
            named.message.contains("Not carried over: -y"),
            "{}",
            named.message
        );
    }

    #[test]
    fn our_report_with_trclis_dash_f_gets_the_files_as_arguments() {
        let f = refused("report -f r.xml --project-id 1 --title Nightly -k K3Y-VALUE").unwrap();
        assert!(
            f.message.contains(
                "TESTRAIL_API_KEY=<your API key> testrail-sync report r.xml --project-id 1 \
                 --run-name Nightly"
            ),
            "{}",
            f.message
        );
        assert!(!f.message.contains("K3Y-VALUE"));
    }

    #[test]
    fn robot_and_bare_host_lines_are_caught_and_ours_are_not() {
        let f = refused("parse_robot -f out.xml").unwrap();
        assert!(f.message.contains("--input-format robot"), "{}", f.message);
        assert!(refused("-h https://x.testrail.io projects").is_some());
        assert!(refused("-h").is_none());
        assert!(refused("report r.xml --project-id 1").is_none());
        assert!(refused("report -- parse_junit").is_none());
    }
}
