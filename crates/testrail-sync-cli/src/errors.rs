//! How a failure reaches people and scripts: `error: …` on stderr always, and with
//! `--format json` an `{"error": {kind, message, hint, exit_code}}` object on stdout, so a CI
//! step parsing stdout never gets nothing. Also the last guard against a key in a message: every
//! key this process has seen is masked before anything is printed.

use std::sync::Mutex;

use testrail_api::{ApiKey, SecretForms};
use testrail_sync::Exit;

use crate::cli::{Command, OutputFormat};
use crate::fail::Failure;

/// Secrets seen by this process (every form of the API key, proxy passwords), masked in every
/// printed failure, summary and log line.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// [`SECRETS`] ready to mask with, rebuilt when one is added.
static MASK: Mutex<Option<SecretForms>> = Mutex::new(None);

/// Remembers a secret so no failure message can print it, whatever built the message.
pub fn register_secret(secret: &str) {
    register(std::iter::once(secret.trim().to_owned()));
}

/// Remembers every form of the credential the client builds (the key, `user:key`, its base64
/// and percent-encoded forms: see [`SecretForms`]), so a server or proxy echoing the
/// `Authorization` header cannot get any of them printed.
pub fn register_credential(user: &str, key: &ApiKey) {
    register(SecretForms::of(user, key).expose().iter().cloned());
}

fn register(secrets: impl Iterator<Item = String>) {
    let Ok(mut all) = SECRETS.lock() else {
        return;
    };
    for secret in secrets {
        // Very short values would mask ordinary words; keys are 20+ characters.
        if secret.len() >= 4 && !all.contains(&secret) {
            all.push(secret);
        }
    }
    if let Ok(mut mask) = MASK.lock() {
        *mask = Some(SecretForms::from_forms(all.iter().cloned()));
    }
}

/// `text` with every registered secret replaced by `***`.
pub fn mask(text: &str) -> String {
    match MASK.lock() {
        Ok(mask) => match mask.as_ref() {
            Some(forms) => forms.mask(text),
            None => text.to_owned(),
        },
        // A panic while holding the lock: print nothing rather than risk the key.
        Err(_) => "(message withheld: the secret mask is unavailable)".to_owned(),
    }
}

/// Log lines go through [`mask`] on their way to stderr: the formatter writes each event in
/// one call, so a secret is never split across two writes.
pub struct MaskedStderr;

impl std::io::Write for MaskedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(mask(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Whether the command asked for JSON output (then failures are JSON on stdout too).
pub fn wants_json(command: &Command) -> bool {
    use crate::cli::{CasesCommand, RunCommand};
    let format = match command {
        Command::Report(a) => a.format,
        Command::Statuses(a) | Command::Projects(a) => a.format,
        Command::Suites(a)
        | Command::Runs(a)
        | Command::Plans(a)
        | Command::Milestones(a)
        | Command::Users(a) => a.format,
        Command::Demo(a) => a.format,
        Command::Doctor(a) => a.format,
        Command::Run(RunCommand::Open(a)) => a.format,
        Command::Run(RunCommand::Close(a) | RunCommand::Show(a)) => a.format,
        Command::Cases(c) => match c.as_ref() {
            CasesCommand::Check(a) => a.common.format,
            CasesCommand::Create(a) => a.common.format,
        },
        _ => OutputFormat::Human,
    };
    format == OutputFormat::Json
}

/// Prints the failure: always on stderr, and as a JSON object on stdout when asked.
pub fn print(failure: &Failure, json: bool) {
    let message = mask(&failure.message);
    eprintln!("error: {message}");
    if json {
        let object = serde_json::json!({
            "error": {
                "kind": failure.kind,
                "message": message,
                "hint": failure.hint.as_deref().map(mask),
                "exit_code": failure.code.code(),
            }
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&object).expect("error object serialises")
        );
    }
}

/// A command line clap refused: its own message (help and version exit 0 as usual), plus the
/// JSON error object when the line asked for `--format json`, so even a typo in a flag gives a
/// CI step parsing stdout an answer.
pub fn usage_error(e: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || !args_ask_for_json()
    {
        e.exit();
    }
    let _ = e.print();
    let failure = Failure {
        code: Exit::BadInput,
        message: e
            .render()
            .to_string()
            .trim()
            .trim_start_matches("error: ")
            .to_owned(),
        kind: "usage",
        hint: Some("see --help".into()),
    };
    println!(
        "{}",
        serde_json::json!({"error": {
            "kind": failure.kind,
            "message": mask(&failure.message),
            "hint": failure.hint,
            "exit_code": failure.code.code(),
        }})
    );
    std::process::ExitCode::from(failure.code.code())
}

fn args_ask_for_json() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json")
}

/// Panics print their message and place only, with every registered secret masked: nothing
/// formats the key today, and this keeps it so if something ever does.
pub fn mask_panics() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        eprintln!("testrail-sync panicked{place}: {}", mask(&payload));
        eprintln!("This is a bug: please report it with the command line (never the API key).");
    }));
}

/// Masks the values of secret-looking settings of a config `text` (TOML or YAML) in a parser's
/// `message`: a broken line such as `api_key = "abc` or `key: [abc]` must not reach the
/// terminal through the parser's error.
pub fn redact_config_message(message: &str, text: &str) -> String {
    let mut out = message.to_owned();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        let name = name.trim().trim_matches('"').to_ascii_lowercase();
        let secret_name = ["key", "password", "token", "secret", "proxy_user", "proxy"]
            .iter()
            .any(|w| name.contains(w));
        if !secret_name {
            continue;
        }
        let value = value.trim();
        let tokens = value
            .split(|c: char| c.is_whitespace() || "\"'[],{}#".contains(c))
            .filter(|t| t.len() >= 4)
            .chain(std::iter::once(value).filter(|v| v.len() >= 4));
        for token in tokens {
            out = out.replace(token, "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_values_of_secret_settings_are_masked() {
        let text = "host = \"x\"\napi_key = \"abcd1234efgh\n";
        let msg = "expected `\"`, found newline: \"abcd1234efgh";
        let out = redact_config_message(msg, text);
        assert!(!out.contains("abcd1234efgh"), "{out}");
        let yaml = "key: [s3cr3tk3y]\nhost: h\n";
        assert!(!redact_config_message("bad [s3cr3tk3y]", yaml).contains("s3cr3tk3y"));
    }

    #[test]
    fn registered_secrets_never_print() {
        register_secret("K3Y-VALUE-123");
        assert_eq!(mask("a K3Y-VALUE-123 b"), "a *** b");
        register_credential("ci@x.test", &ApiKey::new("an0ther/KEY"));
        // base64("ci@x.test:an0ther/KEY"), and the key percent-encoded.
        assert_eq!(mask("Basic Y2lAeC50ZXN0OmFuMHRoZXIvS0VZ"), "Basic ***");
        assert_eq!(mask("k=an0ther%2FKEY"), "k=***");
        assert_eq!(mask("a K3Y-VALUE-123 b"), "a *** b");
    }
}
