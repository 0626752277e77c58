//! Which TestRail case IDs an execution carries: from its name (patterns), from properties, and
//! from tags the reader already turned into IDs.
//!
//! Default name rule: `C` or `c` followed by digits, standing alone — the characters on both
//! sides must not be letters or digits (`_`, `[`, `]`, `:`, spaces, `(`, `-`, … separate),
//! except camelCase humps: an upper-case `C` right after a lower-case letter, and an upper-case
//! letter right after the digits, also separate (`testC2001LoginOk`, `TestC2107PriceForQty`).
//! So `test_C105_C106_x` gives 105 and 106, `[C1][C2]` gives 1 and 2, `c1009` (snake_case
//! languages) gives 1009; `abc123`, `C123abc` and `TC123` give nothing (`TC123` is another
//! tracker's key, not a TestRail case). A token right after `=` is a parameter's value, not a
//! case (`qty check sku=C3` gives nothing for C3). Only `name` is searched, never `classname`:
//! a pytest class `TestC109Profile` must not hand C109 to every method in it.
//!
//! A test with no ID of its own (name, properties, tags) takes the IDs of its closest enclosing
//! group ([`TestExecution::enclosing`]: a describe block, a parent test), but only IDs written
//! there as words (`C168 cart totals`, `[C242] tax`, `Profile › C111 avatar`), never one inside
//! an identifier (`TestC109Profile`, `com.shop.C12Test`): those are class names. Every test
//! still maps to one result per case, so the group's case gets the worst of its tests. A TAP
//! point inside a subtest takes nothing from its parent: the parent's own point carries it.

use regex::Regex;

use crate::execution::TestExecution;

/// Properties looked at by default, case-insensitively.
pub const DEFAULT_PROPERTIES: [&str; 4] = ["test_id", "testrail_case_id", "case_id", "testrail"];

/// A user pattern that is not a valid regex.
#[derive(Debug, thiserror::Error)]
#[error("invalid case pattern '{pattern}': {source}")]
pub struct MatcherError {
    pub pattern: String,
    #[source]
    pub source: regex::Error,
}

#[derive(Debug, Clone)]
enum NamePattern {
    /// The built-in word-bounded `C123` rule.
    Default,
    User(Regex),
}

/// Extracts case IDs; built once from the user's `--case-pattern`/`--case-property` options.
#[derive(Debug, Clone)]
pub struct CaseIdMatcher {
    patterns: Vec<NamePattern>,
    properties: Vec<String>,
}

impl Default for CaseIdMatcher {
    fn default() -> Self {
        CaseIdMatcher {
            patterns: vec![NamePattern::Default],
            properties: DEFAULT_PROPERTIES.iter().map(|p| p.to_string()).collect(),
        }
    }
}

impl CaseIdMatcher {
    /// `patterns` are regexes with one capture group for the digits (or none: then the first
    /// run of digits in the match). An empty list keeps the default rule; an empty `properties`
    /// list keeps the default properties.
    pub fn new(patterns: &[String], properties: &[String]) -> Result<CaseIdMatcher, MatcherError> {
        let mut matcher = CaseIdMatcher::default();
        if !patterns.is_empty() {
            matcher.patterns = patterns
                .iter()
                .map(|p| {
                    Regex::new(p)
                        .map(NamePattern::User)
                        .map_err(|source| MatcherError {
                            pattern: p.clone(),
                            source,
                        })
                })
                .collect::<Result<_, _>>()?;
        }
        if !properties.is_empty() {
            matcher.properties = properties.to_vec();
        }
        Ok(matcher)
    }

    /// trcli's `--case-matcher name`: IDs in test names only (the built-in rule, or the user's
    /// patterns when given), no property.
    pub fn names_only(patterns: &[String]) -> Result<CaseIdMatcher, MatcherError> {
        let mut matcher = CaseIdMatcher::new(patterns, &[])?;
        matcher.properties.clear();
        Ok(matcher)
    }

    /// trcli's `--case-matcher property`: the `test_id` property only (or the user's
    /// properties when given), never a name.
    pub fn properties_only(properties: &[String]) -> CaseIdMatcher {
        let properties = if properties.is_empty() {
            vec!["test_id".to_owned()]
        } else {
            properties.to_vec()
        };
        CaseIdMatcher {
            patterns: Vec::new(),
            properties,
        }
    }

    /// No name rule and no property: only `tagged_case_ids`, where a caller that maps tests by
    /// other means (trcli's automation IDs) puts the case it found.
    pub fn tagged_only() -> CaseIdMatcher {
        CaseIdMatcher {
            patterns: Vec::new(),
            properties: Vec::new(),
        }
    }

    /// IDs in order of first appearance (name, then properties, then tags), without duplicates.
    pub fn case_ids(&self, e: &TestExecution) -> Vec<u64> {
        let mut ids = Vec::new();
        let mut add = |id: u64| {
            if id > 0 && !ids.contains(&id) {
                ids.push(id);
            }
        };
        for pattern in &self.patterns {
            match pattern {
                NamePattern::Default => default_name_ids(&e.name, &mut add),
                NamePattern::User(re) => user_pattern_ids(re, &e.name, &mut add),
            }
        }
        for (key, value) in &e.properties {
            if self.properties.iter().any(|p| p.eq_ignore_ascii_case(key)) {
                property_ids(value, &mut add);
            }
        }
        e.tagged_case_ids.iter().copied().for_each(&mut add);
        if ids.is_empty()
            && !e.carried_by_parent
            && let Some(group) = e.enclosing.as_deref()
        {
            self.enclosing_ids(group, &mut |id| {
                if id > 0 && !ids.contains(&id) {
                    ids.push(id);
                }
            });
        }
        ids
    }

    /// Why a test with no ID did not take one from its group or classname, when an ID is
    /// written there inside an identifier (`test_shop.TestC109Profile`): the unmapped list says
    /// so, since that ID looks like it should have counted.
    pub fn why_unmapped(&self, e: &TestExecution) -> Option<String> {
        if e.carried_by_parent || !self.case_ids(e).is_empty() {
            return None;
        }
        [e.enclosing.as_deref(), Some(e.classname.as_str())]
            .into_iter()
            .flatten()
            .find_map(|group| {
                let mut ids = Vec::new();
                default_name_ids(group, &mut |id| ids.push(id));
                let first = *ids.first()?;
                Some(format!(
                    "C{first} in '{group}' is inside an identifier (a class or module name), so \
                     it is not applied to the tests in it: put the ID in the test's name"
                ))
            })
    }

    /// IDs a group title hands down: the user's patterns, or the built-in rule limited to IDs
    /// standing as words.
    fn enclosing_ids(&self, group: &str, add: &mut impl FnMut(u64)) {
        for pattern in &self.patterns {
            match pattern {
                NamePattern::Default => word_ids(group, add),
                NamePattern::User(re) => user_pattern_ids(re, group, add),
            }
        }
    }
}

/// `C123` between spaces, brackets, parentheses, `:` or `,` (the title of a describe block),
/// not inside an identifier or after `=`.
fn word_ids(title: &str, add: &mut impl FnMut(u64)) {
    let separator = |c: Option<char>| {
        c.is_none_or(|c| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | ':' | ','))
    };
    for (i, _) in title.match_indices('C') {
        let digits = title[i + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let end = i + 1 + digits;
        if digits > 0
            && separator(title[..i].chars().next_back())
            && separator(title[end..].chars().next())
            && let Ok(id) = title[i + 1..end].parse()
        {
            add(id);
        }
    }
}

fn default_name_ids(name: &str, add: &mut impl FnMut(u64)) {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let upper = bytes[i] == b'C';
        if (upper || bytes[i] == b'c') && starts_word(name, i, upper) && !is_value(name, i) {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = i + 1 + digits;
            if digits > 0 && ends_word(name, end) {
                if let Ok(id) = name[i + 1..end].parse() {
                    add(id);
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// The `C` at `i` starts a word: nothing alphanumeric before it, or (for an upper-case `C`) a
/// camelCase hump after a lower-case letter (`testC2001Login`, `TestC2107PriceForQty`).
fn starts_word(s: &str, i: usize, upper: bool) -> bool {
    match s[..i].chars().next_back() {
        None => true,
        Some(c) if upper && c.is_lowercase() => true,
        Some(c) => !c.is_alphanumeric(),
    }
}

/// The token at `i` is a parameter's value (`sku=C3`, `sku = C3`), not a case.
fn is_value(s: &str, i: usize) -> bool {
    s[..i].trim_end().ends_with('=')
}

/// The digits ending at `i` end a word: a separator, the end, or a camelCase hump.
fn ends_word(s: &str, i: usize) -> bool {
    match s[i..].chars().next() {
        None => true,
        Some(c) => !c.is_alphanumeric() || c.is_uppercase(),
    }
}

fn user_pattern_ids(re: &Regex, name: &str, add: &mut impl FnMut(u64)) {
    for caps in re.captures_iter(name) {
        let text = caps
            .get(1)
            .or_else(|| caps.get(0))
            .map_or("", |m| m.as_str());
        if let Some(id) = first_digit_run(text) {
            add(id);
        }
    }
}

fn first_digit_run(s: &str) -> Option<u64> {
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let rest = &s[start..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Property values like `C123`, `123`, `C1,C2`, `C1 C2`, `[C1]`.
fn property_ids(value: &str, add: &mut impl FnMut(u64)) {
    let tokens = value.split(|c: char| c == ',' || c == ';' || c.is_whitespace());
    for token in tokens {
        let token = token.trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | '@' | '#'));
        let digits = token.strip_prefix(['C', 'c']).unwrap_or(token);
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(id) = digits.parse()
        {
            add(id);
        }
    }
}

/// A tag that names a case: `C123`, `@C123`, `testrail:C123`, `testrail=C123`, `TestRail-C123`.
/// Bare numbers are not case tags (too many tags are numbers).
pub fn id_from_tag(tag: &str) -> Option<u64> {
    let tag = tag.trim().trim_start_matches('@');
    let lower = tag.to_ascii_lowercase();
    let rest = match lower.strip_prefix("testrail") {
        Some(r) => r.trim_start_matches([':', '=', '-', '_', ' ']),
        None => lower.as_str(),
    };
    let digits = rest.strip_prefix('c')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&id| id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::Outcome;

    fn ids(name: &str) -> Vec<u64> {
        CaseIdMatcher::default().case_ids(&TestExecution::new(name, Outcome::Passed))
    }

    #[test]
    fn default_rule_finds_ids_however_they_are_joined() {
        assert_eq!(ids("test_C123_x"), [123]);
        assert_eq!(ids("test_C105_C106_cart"), [105, 106]);
        assert_eq!(ids("Cart adds [C301]"), [301]);
        assert_eq!(ids("totals [C305][C306]"), [305, 306]);
        assert_eq!(ids("C303: checkout"), [303]);
        assert_eq!(ids("checkout (C12)"), [12]);
        assert_eq!(ids("price for qty C707"), [707]);
        assert_eq!(ids("tests::c1009_parses"), [1009]);
        assert_eq!(ids("C5 and C5 again"), [5]);
        assert_eq!(ids("Cart › C9 works"), [9]);
        assert_eq!(ids("testC2001LoginOk"), [2001]);
        assert_eq!(ids("TestC2107PriceForQty/C2108_qty_3"), [2107, 2108]);
        assert_eq!(ids("setUpClass (test_shop.TestC1511Orders)"), [1511]);
    }

    #[test]
    fn default_rule_ignores_ids_inside_words() {
        assert!(ids("abc123").is_empty());
        assert!(ids("C123abc").is_empty());
        assert!(ids("TC123 jira").is_empty());
        assert!(ids("C").is_empty());
        assert!(ids("C0").is_empty());
        assert!(ids("C99999999999999999999999").is_empty());
        assert!(ids("ÉC12").is_empty());
        assert!(ids("xc12").is_empty());
    }

    #[test]
    fn parameter_values_are_not_cases() {
        assert_eq!(ids("C167 qty check sku=C3"), [167]);
        assert_eq!(ids("test_price[sku = C3]"), Vec::<u64>::new());
        assert_eq!(ids("test_x[C7]"), [7]);
        assert_eq!(ids("C169 lookup by SKU C3"), [169, 3]);
    }

    fn grouped(name: &str, group: &str) -> Vec<u64> {
        let mut e = TestExecution::new(name, Outcome::Passed);
        e.enclosing = Some(group.into());
        CaseIdMatcher::default().case_ids(&e)
    }

    #[test]
    fn an_enclosing_group_hands_down_ids_written_as_words() {
        assert_eq!(grouped("applies discount", "C168 cart totals"), [168]);
        assert_eq!(grouped("uploads", "Profile › C111 avatar"), [111]);
        assert_eq!(
            grouped("rounds", "test/tax.mjs > [C242] tax rounding"),
            [242]
        );
        assert_eq!(grouped("C5 own id wins", "C168 cart totals"), [5]);
        assert!(grouped("test_delete", "test_shop.TestC109Profile").is_empty());
        assert!(grouped("works", "com.shop.C12Test").is_empty());
        assert!(grouped("works", "qty=C3").is_empty());
        let mut assertion = TestExecution::new("line 1 is positive", Outcome::Passed);
        assertion.enclosing = Some("[C242] tax".into());
        assertion.carried_by_parent = true;
        assert!(CaseIdMatcher::default().case_ids(&assertion).is_empty());
    }

    #[test]
    fn classname_is_not_searched() {
        let mut e = TestExecution::new("test_C110_delete", Outcome::Passed);
        e.classname = "test_shop.TestC109Profile".into();
        assert_eq!(CaseIdMatcher::default().case_ids(&e), [110]);
        assert_eq!(CaseIdMatcher::default().why_unmapped(&e), None);
        e.name = "test_delete".into();
        e.enclosing = Some(e.classname.clone());
        let why = CaseIdMatcher::default().why_unmapped(&e).unwrap();
        assert!(why.starts_with("C109 in 'test_shop.TestC109Profile' is inside an identifier"));
    }

    #[test]
    fn properties_and_tags() {
        let mut e = TestExecution::new("no id here", Outcome::Passed);
        e.properties
            .push(("TestRail_Case_Id".into(), "C1, C2".into()));
        e.properties.push(("test_id".into(), "3 C4".into()));
        e.properties.push(("owner".into(), "C99".into()));
        e.tagged_case_ids = vec![2, 7];
        assert_eq!(CaseIdMatcher::default().case_ids(&e), [1, 2, 3, 4, 7]);
    }

    #[test]
    fn trcli_name_and_property_matchers_look_in_one_place_each() {
        let mut e = TestExecution::new("test_C5_x", Outcome::Passed);
        e.properties.push(("test_id".into(), "C6".into()));
        e.properties.push(("case_id".into(), "C7".into()));
        assert_eq!(CaseIdMatcher::names_only(&[]).unwrap().case_ids(&e), [5]);
        assert_eq!(CaseIdMatcher::properties_only(&[]).case_ids(&e), [6]);
    }

    #[test]
    fn user_patterns_with_and_without_groups() {
        let m = CaseIdMatcher::new(&["TR-(\\d+)".into(), "#\\d+".into()], &[]).unwrap();
        let e = TestExecution::new("TR-12 fixes #34 and C5", Outcome::Passed);
        assert_eq!(m.case_ids(&e), [12, 34]);
    }

    #[test]
    fn bad_pattern_names_itself() {
        let err = CaseIdMatcher::new(&["C(\\d+".into()], &[]).unwrap_err();
        assert_eq!(err.pattern, "C(\\d+");
        assert!(
            err.to_string()
                .starts_with("invalid case pattern 'C(\\d+': ")
        );
    }

    #[test]
    fn tags() {
        assert_eq!(id_from_tag("C702"), Some(702));
        assert_eq!(id_from_tag("@C801"), Some(801));
        assert_eq!(id_from_tag("testrail:C708"), Some(708));
        assert_eq!(id_from_tag("TestRail=c9"), Some(9));
        assert_eq!(id_from_tag("smoke"), None);
        assert_eq!(id_from_tag("123"), None);
        assert_eq!(id_from_tag("C12x"), None);
    }
}
