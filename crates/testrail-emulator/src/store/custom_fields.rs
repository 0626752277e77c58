//! Custom case and result fields: the instance's catalogue (built-ins plus the fixture's) and
//! the checks `add_result*`, `add_results*`, `add_case` and `update_case` run on `custom_*` keys.
//!
//! The catalogue is instance configuration, not data: it is not persisted, it comes from the
//! fixture at every start (so a `--db` file keeps working when the fixture's fields change).
//!
//! Texts: `Field :custom_x is a required field.` (no `:results.` prefix, even in bulk adds) and
//! `Field :custom_x is too long (250 characters at most).` are verbatim from real servers
//! (testrail-observed §3.14, §3.15). The wrong-type texts are TestRail's language templates whose
//! use on these endpoints is inferred (§3.16): UNVERIFIED.

use std::collections::BTreeSet;

use serde_json::Value;
use testrail_api::fields::{ValueProblem, is_missing};
use testrail_api::models::{Extra, Field, FieldConfig, FieldType, Id};

use super::{State, case_fields, result_fields};
use crate::error::{ApiError, ApiResult};

/// The fields `get_case_fields` / `get_result_fields` answer with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldCatalog {
    /// Case fields (`get_case_fields`).
    pub case: Vec<Field>,
    /// Result fields (`get_result_fields`).
    pub result: Vec<Field>,
    /// Store Text case fields as rich text (`<p>…</p>`), as TestRail 9.8+ does.
    pub rich_text: bool,
}

impl FieldCatalog {
    /// A default instance's fields.
    pub fn builtin() -> Self {
        FieldCatalog {
            case: case_fields(),
            result: result_fields(),
            rich_text: false,
        }
    }

    /// Adds a fixture's fields (same `system_name` replaces a built-in); the error says which
    /// field is malformed and how.
    pub fn add(
        &mut self,
        case: &[Field],
        result: &[Field],
        projects: &BTreeSet<Id>,
    ) -> Result<(), String> {
        for (kind, list, target) in [
            ("case field", case, &mut self.case),
            ("result field", result, &mut self.result),
        ] {
            let mut seen = BTreeSet::new();
            for f in list {
                let f = normalized(f).map_err(|e| format!("{kind} {:?}: {e}", f.system_name))?;
                validate(&f, projects).map_err(|e| format!("{kind} {:?}: {e}", f.system_name))?;
                if !seen.insert(f.system_name.clone()) {
                    return Err(format!("{kind} {:?} is defined twice", f.system_name));
                }
                target.retain(|old| old.system_name != f.system_name);
                target.push(f);
            }
        }
        self.number();
        Ok(())
    }

    /// Gives fields without an ID the next free one (case and result fields share IDs).
    fn number(&mut self) {
        let mut next = self
            .case
            .iter()
            .chain(&self.result)
            .map(|f| f.id)
            .max()
            .unwrap_or(0)
            + 1;
        for f in self.case.iter_mut().chain(self.result.iter_mut()) {
            if f.id == 0 {
                f.id = next;
                next += 1;
            }
            if f.display_order == 0 {
                f.display_order = f.id as u32;
            }
            for (i, c) in f.configs.iter_mut().enumerate() {
                if c.id.is_empty() {
                    c.id = format!("{}{}", f.id, i + 1);
                }
            }
        }
    }
}

/// A field type as `add_case_field` takes it: its name (`"String"`, `"Dropdown"`, …, as the
/// docs list them) or its type ID 1–12.
pub fn field_type_id(v: &Value) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "string",
        "integer",
        "text",
        "url",
        "checkbox",
        "dropdown",
        "user",
        "date",
        "milestone",
        "steps",
        "step results",
        "multi-select",
    ];
    match v {
        Value::Number(n) => n
            .as_u64()
            .filter(|i| (1..=12).contains(i))
            .map(|i| i as u32),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let s = if s == "multiselect" {
                "multi-select".to_owned()
            } else {
                s
            };
            NAMES
                .iter()
                .position(|n| *n == s)
                .map(|i| i as u32 + 1)
                .or_else(|| s.parse().ok().filter(|i| (1..=12).contains(i)))
        }
        _ => None,
    }
}

impl State {
    /// Adds a case field to the catalogue (`add_case_field`); a name already in use, or one
    /// TestRail would not take, is a 400 naming the problem (UNVERIFIED texts).
    pub fn add_case_field(&mut self, field: Field) -> ApiResult<Field> {
        let system_name = format!("custom_{}", field.name);
        let taken = |list: &[Field]| list.iter().any(|f| f.system_name == system_name);
        if taken(&self.custom_fields.case) || taken(&self.custom_fields.result) {
            return Err(ApiError::bad(format!(
                "Field 'name' is already in use by another custom field ({system_name})."
            )));
        }
        let projects: BTreeSet<Id> = self.projects.keys().copied().collect();
        self.custom_fields
            .add(&[field], &[], &projects)
            .map_err(|e| ApiError::bad(format!("Invalid custom field: {e}.")))?;
        let added = self
            .custom_fields
            .case
            .iter()
            .find(|f| f.system_name == system_name)
            .cloned()
            .expect("just added");
        Ok(added)
    }
}

/// Fills what a fixture may leave out: `name` from `system_name`, `label` from `name`, a global
/// optional config when there is none.
fn normalized(f: &Field) -> Result<Field, String> {
    let mut f = f.clone();
    if f.system_name.is_empty() && !f.name.is_empty() {
        f.system_name = format!("custom_{}", f.name);
    }
    let Some(bare) = f.system_name.strip_prefix("custom_") else {
        return Err("system_name must start with \"custom_\" (e.g. \"custom_environment\")".into());
    };
    if bare.is_empty()
        || !bare
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err("system_name may only hold a-z, 0-9 and _ after \"custom_\"".into());
    }
    if f.name.is_empty() {
        f.name = bare.to_owned();
    }
    if f.label.is_empty() {
        f.label = f.name.clone();
    }
    if f.configs.is_empty() {
        f.configs.push(FieldConfig {
            context: testrail_api::models::FieldContext {
                is_global: true,
                project_ids: None,
            },
            ..Default::default()
        });
    }
    f.is_active = true;
    Ok(f)
}

fn validate(f: &Field, projects: &BTreeSet<Id>) -> Result<(), String> {
    let ty = f.field_type();
    if let FieldType::Unknown(t) = ty {
        return Err(format!(
            "type_id {t} is not a TestRail field type (1 String, 2 Integer, 3 Text, 4 URL, \
             5 Checkbox, 6 Dropdown, 7 User, 8 Date, 9 Milestone, 10 Steps, 11 Step Results, \
             12 Multi-select)"
        ));
    }
    for (i, c) in f.configs.iter().enumerate() {
        let at = format!("configs[{i}]");
        let listed = c.context.project_ids.as_deref().unwrap_or_default();
        if !c.context.is_global && listed.is_empty() {
            return Err(format!(
                "{at}.context applies to no project: set \"is_global\": true or list \"project_ids\""
            ));
        }
        if let Some(p) = listed.iter().find(|p| !projects.contains(p)) {
            return Err(format!("{at}.context.project_ids: unknown project {p}"));
        }
        let items = c
            .options
            .parsed_items()
            .map_err(|e| format!("{at}.options.items: {e}"))?;
        if ty.has_items() && items.is_empty() {
            return Err(format!(
                "{at}.options.items: a {} needs items like \"1, staging\\n2, production\"",
                ty.label()
            ));
        }
        let mut ids = BTreeSet::new();
        if let Some(dup) = items.iter().find(|i| !ids.insert(i.id)) {
            return Err(format!("{at}.options.items: ID {} is used twice", dup.id));
        }
        if let Some(d) = &c.options.default_value
            && !is_missing(Some(d))
            && ty == FieldType::Dropdown
            && f.check_value(c, d).is_err()
        {
            return Err(format!(
                "{at}.options.default_value {d} is not one of the item IDs"
            ));
        }
    }
    Ok(())
}

/// TestRail's text for a value that does not fit its field.
fn problem_text(name: &str, problem: &ValueProblem, config: &FieldConfig) -> String {
    match problem {
        ValueProblem::TooLong { .. } => {
            format!("Field :{name} is too long (250 characters at most).")
        }
        ValueProblem::NotString => format!("Field :{name} is not a valid string."),
        ValueProblem::NotInteger => format!("Field :{name} is not a valid integer."),
        ValueProblem::NotBoolean => format!("Field :{name} is not a valid boolean."),
        ValueProblem::NotUrl => format!("Field :{name} is not a valid URL."),
        ValueProblem::NotDate => format!("Field :{name} is not in a valid date format."),
        ValueProblem::NotId => format!("Field :{name} is not a valid ID."),
        ValueProblem::NotArray => format!("Field :{name} is not a valid array."),
        ValueProblem::UnknownItem { .. } => {
            // UNVERIFIED: what TestRail puts in `{1}` of this template is not known; the IDs.
            let ids: Vec<String> = config
                .options
                .parsed_items()
                .unwrap_or_default()
                .iter()
                .map(|i| i.id.to_string())
                .collect();
            format!(
                "Field :{name} is invalid option (available options {}).",
                ids.join(", ")
            )
        }
    }
}

impl State {
    /// Checks the `custom_*` keys of one result (or new case when `creating`) against the fields
    /// that apply in this project and template. Keys no field defines are ignored, as TestRail
    /// ignores unknown keys.
    pub fn check_custom_values(
        &self,
        fields: &[Field],
        project_id: Id,
        template_id: Id,
        values: &Extra,
        enforce_required: bool,
    ) -> ApiResult<()> {
        for f in fields.iter().filter(|f| f.is_active) {
            let Some(config) = f.config_for(project_id) else {
                continue;
            };
            if !f.applies_to_template(template_id) {
                continue;
            }
            let value = values.get(&f.system_name);
            if is_missing(value) {
                if enforce_required && config.options.is_required {
                    return Err(ApiError::required(&f.system_name));
                }
                continue;
            }
            let value = value.expect("present");
            f.check_value(config, value)
                .map_err(|p| ApiError::bad(problem_text(&f.system_name, &p, config)))?;
            self.check_reference(f, value)?;
        }
        Ok(())
    }

    /// User and milestone fields must name ones that exist (text pattern: UNVERIFIED).
    fn check_reference(&self, f: &Field, value: &Value) -> ApiResult<()> {
        let id = testrail_api::fields::as_id(value).unwrap_or_default();
        match f.field_type() {
            FieldType::User if !self.user_exists(id) => {
                Err(ApiError::not_valid(&f.system_name, "user"))
            }
            FieldType::Milestone if !self.milestones.contains_key(&id) => {
                Err(ApiError::not_valid(&f.system_name, "milestone"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(v: Value) -> Field {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn malformed_fixture_fields_are_named_with_the_fix() {
        let projects = BTreeSet::from([1]);
        let cases = [
            (
                json!({"system_name": "environment", "type_id": 6}),
                "must start with \"custom_\"",
            ),
            (
                json!({"system_name": "custom_env", "type_id": 6}),
                "needs items like",
            ),
            (
                json!({"system_name": "custom_env", "type_id": 6, "configs": [{"context": {"is_global": true},
                  "options": {"items": "1, a\nstaging"}}]}),
                "\"staging\" is not \"ID, Label\"",
            ),
            (
                json!({"system_name": "custom_env", "type_id": 42}),
                "type_id 42 is not a TestRail field type",
            ),
            (
                json!({"system_name": "custom_env", "type_id": 1, "configs": [{"context": {"is_global": false, "project_ids": [9]}}]}),
                "unknown project 9",
            ),
        ];
        for (bad, expected) in cases {
            let err = FieldCatalog::builtin()
                .add(&[], &[field(bad.clone())], &projects)
                .unwrap_err();
            assert!(err.contains(expected), "{bad}: {err}");
            assert!(err.starts_with("result field"), "{err}");
        }
    }

    #[test]
    fn fixture_fields_get_ids_and_replace_builtins_by_system_name() {
        let mut cat = FieldCatalog::builtin();
        let before = cat.case.len();
        cat.add(
            &[field(
                json!({"system_name": "custom_automation_id", "type_id": 1, "label": "Auto"}),
            )],
            &[field(json!({"system_name": "custom_build", "type_id": 2}))],
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(cat.case.len(), before);
        let build = cat.result.last().unwrap();
        assert!(build.id > 6 && build.label == "build" && build.configs[0].context.is_global);
    }
}
