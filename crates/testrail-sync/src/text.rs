//! Text TestRail shows people: elapsed times, comments, run names and descriptions.

use std::time::Duration;

use crate::error::SyncError;

/// TestRail's timespan format ("1h 30m 45s"), rounded *up* to whole seconds so a 3 ms test is
/// "1s" — TestRail rejects "0s". `None` for a zero or missing duration (send nothing).
pub fn elapsed(duration: Duration) -> Option<String> {
    if duration.is_zero() {
        return None;
    }
    let mut secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    let hours = secs / 3600;
    secs %= 3600;
    let minutes = secs / 60;
    secs %= 60;
    let parts: Vec<String> = [(hours, "h"), (minutes, "m"), (secs, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    Some(parts.join(" "))
}

/// Keeps the head and tail of `text` within `max_chars`, marking what was cut, because the
/// start of a failure says what broke and the end says where.
pub fn trim_middle(text: &str, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text.to_owned();
    }
    let marker_room = 48.min(max_chars);
    let keep = max_chars - marker_room;
    let head = keep / 2;
    let tail = keep - head;
    let cut = total - head - tail;
    let head_end = text.char_indices().nth(head).map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .nth(total - tail)
        .map_or(text.len(), |(i, _)| i);
    format!(
        "{}\n… [{cut} characters trimmed] …\n{}",
        &text[..head_end],
        &text[tail_start..]
    )
}

/// Placeholders a run name template may use.
pub const TEMPLATE_KEYS: &[&str] = &[
    "project", "suite", "branch", "build", "commit", "date", "time", "provider",
];

/// Fills `{key}` placeholders; a placeholder with no value disappears along with the
/// punctuation that only made sense around it ("#{build}" with no build).
pub fn render_template(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let key = &rest[start + 1..start + len];
        let mut before = &rest[..start];
        match value(key) {
            Some(v) => {
                out.push_str(before);
                out.push_str(&v);
            }
            None => {
                before = before.trim_end_matches(['#', '@', '/', ':']);
                out.push_str(before);
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rejects unknown placeholders and unbalanced braces before anything is sent.
pub fn check_template(template: &str) -> Result<(), SyncError> {
    let bad = |message: String| SyncError::Config {
        setting: "run-name".into(),
        message,
    };
    let mut rest = template;
    while let Some(start) = rest.find(['{', '}']) {
        if rest[start..].starts_with('}') {
            return Err(bad(format!("unmatched '}}' in \"{template}\"")));
        }
        let Some(len) = rest[start..].find('}') else {
            return Err(bad(format!("unclosed '{{' in \"{template}\"")));
        };
        let key = &rest[start + 1..start + len];
        if !TEMPLATE_KEYS.contains(&key) {
            return Err(bad(format!(
                "unknown placeholder {{{key}}} in \"{template}\"; use one of {}",
                TEMPLATE_KEYS
                    .iter()
                    .map(|k| format!("{{{k}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        rest = &rest[start + len + 1..];
    }
    Ok(())
}

/// UTC date and time from the system clock, without a calendar dependency.
pub fn utc_now() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let rem = secs % 86_400;
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}", rem / 3600, rem % 3600 / 60),
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_rounds_up_and_never_says_zero() {
        assert_eq!(elapsed(Duration::from_millis(3)).as_deref(), Some("1s"));
        assert_eq!(elapsed(Duration::from_millis(1000)).as_deref(), Some("1s"));
        assert_eq!(elapsed(Duration::from_millis(1001)).as_deref(), Some("2s"));
        assert_eq!(elapsed(Duration::from_secs(60)).as_deref(), Some("1m"));
        assert_eq!(
            elapsed(Duration::from_secs(5445)).as_deref(),
            Some("1h 30m 45s")
        );
        assert_eq!(elapsed(Duration::ZERO), None);
    }

    #[test]
    fn trim_keeps_head_and_tail_within_the_limit() {
        let text: String = (0..2000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let trimmed = trim_middle(&text, 200);
        assert!(trimmed.chars().count() <= 200 + 1, "{}", trimmed.len());
        assert!(trimmed.starts_with("abc"));
        assert!(trimmed.ends_with(&text[text.len() - 10..]));
        assert!(trimmed.contains("characters trimmed"));
        assert_eq!(trim_middle("short", 200), "short");
        // Multi-byte characters are never split.
        let wide = "é".repeat(500);
        assert!(trim_middle(&wide, 100).contains("trimmed"));
    }

    #[test]
    fn templates_fill_and_drop_missing_pieces() {
        let value = |k: &str| match k {
            "suite" => Some("Master".to_string()),
            "branch" => Some("main".to_string()),
            _ => None,
        };
        assert_eq!(
            render_template("{suite} {branch} #{build}", value),
            "Master main"
        );
        assert!(check_template("{suite} {branch} #{build} {date}").is_ok());
        let err = check_template("{sute} x").unwrap_err().to_string();
        assert!(err.contains("unknown placeholder {sute}"), "{err}");
        assert!(check_template("{suite").is_err());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_419), (2025, 11, 27));
    }
}
