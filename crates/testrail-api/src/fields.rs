//! Custom case and result fields (`get_case_fields`, `get_result_fields`): their typed shape and
//! the value rules TestRail applies to them. The emulator enforces these rules and the sync
//! checks against them before writing, so both read them from here and cannot drift.
//!
//! Shape (official docs): `{"id":1,"system_name":"custom_environment","name":"environment",
//! "label":"Environment","type_id":6,"configs":[{"context":{"is_global":true,"project_ids":null},
//! "id":"1","options":{"is_required":true,"items":"1, staging\n2, production",
//! "default_value":"1"}}]}`. A field applies to a project when one of its configs is global or
//! lists the project; that config's options (required, items) are the ones that count there.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::models::{Extra, Id};

/// A case or result field definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Field {
    /// Field ID (TestRail `id`).
    pub id: Id,
    /// Name without the prefix (`environment`).
    pub name: String,
    /// The key results and cases carry (`custom_environment`).
    pub system_name: String,
    /// What people see in forms and columns (`Environment`).
    pub label: String,
    /// Help text shown under the field, if any.
    pub description: Option<String>,
    /// Raw field type; see [`Field::field_type`] for the decoded form.
    pub type_id: u32,
    /// Position in forms (TestRail `display_order`).
    pub display_order: u32,
    /// Whether the field is enabled; inactive fields are neither shown nor checked.
    pub is_active: bool,
    /// Case fields: applies to every template, else only to `template_ids`.
    pub include_all: bool,
    /// Templates the field applies to when `include_all` is false.
    pub template_ids: Vec<Id>,
    /// Per-project (or global) settings; the field applies only where one of them does.
    pub configs: Vec<FieldConfig>,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One per-project (or global) configuration of a field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldConfig {
    /// TestRail sends a string (`"1"`); numbers are accepted too.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Which projects this config applies to.
    pub context: FieldContext,
    /// Required flag, default value and choices in those projects.
    pub options: FieldOptions,
}

/// Where a field config applies: everywhere, or in the listed projects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldContext {
    /// Whether the config applies to every project without its own config.
    pub is_global: bool,
    /// `null` for global configs.
    pub project_ids: Option<Vec<Id>>,
}

/// How a field behaves under one config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldOptions {
    /// Whether a case or result must carry a non-empty value (TestRail sends `true` or `1`).
    #[serde(deserialize_with = "lenient_bool")]
    pub is_required: bool,
    /// `""`, an item ID (`"1"`) or a text; TestRail's type varies by field type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// Dropdown and multi-select choices: one `ID, Label` per line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// `format`, `rows`, `has_expected`, … kept as sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One dropdown or multi-select choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldItem {
    /// The choice's ID: the value sent for the field.
    pub id: Id,
    /// The choice's text as shown in TestRail.
    pub label: String,
}

/// `type_id` decoded (docs; 11 Step Results is for result fields and unverified).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// 1: one line of text, at most [`MAX_STRING_CHARS`] characters.
    String,
    /// 2: a whole number.
    Integer,
    /// 3: multi-line text (Markdown).
    Text,
    /// 4: a URL.
    Url,
    /// 5: a boolean (`true`/`false`, also 0/1).
    Checkbox,
    /// 6: one item ID from the config's `items`.
    Dropdown,
    /// 7: a user ID.
    User,
    /// 8: a date: UNIX timestamp, `YYYY-MM-DD` or `MM/DD/YYYY`.
    Date,
    /// 9: a milestone ID.
    Milestone,
    /// 10: separated steps, a list of objects (`content`, `expected`).
    Steps,
    /// 11: per-step results of a result, a list of objects.
    StepResults,
    /// 12: a list of item IDs from the config's `items`.
    MultiSelect,
    /// A type ID this crate does not know; its values are not checked.
    Unknown(u32),
}

impl FieldType {
    /// Decodes TestRail's `type_id`; unknown IDs are kept in [`FieldType::Unknown`].
    pub fn from_id(type_id: u32) -> FieldType {
        match type_id {
            1 => FieldType::String,
            2 => FieldType::Integer,
            3 => FieldType::Text,
            4 => FieldType::Url,
            5 => FieldType::Checkbox,
            6 => FieldType::Dropdown,
            7 => FieldType::User,
            8 => FieldType::Date,
            9 => FieldType::Milestone,
            10 => FieldType::Steps,
            11 => FieldType::StepResults,
            12 => FieldType::MultiSelect,
            other => FieldType::Unknown(other),
        }
    }

    /// The name TestRail's admin pages use.
    pub fn label(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Integer => "Integer",
            FieldType::Text => "Text",
            FieldType::Url => "URL",
            FieldType::Checkbox => "Checkbox",
            FieldType::Dropdown => "Dropdown",
            FieldType::User => "User",
            FieldType::Date => "Date",
            FieldType::Milestone => "Milestone",
            FieldType::Steps => "Steps",
            FieldType::StepResults => "Step Results",
            FieldType::MultiSelect => "Multi-select",
            FieldType::Unknown(_) => "Unknown",
        }
    }

    /// Dropdown and multi-select values are item IDs from `options.items`.
    pub fn has_items(self) -> bool {
        matches!(self, FieldType::Dropdown | FieldType::MultiSelect)
    }
}

/// Longest value of a String field (`Field :x is too long (250 characters at most).`).
pub const MAX_STRING_CHARS: usize = 250;

/// Why a value does not fit a field. The emulator turns these into TestRail's texts, the sync
/// into advice; both come from [`Field::check_value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblem {
    /// A String or Text field got something that is not text (numbers count as text).
    NotString,
    /// A String field's value is longer than [`MAX_STRING_CHARS`].
    TooLong {
        /// Length of the value, in characters.
        chars: usize,
    },
    /// An Integer field got something that is not a whole number.
    NotInteger,
    /// A Checkbox field got something other than a boolean, 0 or 1.
    NotBoolean,
    /// A URL field got text that is not a URL.
    NotUrl,
    /// A Date field got something that is not a date.
    NotDate,
    /// A User, Milestone or Dropdown field (or a multi-select item) got something that is not a
    /// positive ID.
    NotId,
    /// A Multi-select, Steps or Step Results field got something that is not a list (of objects,
    /// for steps).
    NotArray,
    /// A dropdown/multi-select ID that is not one of the items.
    UnknownItem {
        /// The ID that is not among the items.
        id: Id,
    },
}

impl Field {
    /// The field's decoded `type_id`.
    pub fn field_type(&self) -> FieldType {
        FieldType::from_id(self.type_id)
    }

    /// The config that applies in a project: one listing the project wins over a global one.
    pub fn config_for(&self, project_id: Id) -> Option<&FieldConfig> {
        let listed = self.configs.iter().find(|c| {
            c.context
                .project_ids
                .as_ref()
                .is_some_and(|ids| ids.contains(&project_id))
        });
        listed.or_else(|| self.configs.iter().find(|c| c.context.is_global))
    }

    /// Case fields only apply to some templates unless `include_all`.
    pub fn applies_to_template(&self, template_id: Id) -> bool {
        self.include_all || self.template_ids.is_empty() || self.template_ids.contains(&template_id)
    }

    /// Checks a present (non-null) value against the field's type and, for dropdowns and
    /// multi-selects, against `config`'s items. Users and milestones are only checked for
    /// being IDs: whether they exist is the server's business.
    pub fn check_value(&self, config: &FieldConfig, value: &Value) -> Result<(), ValueProblem> {
        match self.field_type() {
            FieldType::String => {
                let text = as_text(value).ok_or(ValueProblem::NotString)?;
                let chars = text.chars().count();
                if chars > MAX_STRING_CHARS {
                    return Err(ValueProblem::TooLong { chars });
                }
                Ok(())
            }
            FieldType::Text => as_text(value).map(drop).ok_or(ValueProblem::NotString),
            FieldType::Integer => as_integer(value).map(drop).ok_or(ValueProblem::NotInteger),
            FieldType::Checkbox => as_bool(value).map(drop).ok_or(ValueProblem::NotBoolean),
            FieldType::Url => as_text(value)
                .filter(|t| is_url(t))
                .map(drop)
                .ok_or(ValueProblem::NotUrl),
            FieldType::Date => is_date(value).then_some(()).ok_or(ValueProblem::NotDate),
            FieldType::User | FieldType::Milestone => {
                as_id(value).map(drop).ok_or(ValueProblem::NotId)
            }
            FieldType::Dropdown => {
                let id = as_id(value).ok_or(ValueProblem::NotId)?;
                known_item(config, id)
            }
            FieldType::MultiSelect => {
                let Value::Array(values) = value else {
                    return Err(ValueProblem::NotArray);
                };
                for v in values {
                    known_item(config, as_id(v).ok_or(ValueProblem::NotId)?)?;
                }
                Ok(())
            }
            FieldType::Steps | FieldType::StepResults => match value {
                Value::Array(steps) if steps.iter().all(Value::is_object) => Ok(()),
                _ => Err(ValueProblem::NotArray),
            },
            FieldType::Unknown(_) => Ok(()),
        }
    }
}

/// A required field counts as missing when absent, `null`, blank text or an empty list.
pub fn is_missing(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

fn known_item(config: &FieldConfig, id: Id) -> Result<(), ValueProblem> {
    let items = config.options.parsed_items().unwrap_or_default();
    if items.iter().any(|i| i.id == id) {
        Ok(())
    } else {
        Err(ValueProblem::UnknownItem { id })
    }
}

impl FieldOptions {
    /// `"1, staging\n2, production"` → items; the error names the line that is not `ID, Label`.
    pub fn parsed_items(&self) -> Result<Vec<FieldItem>, String> {
        let Some(items) = &self.items else {
            return Ok(Vec::new());
        };
        items
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                line.split_once(',')
                    .and_then(|(id, label)| {
                        let id = id.trim().parse::<Id>().ok().filter(|i| *i > 0)?;
                        let label = label.trim();
                        (!label.is_empty()).then(|| FieldItem {
                            id,
                            label: label.to_owned(),
                        })
                    })
                    .ok_or_else(|| format!("{line:?} is not \"ID, Label\" (e.g. \"1, staging\")"))
            })
            .collect()
    }
}

/// Text fields take strings; numbers are accepted as their text, as PHP does.
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer, or a string holding one (as PHP accepts it).
pub fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An ID is a positive integer; digit strings are accepted as PHP does.
pub fn as_id(v: &Value) -> Option<Id> {
    match v {
        Value::Number(n) => n.as_u64().filter(|i| *i > 0),
        Value::String(s) => s.trim().parse::<Id>().ok().filter(|i| *i > 0),
        _ => None,
    }
}

/// A boolean; also 0/1 and `"0"`/`"1"`, as PHP accepts them.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if n.as_u64() == Some(0) => Some(false),
        Value::Number(n) if n.as_u64() == Some(1) => Some(true),
        Value::String(s) if s == "0" || s == "1" => Some(s == "1"),
        _ => None,
    }
}

fn is_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.trim().split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && rest.chars().next().is_some_and(|c| c != '/')
        && !rest.chars().any(char::is_whitespace)
}

/// Unverified: the date formats TestRail accepts through the API are not documented. A Unix
/// timestamp, `YYYY-MM-DD` and `M/D/YYYY` (the default US display format) are accepted.
fn is_date(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_i64().is_some_and(|t| t >= 0),
        Value::String(s) => {
            let s = s.trim();
            let nums = |sep: char| -> Option<Vec<u32>> {
                s.split(sep).map(|p| p.parse::<u32>().ok()).collect()
            };
            match (nums('-'), nums('/')) {
                (Some(p), _) if p.len() == 3 && p[0] >= 1000 => valid_ymd(p[0], p[1], p[2]),
                (_, Some(p)) if p.len() == 3 => valid_ymd(p[2], p[0], p[1]),
                _ => false,
            }
        }
        _ => false,
    }
}

fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    (1000..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

/// `true`/`false`, `0`/`1` or `"0"`/`"1"`: PHP serialises booleans either way.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    if v.is_null() {
        return Ok(false);
    }
    as_bool(&v).ok_or_else(|| serde::de::Error::custom(format!("expected true or false, got {v}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn environment() -> Field {
        serde_json::from_value(json!({
            "id": 3, "system_name": "custom_environment", "name": "environment",
            "label": "Environment", "type_id": 6, "is_active": true, "include_all": true,
            "configs": [
                {"id": "7", "context": {"is_global": false, "project_ids": [2]},
                 "options": {"is_required": true, "items": "1, staging\n2, production", "default_value": "1"}},
                {"id": 8, "context": {"is_global": true, "project_ids": null},
                 "options": {"is_required": "0", "items": "1, staging", "rows": "5"}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn the_documented_shape_reads_and_round_trips() {
        let f = environment();
        assert_eq!(f.field_type(), FieldType::Dropdown);
        assert_eq!(f.configs[1].id, "8");
        assert!(!f.configs[1].options.is_required);
        let back = serde_json::to_value(&f).unwrap();
        assert_eq!(back["configs"][1]["options"]["rows"], "5");
    }

    #[test]
    fn the_project_specific_config_wins_over_the_global_one() {
        let f = environment();
        assert!(f.config_for(2).unwrap().options.is_required);
        assert!(!f.config_for(1).unwrap().options.is_required);
        let only_two = Field {
            configs: vec![f.configs[0].clone()],
            ..f
        };
        assert!(only_two.config_for(1).is_none());
    }

    #[test]
    fn values_are_checked_by_type() {
        let f = environment();
        let c = f.config_for(2).unwrap();
        assert_eq!(f.check_value(c, &json!(2)), Ok(()));
        assert_eq!(f.check_value(c, &json!("2")), Ok(()));
        assert_eq!(
            f.check_value(c, &json!(3)),
            Err(ValueProblem::UnknownItem { id: 3 })
        );
        assert_eq!(
            f.check_value(c, &json!("production")),
            Err(ValueProblem::NotId)
        );
        let typed = |type_id| Field {
            type_id,
            ..Default::default()
        };
        let none = FieldConfig::default();
        assert_eq!(
            typed(1).check_value(&none, &json!("x".repeat(251))),
            Err(ValueProblem::TooLong { chars: 251 })
        );
        assert_eq!(typed(1).check_value(&none, &json!("é".repeat(250))), Ok(()));
        assert_eq!(
            typed(2).check_value(&none, &json!("12a")),
            Err(ValueProblem::NotInteger)
        );
        assert_eq!(
            typed(5).check_value(&none, &json!("yes")),
            Err(ValueProblem::NotBoolean)
        );
        assert_eq!(typed(4).check_value(&none, &json!("https://ci/1")), Ok(()));
        assert_eq!(
            typed(4).check_value(&none, &json!("ci/1")),
            Err(ValueProblem::NotUrl)
        );
        assert_eq!(typed(8).check_value(&none, &json!("2026-11-30")), Ok(()));
        assert_eq!(
            typed(8).check_value(&none, &json!("30.11.2026")),
            Err(ValueProblem::NotDate)
        );
        assert_eq!(
            typed(12).check_value(&none, &json!(1)),
            Err(ValueProblem::NotArray)
        );
    }

    #[test]
    fn items_parse_and_bad_lines_are_named() {
        let opts = FieldOptions {
            items: Some("1, staging\n\n2,  production ".into()),
            ..Default::default()
        };
        let items = opts.parsed_items().unwrap();
        assert_eq!(
            items[1],
            FieldItem {
                id: 2,
                label: "production".into()
            }
        );
        let bad = FieldOptions {
            items: Some("1, staging\nproduction".into()),
            ..Default::default()
        };
        assert!(bad.parsed_items().unwrap_err().contains("\"production\""));
        assert!(is_missing(Some(&json!(" "))) && is_missing(Some(&json!([]))));
        assert!(!is_missing(Some(&json!(false))));
    }
}
