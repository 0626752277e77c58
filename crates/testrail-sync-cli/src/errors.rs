//! How a failure reaches people and scripts: `error: …` on stderr always, and with
//! `--format json` an `{"error": {kind, message, hint, exit_code}}` object on stdout, so a CI
//! step parsing stdout never gets nothing. Also the last guard against a key in a message: every
//! key this process has seen is masked before anything is printed.

use std::sync::Mutex;

use crate::cli::{Command, OutputFormat};
use crate::fail::Failure;

/// Secrets seen by this process (API keys, proxy passwords), masked in every printed failure.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret so no failure message can print it, whatever built the message.
pub fn register_secret(secret: &str) {
    let secret = secret.trim();
    // Very short values would mask ordinary words; keys are 20+ characters.
    if secret.len() < 4 {
        return;
    }
    if let Ok(mut all) = SECRETS.lock()
        && !all.iter().any(|s| s == secret)
    {
        all.push(secret.to_owned());
    }
}

/// `text` with every registered secret replaced by `***`.
pub fn mask(text: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(all) = SECRETS.lock() {
        for secret in all.iter() {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// Whether the command asked for JSON output (then failures are JSON on stdout too).
pub fn wants_json(command: &Command) -> bool {
    use crate::cases::CasesCommand;
    use crate::run::RunCommand;
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
        Command::Cases(CasesCommand::Check(a)) => a.common.format,
        Command::Cases(CasesCommand::Create(a)) => a.common.format,
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
                "exit_code": failure.code,
            }
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&object).expect("error object serialises")
        );
    }
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
    }
}
