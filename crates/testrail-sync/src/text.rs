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

/// TestRail refuses a name or title longer than this: `Field :name is too long (250 characters
/// at most).` (seen verbatim from real servers; characters, not bytes).
pub const MAX_NAME_CHARS: usize = 250;

/// What marks a name that was shortened to fit.
pub const ELLIPSIS: char = '…';

/// Placeholders whose values make a run name unique, kept whole when a name is shortened.
const KEPT_WHOLE: &[&str] = &["build", "commit", "date", "time"];

/// A name that is at most [`MAX_NAME_CHARS`] long: a longer one keeps its first characters and
/// ends in `…`, so the cut is visible (section names from long report suite names).
pub fn fit_name(name: &str) -> String {
    shorten(name, MAX_NAME_CHARS)
}

/// `text` in at most `max` characters, the last of them `…` when it was cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(max.saturating_sub(1)).collect();
    kept.truncate(kept.trim_end().len());
    kept.push(ELLIPSIS);
    kept
}

/// [`render_template`], fitted into `max` characters: when the result is too long, the pieces
/// that do not make the name unique (the literal text, project, suite, branch, provider) are
/// cut, longest first, each ending in `…`; build, commit, date and time stay whole. Only when
/// those alone are too long is the whole name cut at the end.
pub fn render_template_fitted(
    template: &str,
    value: impl Fn(&str) -> Option<String>,
    max: usize,
) -> String {
    let full = render_template(template, &value);
    if full.chars().count() <= max {
        return full;
    }
    let mut pieces = template_pieces(template, &value);
    let length = |p: &[(String, bool)]| p.iter().map(|(t, _)| t.chars().count()).sum::<usize>();
    // A cut piece keeps a few characters, so it is still recognisable.
    const MIN_KEPT: usize = 8;
    while length(&pieces) > max {
        let excess = length(&pieces) - max;
        let longest = pieces
            .iter_mut()
            .filter(|(t, whole)| !whole && t.chars().count() > MIN_KEPT + 1)
            .max_by_key(|(t, _)| t.chars().count());
        let Some((text, _)) = longest else { break };
        let n = text.chars().count();
        let target = n.saturating_sub(excess).max(MIN_KEPT + 1);
        // A literal piece that ended in a space keeps it, so the cut does not glue the `…`
        // to the next value.
        *text = if text.ends_with(' ') {
            format!("{} ", shorten(text, target - 1))
        } else {
            shorten(text, target)
        };
        if text.chars().count() >= n {
            break;
        }
    }
    let joined: String = pieces.into_iter().map(|(t, _)| t).collect();
    shorten(
        &joined.split_whitespace().collect::<Vec<_>>().join(" "),
        max,
    )
}

/// The template as rendered pieces: (text, kept whole?). Mirrors [`render_template`].
fn template_pieces(template: &str, value: impl Fn(&str) -> Option<String>) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let key = &rest[start + 1..start + len];
        let before = &rest[..start];
        match value(key) {
            Some(v) => {
                pieces.push((before.to_owned(), false));
                pieces.push((v, KEPT_WHOLE.contains(&key)));
            }
            None => pieces.push((
                before.trim_end_matches(['#', '@', '/', ':']).to_owned(),
                false,
            )),
        }
        rest = &rest[start + len + 1..];
    }
    pieces.push((rest.to_owned(), false));
    pieces
        .into_iter()
        .map(|(t, whole)| (collapse_spaces(&t), whole))
        .collect()
}

/// Runs of whitespace as one space (what [`render_template`] does to the whole name).
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// Rejects unknown placeholders and unbalanced braces before anything is sent, and a name
/// without placeholders that TestRail would refuse as too long (a template's result is
/// shortened instead, see [`render_template_fitted`]).
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
    let literal = !template.contains('{');
    let chars = template
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .count();
    if literal && chars > MAX_NAME_CHARS {
        return Err(bad(format!(
            "the run name has {chars} characters; TestRail refuses names over {MAX_NAME_CHARS}. Shorten it, or use placeholders such as {{build}} and {{date}} (a name made from placeholders is shortened to fit)"
        )));
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
    fn a_long_template_result_is_cut_where_it_does_not_make_it_unique() {
        let branch = "feature/".to_owned() + &"very-long-branch-name-".repeat(12);
        let value = |k: &str| match k {
            "suite" => Some("Master".to_string()),
            "branch" => Some(branch.clone()),
            "build" => Some("4711".to_string()),
            "date" => Some("2026-12-08".to_string()),
            _ => None,
        };
        let template = format!(
            "{} {{suite}} {{branch}} #{{build}} {{date}}",
            "Nightly ".repeat(10)
        );
        let name = render_template_fitted(&template, value, MAX_NAME_CHARS);
        assert!(
            name.chars().count() <= MAX_NAME_CHARS,
            "{}",
            name.chars().count()
        );
        assert!(name.contains('…'), "{name}");
        assert!(name.ends_with("#4711 2026-12-08"), "{name}");
        assert!(
            !name.contains("…feature"),
            "a space still separates the pieces: {name}"
        );
        // What fits is left alone.
        assert_eq!(
            render_template_fitted("{suite} #{build}", value, MAX_NAME_CHARS),
            "Master #4711"
        );
        // Even unique parts too long for the limit end in a visible cut.
        let huge = |_: &str| Some("9".repeat(300));
        let cut = render_template_fitted("{build}", huge, MAX_NAME_CHARS);
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn names_fit_in_characters_not_bytes() {
        assert_eq!(fit_name("short"), "short");
        let wide = "é".repeat(251);
        let fitted = fit_name(&wide);
        assert_eq!(fitted.chars().count(), MAX_NAME_CHARS);
        assert!(fitted.ends_with('…'));
        assert_eq!(fit_name(&"é".repeat(250)), "é".repeat(250));
    }

    #[test]
    fn a_literal_run_name_over_the_limit_is_refused_before_sending() {
        let err = check_template(&"x".repeat(251)).unwrap_err().to_string();
        assert!(err.contains("251 characters"), "{err}");
        assert!(check_template(&"x".repeat(250)).is_ok());
        assert!(check_template(&format!("{} {{build}}", "x".repeat(300))).is_ok());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_419), (2025, 11, 27));
    }
}
