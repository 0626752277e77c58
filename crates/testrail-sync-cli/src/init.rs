//! `testrail-sync init`: writes a commented `testrail-sync.toml`, after asking (host, user,
//! project, suite — listing the choices from TestRail when a key is at hand) or straight from
//! flags with `--yes` in CI. Never writes the API key, never overwrites without `--force`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use testrail_api::Client;

use testrail_sync::Exit;

use crate::cli::{Connection, InitArgs};
use crate::config::{self, FileConfig};
use crate::fail::{Failure, bad_input};

/// What goes into the file.
#[derive(Debug, Default, Clone)]
struct Answers {
    host: Option<String>,
    user: Option<String>,
    project: Option<(u64, Option<String>)>,
    suite: Option<(u64, Option<String>)>,
}

pub async fn run(args: InitArgs, config_path: Option<&Path>) -> Result<Exit, Failure> {
    let output = args
        .output
        .clone()
        .or_else(|| config_path.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_CONFIG));
    if output.exists() && !args.force {
        return Err(bad_input(format!(
            "{} exists; pass --force to overwrite it (or --output FILE to write elsewhere)",
            output.display()
        )));
    }
    let mut answers = Answers {
        host: args.connection.host.clone(),
        user: args.connection.user.clone(),
        project: args.project_id.map(|id| (id, None)),
        suite: args.suite_id.map(|id| (id, None)),
    };
    if !args.yes {
        let stdin = std::io::stdin();
        let mut ask = Asker {
            input: stdin.lock(),
            interactive: stdin.is_terminal(),
        };
        interview(&mut ask, &args.connection, &mut answers).await?;
    }
    let text = render(&answers);
    // The file must load as our config: a bug here must not hand users a broken file.
    config::parse(&text, &output)?;
    std::fs::write(&output, text)
        .map_err(|e| bad_input(format!("cannot write {}: {e}", output.display())))?;
    println!(
        "Wrote {}. Set TESTRAIL_API_KEY in your CI's secrets (the key is never stored in this file), then run:\n  testrail-sync report 'reports/**/*.xml'",
        output.display()
    );
    Ok(Exit::Ok)
}

/// Questions on stderr, answers from stdin; an empty answer (or end of input) keeps the default.
struct Asker<R> {
    input: R,
    interactive: bool,
}

impl<R: BufRead> Asker<R> {
    fn ask(&mut self, question: &str, default: Option<&str>) -> Result<Option<String>, Failure> {
        match default {
            Some(d) => eprint!("{question} [{d}]: "),
            None => eprint!("{question}: "),
        }
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let read = self
            .input
            .read_line(&mut line)
            .map_err(|e| bad_input(format!("cannot read the answer: {e}")))?;
        if read == 0 && self.interactive {
            return Err(bad_input("cancelled; nothing was written"));
        }
        if !self.interactive {
            eprintln!("{}", line.trim_end());
        }
        let answer = line.trim();
        Ok(if answer.is_empty() {
            default.map(str::to_owned)
        } else {
            Some(answer.to_owned())
        })
    }
}

async fn interview<R: BufRead>(
    ask: &mut Asker<R>,
    connection: &Connection,
    answers: &mut Answers,
) -> Result<(), Failure> {
    answers.host = ask.ask(
        "TestRail address (e.g. https://acme.testrail.io)",
        answers.host.as_deref(),
    )?;
    answers.user = ask.ask("CI user's email", answers.user.as_deref())?;
    let mut conn = connection.clone();
    conn.host.clone_from(&answers.host);
    conn.user.clone_from(&answers.user);
    // A key from the environment or --api-key-file lets us offer real choices; without one we
    // just take numbers.
    let client = config::client(&conn, &FileConfig::default()).ok();
    let client = match &client {
        Some(c) if conn.host.is_some() => Some(c),
        _ => None,
    };
    answers.project = choose_project(ask, client, answers.project.clone()).await?;
    if let Some((project_id, _)) = answers.project {
        answers.suite = choose_suite(ask, client, project_id, answers.suite.clone()).await?;
    }
    Ok(())
}

async fn choose_project<R: BufRead>(
    ask: &mut Asker<R>,
    client: Option<&Client>,
    current: Option<(u64, Option<String>)>,
) -> Result<Option<(u64, Option<String>)>, Failure> {
    let listed = match client {
        Some(c) => match c.get_projects().await {
            Ok(projects) => projects
                .into_iter()
                .filter(|p| !p.is_completed)
                .map(|p| (p.id, p.name))
                .collect(),
            Err(e) => {
                eprintln!("(could not list projects: {e})");
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    choose(ask, "Project", &listed, current)
}

async fn choose_suite<R: BufRead>(
    ask: &mut Asker<R>,
    client: Option<&Client>,
    project_id: u64,
    current: Option<(u64, Option<String>)>,
) -> Result<Option<(u64, Option<String>)>, Failure> {
    let listed: Vec<(u64, String)> = match client {
        Some(c) => match c.get_suites(project_id).await {
            Ok(suites) => suites.into_iter().map(|s| (s.id, s.name)).collect(),
            Err(e) => {
                eprintln!("(could not list suites: {e})");
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    // A single-suite project needs no suite_id; name it anyway so the file says what it uses.
    if let [(id, name)] = listed.as_slice()
        && current.is_none()
    {
        eprintln!("Suite: {name} (S{id}), the project's only suite");
        return Ok(Some((*id, Some(name.clone()))));
    }
    choose(ask, "Suite", &listed, current)
}

/// Lists the choices (if any) and takes an ID; the chosen item's name goes into a comment.
fn choose<R: BufRead>(
    ask: &mut Asker<R>,
    what: &str,
    listed: &[(u64, String)],
    current: Option<(u64, Option<String>)>,
) -> Result<Option<(u64, Option<String>)>, Failure> {
    for (id, name) in listed {
        eprintln!("  {id:>5}  {name}");
    }
    let default = current
        .as_ref()
        .map(|(id, _)| id.to_string())
        .or_else(|| listed.first().map(|(id, _)| id.to_string()));
    let Some(answer) = ask.ask(&format!("{what} ID"), default.as_deref())? else {
        return Ok(None);
    };
    let id: u64 = answer
        .trim_start_matches(['P', 'S', 'p', 's'])
        .parse()
        .map_err(|_| bad_input(format!("{what} ID: `{answer}` is not a number")))?;
    if !listed.is_empty() && !listed.iter().any(|(i, _)| *i == id) {
        return Err(bad_input(format!(
            "{what} ID {id} is not one of those listed"
        )));
    }
    let name = listed
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| n.clone())
        .or_else(|| current.and_then(|(i, n)| (i == id).then_some(n).flatten()));
    Ok(Some((id, name)))
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A set value as `key = value`, an unset one as a commented example.
fn line(key: &str, value: Option<String>, example: &str) -> String {
    match value {
        Some(v) => format!("{key} = {v}\n"),
        None => format!("# {key} = {example}\n"),
    }
}

fn render(a: &Answers) -> String {
    let mut s = String::from(
        "# testrail-sync configuration, written by `testrail-sync init`.\n\
         # Layers: this file < environment (TESTRAIL_*) < command-line flags.\n\
         # Unknown keys are errors, so a typo never silently does nothing.\n\n\
         # Where TestRail is and who the CI user is (TESTRAIL_HOST, TESTRAIL_USER).\n\
         # Found on its own in the working directory, this file may not set host, proxy or TLS\n\
         # settings for a key from TESTRAIL_API_KEY (a checkout must not redirect the key):\n\
         # pass `--config testrail-sync.toml` to trust it, or set TESTRAIL_HOST in the job.\n",
    );
    s += &line(
        "host",
        a.host.as_deref().map(quoted),
        "\"https://acme.testrail.io\"",
    );
    s += &line("user", a.user.as_deref().map(quoted), "\"ci-bot@acme.com\"");
    s += "# The API key is never written here: set TESTRAIL_API_KEY from your CI's secret store,\n\
          # or point at a file only the CI user can read:\n\
          # api_key_file = \"/run/secrets/testrail\"\n\n";
    match &a.project {
        Some((_, Some(name))) => {
            s += &format!("# Project \"{name}\" (`testrail-sync projects` lists them)\n")
        }
        _ => s += "# Project (`testrail-sync projects` lists them); or project = \"Name\"\n",
    }
    s += &line(
        "project_id",
        a.project.as_ref().map(|(id, _)| id.to_string()),
        "1",
    );
    match &a.suite {
        Some((_, Some(name))) => {
            s += &format!("# Suite \"{name}\" (`testrail-sync suites` lists them)\n")
        }
        _ => {
            s += "# Suite (`testrail-sync suites` lists them; optional for single-suite projects)\n"
        }
    }
    s += &line(
        "suite_id",
        a.suite.as_ref().map(|(id, _)| id.to_string()),
        "1",
    );
    s += "\n\
# Name of new runs; placeholders {project} {suite} {branch} {build} {commit} {date} {time} {provider}\n\
# run_name = \"{suite} {branch} #{build} {date} {time}\"\n\
# Close the run after posting, only on these branches:\n\
# close_on_branch = [\"main\"]\n\
# Results per call, requests per minute (TestRail Cloud: 180; 0 = no pacing), seconds per request:\n";
    // The engine's own default, so the commented line can never disagree with it.
    s += &format!("# batch_size = {}\n", testrail_sync::DEFAULT_BATCH_SIZE);
    s += "\
# rate_limit = 180\n\
# timeout_secs = 30\n\
# Case IDs: regexes over test names (one capture group) and report properties\n\
# case_patterns = ['\\bC(\\d+)\\b']\n\
# case_properties = [\"test_id\"]\n\
# No IDs in names (trcli's default workflow): match by automation ID, case index kept here\n\
# case_matcher = \"auto\"\n\
# cache_dir = \".testrail-sync\"\n\
\n\
# Report outcome -> TestRail status: \"auto\", \"omit\" or a status name/label (`testrail-sync statuses`)\n\
# [statuses]\n\
# skipped = \"auto\"\n\
# error = \"failed\"\n\
\n\
# Fields for every result (`testrail-sync fields` lists them; dropdowns take a label or ID)\n\
# [result_fields]\n\
# custom_environment = \"staging\"\n\
# Fields taken per test from a report property (field = property)\n\
# [result_field_properties]\n\
# custom_browser = \"browser\"\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_a_valid_config_with_and_without_answers() {
        for answers in [
            Answers::default(),
            Answers {
                host: Some("https://x.testrail.io".into()),
                user: Some("ci@x.io".into()),
                project: Some((3, Some("Shop \"EU\"".into()))),
                suite: Some((4, None)),
            },
        ] {
            let text = render(&answers);
            // Every setting a migrating trcli user needs is offered, and still parses when
            // uncommented.
            assert!(text.contains("# case_matcher = \"auto\""), "{text}");
            let uncommented = text.replace("# case_matcher", "case_matcher");
            config::parse(&uncommented, Path::new("t.toml")).unwrap();
            let cfg = config::parse(&text, Path::new("t.toml")).unwrap();
            assert_eq!(cfg.project_id, answers.project.as_ref().map(|p| p.0));
            assert!(cfg.api_key.is_none());
        }
    }

    #[test]
    fn the_commented_batch_size_is_the_engines_default() {
        let text = render(&Answers::default());
        let shown = text
            .lines()
            .find_map(|l| l.strip_prefix("# batch_size = "))
            .expect("the template shows batch_size");
        assert_eq!(
            shown.parse::<usize>(),
            Ok(testrail_sync::DEFAULT_BATCH_SIZE)
        );
    }

    #[test]
    fn piped_answers_and_defaults() {
        let mut ask = Asker {
            input: "\n7\n".as_bytes(),
            interactive: false,
        };
        assert_eq!(ask.ask("host", Some("h")).unwrap().as_deref(), Some("h"));
        let listed = [(7, "Shop".to_string()), (8, "Other".to_string())];
        let chosen = choose(&mut ask, "Project", &listed, None).unwrap();
        assert_eq!(chosen, Some((7, Some("Shop".into()))));
        // End of piped input keeps the default.
        assert_eq!(ask.ask("user", None).unwrap(), None);
    }
}
