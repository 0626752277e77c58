//! Where reports come from and how their tests map to cases, as the commands that read reports
//! (`report`, `run open`, `cases check|create`) take them: globs expanded, files checked, and
//! the one case matcher built from flags over the config file.

use std::path::PathBuf;

use testrail_reports::{CaseIdMatcher, Format};
use testrail_sync::ReportInput;

use crate::cli::{CaseMapping, InputFormat};
use crate::config::FileConfig;
use crate::fail::{Failure, bad_input};

/// The report flags every reading command shares.
pub struct ReportFlags<'a> {
    pub files: &'a [String],
    pub mapping: &'a CaseMapping,
    pub match_by_title: bool,
}

/// Expands the files and builds the matcher: everything the engine needs to read the reports.
pub fn report_input(flags: &ReportFlags<'_>, file: &FileConfig) -> Result<ReportInput, Failure> {
    Ok(ReportInput {
        files: expand(flags.files)?,
        format: flags.mapping.input_format.map(input_format),
        matcher: case_matcher(
            &flags.mapping.case_pattern,
            &flags.mapping.case_property,
            file,
        )?,
        match_by_title: flags.match_by_title,
    })
}

/// The case ID matcher: flags replace the config file's lists (an empty list keeps the
/// built-in rule / properties). A bad pattern is blamed on where it was written.
pub fn case_matcher(
    patterns: &[String],
    properties: &[String],
    file: &FileConfig,
) -> Result<CaseIdMatcher, Failure> {
    let from_flags = !patterns.is_empty();
    let pick = |flags: &[String], from_file: &Option<Vec<String>>| {
        if flags.is_empty() {
            from_file.clone().unwrap_or_default()
        } else {
            flags.to_vec()
        }
    };
    CaseIdMatcher::new(
        &pick(patterns, &file.case_patterns),
        &pick(properties, &file.case_properties),
    )
    .map_err(|e| {
        let setting = if from_flags {
            "--case-pattern"
        } else {
            "case_patterns (config file)"
        };
        bad_input(format!("{setting}: {e}"))
    })
}

/// Expands globs (CI configs often pass them quoted) and checks every path is a readable file.
pub fn expand(patterns: &[String]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for pattern in patterns {
        let path = PathBuf::from(pattern);
        if !is_glob(pattern) {
            check_file(&path)?;
            files.push(path);
            continue;
        }
        let matches = glob::glob(pattern)
            .map_err(|e| bad_input(format!("{pattern}: not a valid glob pattern: {e}")))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect::<Vec<_>>();
        if matches.is_empty() {
            return Err(bad_input(format!(
                "{pattern}: no file matches; did the test step write its report? (run from the directory the pattern is relative to)"
            )));
        }
        files.extend(matches);
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

fn check_file(path: &std::path::Path) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(bad_input(format!(
            "{}: is a directory; pass the report files inside it, e.g. '{}/*.xml'",
            path.display(),
            path.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(bad_input(format!(
            "{}: no such file; did the test step write its report there?",
            path.display()
        ))),
        Err(e) => Err(bad_input(format!("{}: {e}", path.display()))),
    }
}

pub fn input_format(f: InputFormat) -> Format {
    match f {
        InputFormat::Junit => Format::Junit,
        InputFormat::Robot => Format::Robot,
        InputFormat::Cucumber => Format::Cucumber,
        InputFormat::Tap => Format::Tap,
        InputFormat::Ctrf => Format::Ctrf,
        InputFormat::Behave => Format::Behave,
        InputFormat::Playwright => Format::Playwright,
    }
}

/// A name the user gave literally (`--plan-name`, a `--section` part) must fit TestRail's
/// limit: a longer one would be refused after every read was done, so it is exit 2 before any
/// request. Names the tool makes itself are shortened instead (`testrail_sync::text`).
pub fn check_name_length<'a>(
    setting: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), Failure> {
    use testrail_sync::text::MAX_NAME_CHARS;
    for name in names {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            let start: String = name.chars().take(40).collect();
            return Err(bad_input(format!(
                "{setting}: \"{start}…\" has {chars} characters; TestRail refuses names over {MAX_NAME_CHARS} (nothing was sent)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_pattern_from_the_config_file_is_blamed_on_the_config_file() {
        let file = FileConfig {
            case_patterns: Some(vec!["C(".into()]),
            ..FileConfig::default()
        };
        let err = case_matcher(&[], &[], &file).unwrap_err();
        assert!(
            err.message.starts_with("case_patterns (config file): "),
            "{}",
            err.message
        );
        let err = case_matcher(&["C(".into()], &[], &FileConfig::default()).unwrap_err();
        assert!(
            err.message.starts_with("--case-pattern: "),
            "{}",
            err.message
        );
    }
}
