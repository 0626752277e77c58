//! `--case-matcher auto`: which case field holds automation IDs, how a stored value reads back,
//! and the automation ID → case lookup. Rules follow trcli 1.15.3 (its `AutomationIdMatcher`
//! and `check_automation_id_field`), since the cases being matched are mostly ones trcli wrote.
//! Pure: the cases come from [`crate::case_index`], the tests' IDs from testrail-reports.

use std::collections::HashMap;

use serde_json::Value;
use testrail_api::models::{Extra, Field, Id};

use crate::error::SyncError;

/// The field trcli reads, under its older and its newer system name (TestRail 9.x instances
/// created with the newer "case_automation_id" system name). trcli takes the first one the
/// instance lists, and reads a case's value from either.
pub const FIELD_NAMES: [&str; 2] = ["custom_automation_id", "custom_case_automation_id"];

/// The automation ID field usable in `project_id`, as trcli picks it: the first field with one
/// of [`FIELD_NAMES`], active, and global or enabled for the project.
pub fn automation_field(fields: &[Field], project_id: Id) -> Result<String, SyncError> {
    let Some(field) = fields
        .iter()
        .find(|f| FIELD_NAMES.contains(&f.system_name.as_str()))
    else {
        return Err(field_error(
            "this TestRail instance has no case field `custom_automation_id` (nor `custom_case_automation_id`)",
        ));
    };
    if !field.is_active {
        return Err(field_error(&format!(
            "the case field `{}` exists but is not active",
            field.system_name
        )));
    }
    // trcli accepts a field without configs as usable everywhere.
    let in_project = field.configs.is_empty() || field.config_for(project_id).is_some();
    if !in_project {
        return Err(field_error(&format!(
            "the case field `{}` is not enabled for project P{project_id} (its contexts name other projects)",
            field.system_name
        )));
    }
    Ok(field.system_name.clone())
}

fn field_error(what: &str) -> SyncError {
    SyncError::Config {
        setting: "--case-matcher auto".into(),
        message: format!(
            "{what}. Matching by automation ID needs it: in TestRail go to Administration > \
             Customizations > Add Field (Cases), type String (or Text), system name \
             `automation_id`, active, and assign it to this project (or all projects); or match \
             by case IDs in test names with --case-matcher name"
        ),
    }
}

/// A case's automation ID as trcli reads it: the older field's value, else the newer one's,
/// HTML entities decoded and a rich-text `<p>…</p>` wrapper removed (TestRail 9.8+ stores text
/// fields that way). `None` when the case has none.
pub fn stored_value(extra: &Extra) -> Option<String> {
    let value = FIELD_NAMES.iter().find_map(|name| match extra.get(*name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
        _ => None,
    })?;
    let value = strip_paragraph(&unescape_html(value));
    (!value.is_empty()).then_some(value)
}

/// trcli strips one leading `<p>` and one trailing `</p>` (any case), and the whitespace
/// around them.
fn strip_paragraph(value: &str) -> String {
    let mut v = value.trim();
    if v.len() >= 3 && v[..3].eq_ignore_ascii_case("<p>") {
        v = &v[3..];
    }
    if v.len() >= 4
        && v.is_char_boundary(v.len() - 4)
        && v[v.len() - 4..].eq_ignore_ascii_case("</p>")
    {
        v = &v[..v.len() - 4];
    }
    v.trim().to_owned()
}

/// XML's entities and numeric references, plus the HTML ones TestRail's editor writes into
/// text (`&nbsp;`, dashes, quotes); anything else is left as written.
fn unescape_html(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    let html = |name: &str| match name {
        "nbsp" => Some("\u{a0}"),
        "mdash" => Some("—"),
        "ndash" => Some("–"),
        "hellip" => Some("…"),
        "lsquo" => Some("‘"),
        "rsquo" => Some("’"),
        "ldquo" => Some("“"),
        "rdquo" => Some("”"),
        other => quick_xml::escape::resolve_predefined_entity(other),
    };
    quick_xml::escape::unescape_with(value, html)
        .map(|v| v.into_owned())
        .unwrap_or_else(|_| value.to_owned())
}

/// What one automation ID finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    None,
    One(Id),
    /// Several cases carry it: which one is meant would be a guess, so none is used.
    Ambiguous(&'a [Id]),
}

/// Automation ID → case IDs, built from the suite's cases.
#[derive(Debug, Default)]
pub struct AutomationIndex {
    by_id: HashMap<String, Vec<Id>>,
}

impl AutomationIndex {
    /// From `(case ID, stored automation ID)` pairs, values already read with [`stored_value`].
    pub fn new<'a>(cases: impl IntoIterator<Item = (Id, &'a str)>) -> Self {
        let mut by_id: HashMap<String, Vec<Id>> = HashMap::new();
        for (id, value) in cases {
            let ids = by_id.entry(value.to_owned()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for ids in by_id.values_mut() {
            ids.sort_unstable();
        }
        AutomationIndex { by_id }
    }

    pub fn lookup(&self, automation_id: &str) -> Lookup<'_> {
        match self.by_id.get(automation_id.trim()).map(Vec::as_slice) {
            None | Some([]) => Lookup::None,
            Some([one]) => Lookup::One(*one),
            Some(many) => Lookup::Ambiguous(many),
        }
    }

    /// Adds a case just created for `automation_id`.
    pub fn insert(&mut self, automation_id: &str, id: Id) {
        self.by_id
            .entry(automation_id.trim().to_owned())
            .or_default()
            .push(id);
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(system_name: &str, active: bool, configs: Vec<Value>) -> Field {
        Field {
            system_name: system_name.into(),
            is_active: active,
            configs: configs
                .into_iter()
                .map(|c| serde_json::from_value(c).unwrap())
                .collect(),
            ..Field::default()
        }
    }

    #[test]
    fn the_first_listed_field_usable_in_the_project_is_picked() {
        let global = json!({"context": {"is_global": true, "project_ids": null}});
        let p7 = json!({"context": {"is_global": false, "project_ids": [7]}});
        let fields = [
            field("custom_preconds", true, vec![global.clone()]),
            field("custom_case_automation_id", true, vec![p7.clone()]),
        ];
        assert_eq!(
            automation_field(&fields, 7).unwrap(),
            "custom_case_automation_id"
        );
        let err = automation_field(&fields, 8).unwrap_err().to_string();
        assert!(
            err.contains("not enabled for project P8") && err.contains("Add Field"),
            "{err}"
        );
        let err = automation_field(&fields[..1], 7).unwrap_err().to_string();
        assert!(
            err.contains("no case field `custom_automation_id`"),
            "{err}"
        );
        let inactive = [field("custom_automation_id", false, vec![])];
        assert!(automation_field(&inactive, 7).is_err());
        let no_configs = [field("custom_automation_id", true, vec![])];
        assert_eq!(
            automation_field(&no_configs, 7).unwrap(),
            "custom_automation_id"
        );
    }

    #[test]
    fn stored_values_lose_the_rich_text_wrapper_and_entities() {
        let extra = |pairs: &[(&str, Value)]| -> Extra {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        let v = |pairs: &[(&str, Value)]| stored_value(&extra(pairs));
        assert_eq!(
            v(&[("custom_automation_id", json!("<p>a.B.test_x &amp; y</p>\n"))]).as_deref(),
            Some("a.B.test_x & y")
        );
        assert_eq!(
            v(&[
                ("custom_automation_id", json!("")),
                ("custom_case_automation_id", json!("<P>x.y</P>"))
            ])
            .as_deref(),
            Some("x.y")
        );
        assert_eq!(
            v(&[("custom_automation_id", json!("t[a&lt;b]&#39;"))]).as_deref(),
            Some("t[a<b]'")
        );
        assert_eq!(v(&[("custom_automation_id", Value::Null)]), None);
        assert_eq!(v(&[("custom_automation_id", json!("<p></p>"))]), None);
    }

    #[test]
    fn shared_automation_ids_are_ambiguous() {
        let index = AutomationIndex::new([(3, "a.x"), (1, "a.x"), (2, "a.y")]);
        assert_eq!(index.lookup("a.y"), Lookup::One(2));
        assert_eq!(index.lookup("a.x"), Lookup::Ambiguous(&[1, 3]));
        assert_eq!(index.lookup("a.z"), Lookup::None);
    }
}
