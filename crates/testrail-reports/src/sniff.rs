//! Telling report formats apart by their first bytes, never by file extension.

use std::fmt;
use std::str::FromStr;

/// A report format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JUnit XML in any dialect (`<testsuites>` or `<testsuite>` root).
    Junit,
    /// Robot Framework native `output.xml` (`<robot>` root).
    Robot,
    /// Cucumber JSON: an array of features with `elements`.
    Cucumber,
    /// Test Anything Protocol, versions 12–14, also inside `prove -v` output.
    Tap,
    /// Common Test Report Format JSON (`results.tests`).
    Ctrf,
    /// behave's JSON formatter: features like Cucumber's, with plain-string tags.
    Behave,
    /// Playwright Test's JSON reporter (`config`, `suites` → specs → tests → results).
    Playwright,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Junit,
        Format::Robot,
        Format::Cucumber,
        Format::Tap,
        Format::Ctrf,
        Format::Behave,
        Format::Playwright,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Junit => "junit",
            Format::Robot => "robot",
            Format::Cucumber => "cucumber",
            Format::Tap => "tap",
            Format::Ctrf => "ctrf",
            Format::Behave => "behave",
            Format::Playwright => "playwright",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--input-format` got a name we do not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown report format '{0}': use one of junit, robot, cucumber, tap, ctrf, behave, playwright"
)]
pub struct UnknownFormatName(pub String);

impl FromStr for Format {
    type Err = UnknownFormatName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "junit" | "xunit" | "junit-xml" => Ok(Format::Junit),
            "robot" | "robotframework" => Ok(Format::Robot),
            "cucumber" | "cucumber-json" => Ok(Format::Cucumber),
            "tap" => Ok(Format::Tap),
            "ctrf" => Ok(Format::Ctrf),
            "behave" | "behave-json" => Ok(Format::Behave),
            "playwright" | "playwright-json" => Ok(Format::Playwright),
            _ => Err(UnknownFormatName(s.to_string())),
        }
    }
}

/// Guesses the format from the first few KB of a report. `None` when it looks like none of them.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    let text = prefix_text(bytes);
    let trimmed = text.trim_start();
    match trimmed.chars().next()? {
        '<' => sniff_xml(trimmed),
        '{' => sniff_json_object(trimmed),
        '[' => sniff_json_array(trimmed),
        _ => sniff_tap(&text),
    }
}

/// The prefix as text: UTF-16 (with BOM) decoded, a UTF-8 BOM dropped, invalid bytes replaced.
fn prefix_text(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(8192)];
    let utf16 = |le: bool| {
        let units = bytes[2..].chunks_exact(2).map(|p| {
            if le {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return utf16(true);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return utf16(false);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

fn sniff_xml(text: &str) -> Option<Format> {
    match root_element(text) {
        Some("robot") => Some(Format::Robot),
        Some("testsuites" | "testsuite" | "testrun") => Some(Format::Junit),
        Some(_) => None,
        // The root is past the prefix (a long comment or DTD): let the XML reader decide and
        // report what is wrong.
        None => Some(Format::Junit),
    }
}

/// The first element name, skipping the declaration, comments, PIs and a DOCTYPE.
fn root_element(mut text: &str) -> Option<&str> {
    loop {
        text = text.trim_start();
        let rest = text.strip_prefix('<')?;
        if let Some(r) = rest.strip_prefix("!--") {
            text = &r[r.find("-->")? + 3..];
        } else if rest.starts_with('?') || rest.starts_with('!') {
            text = &rest[rest.find('>')? + 1..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(rest.len());
            let name = &rest[..end];
            return Some(name.rsplit(':').next().unwrap_or(name));
        }
    }
}

fn sniff_json_object(text: &str) -> Option<Format> {
    // Playwright starts with its `config` (or, without one, `suites`); a CTRF report's
    // `results` would also match further in, inside Playwright's test results.
    let first_key = text[1..].trim_start();
    if first_key.starts_with("\"config\"") || first_key.starts_with("\"suites\"") {
        return Some(Format::Playwright);
    }
    let ctrf = text.contains("\"results\"") || text.contains("\"CTRF\"");
    ctrf.then_some(Format::Ctrf)
}

fn sniff_json_array(text: &str) -> Option<Format> {
    let inner = text[1..].trim_start();
    if is_behave(text) {
        return Some(Format::Behave);
    }
    let cucumberish = ["\"elements\"", "\"keyword\"", "\"uri\""];
    (inner.starts_with(']') || cucumberish.iter().any(|k| text.contains(k)))
        .then_some(Format::Cucumber)
}

/// behave writes `step_type` in every step and tags as plain strings (`"tags": ["C1"]`), where
/// Cucumber writes tag objects (`"tags": [{"name": "@C1"}]`).
fn is_behave(text: &str) -> bool {
    if text.contains("\"step_type\"") {
        return true;
    }
    text.match_indices("\"tags\"").any(|(i, key)| {
        let rest = text[i + key.len()..].trim_start();
        rest.strip_prefix(':')
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('['))
            .is_some_and(|r| r.trim_start().starts_with('"'))
    })
}

fn sniff_tap(text: &str) -> Option<Format> {
    text.lines()
        .map(str::trim_start)
        .any(is_tap_line)
        .then_some(Format::Tap)
}

fn is_tap_line(line: &str) -> bool {
    line.starts_with("TAP version ")
        || line == "ok"
        || line.starts_with("ok ")
        || line == "not ok"
        || line.starts_with("not ok ")
        || line
            .strip_prefix("1..")
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format() {
        assert_eq!(
            sniff(b"<?xml version='1.0'?>\n<testsuites>"),
            Some(Format::Junit)
        );
        assert_eq!(
            sniff(b"<!-- x --><testsuite name='a'>"),
            Some(Format::Junit)
        );
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><robot generator=''>"),
            Some(Format::Robot)
        );
        assert_eq!(sniff(b"[{\"elements\": []}]"), Some(Format::Cucumber));
        assert_eq!(sniff(b"{\"results\": {\"tests\": []}}"), Some(Format::Ctrf));
        let pw = b"{\n  \"config\": {\"version\": \"1.65.1\"},\n  \"suites\": [{\"specs\": [{\"tests\": [{\"results\": []}]}]}]}";
        assert_eq!(sniff(pw), Some(Format::Playwright));
        let behave = b"[\n{\"keyword\": \"Feature\", \"name\": \"Shop\", \"tags\": [\"C4100\"], \"elements\": []}]";
        assert_eq!(sniff(behave), Some(Format::Behave));
        let cucumber = b"[{\"elements\": [], \"tags\": [{\"name\": \"@C1\"}], \"uri\": \"a\"}]";
        assert_eq!(sniff(cucumber), Some(Format::Cucumber));
        assert_eq!(sniff(b"TAP version 14\n1..1\nok 1\n"), Some(Format::Tap));
        assert_eq!(sniff(b"t/a.t .. \nok 1 - x\n"), Some(Format::Tap));
        assert_eq!(sniff(b"<html><body/></html>"), None);
        assert_eq!(sniff(b"hello"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn format_names_parse() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("yaml".parse::<Format>().is_err());
    }
}
