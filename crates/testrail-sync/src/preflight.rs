//! Preflight of custom fields: before the first write, check what a sync (or `cases create`)
//! would send against the fields TestRail enforces, so a required "Environment" or a wrong
//! dropdown label fails the command with exit 2 instead of failing every batch after `add_run`
//! already made a run (TestRail refuses a whole bulk request for one bad result).
//!
//! Values may be given by dropdown/multi-select label (`environment=production`) or ID; keys by
//! `system_name` (`custom_environment`) or `name` (`environment`). They leave here as TestRail
//! wants them: item IDs under the `system_name`. The type rules are `testrail_api::fields`, the
//! same ones the emulator enforces.

use std::collections::BTreeMap;

use serde_json::Value;
use testrail_api::Client;
use testrail_api::fields::{MAX_STRING_CHARS, ValueProblem, is_missing};
use testrail_api::models::{Extra, Field, FieldConfig, FieldItem, FieldType, Id, NewResult};

use crate::collect::Collected;
use crate::error::SyncError;
use crate::options::SyncOptions;

/// Which kind of field, for messages saying how to set one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A result field (`get_result_fields`), set with `--result-field`.
    Result,
    /// A case field (`get_case_fields`), set on cases this sync creates.
    Case,
}

impl FieldKind {
    fn noun(self) -> &'static str {
        match self {
            FieldKind::Result => "result field",
            FieldKind::Case => "case field",
        }
    }

    /// The flag and config lines that set a field.
    fn how_to_set(self, field: &Field, example: &str) -> String {
        let name = &field.system_name;
        match self {
            FieldKind::Result => format!(
                "set it with --result-field {name}={example}\n  \
                 or in testrail-sync.toml: [result_fields] {name} = \"{example}\"\n  \
                 or per test from a report property: --result-field-from-property {name}=PROPERTY"
            ),
            FieldKind::Case => format!("set it with --case-field {name}={example}"),
        }
    }
}

/// A field TestRail would refuse, found before anything was written.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    /// A required field gets no value.
    #[error(transparent)]
    Required(Box<MissingField>),
    /// A value does not fit its field.
    #[error(transparent)]
    Invalid(Box<InvalidValue>),
    /// A key names no field of the project.
    #[error(transparent)]
    Unknown(Box<UnknownField>),
}

/// A key no field of the project has: TestRail ignores it without a word, so a typo
/// (`custom_enviroment`) would silently leave every result without the value.
#[derive(Debug, thiserror::Error)]
#[error(
    "{kind} {key:?} (from {source_desc}) is not a {kind} of project {project_id}, so TestRail \
     would drop its value without a word\n  {kind}s there: {known}\n  \
     `testrail-sync fields --project-id {project_id}` lists them; fix the name or remove the setting"
)]
pub struct UnknownField {
    /// `result field` or `case field`.
    pub kind: &'static str,
    /// The key as given (`custom_enviroment`).
    pub key: String,
    /// Where the key came from: the flag, setting or test property.
    pub source_desc: String,
    /// The project that has no such field.
    pub project_id: Id,
    /// The project's field names of that kind, comma-separated (`none` when it has none).
    pub known: String,
}

/// A required field nothing gives a value.
#[derive(Debug, thiserror::Error)]
#[error(
    "{kind} {name} ({described}) is required in project {project_id} and {whom} gives it no \
     value, so TestRail would refuse it\n  {allowed}\n  {how}"
)]
pub struct MissingField {
    /// `result field` or `case field`.
    pub kind: &'static str,
    /// The field's system name (`custom_environment`).
    pub name: String,
    /// Its label and type, e.g. `"Environment", Dropdown`.
    pub described: String,
    /// The project where TestRail requires it.
    pub project_id: Id,
    /// "this sync" or "test NAME (file:line:col)".
    pub whom: String,
    /// What values it takes (see [`ApplicableField::allowed`]).
    pub allowed: String,
    /// The flag or setting that gives it a value, with an example.
    pub how: String,
}

/// A value that does not fit its field (unknown label, wrong type, too long).
#[derive(Debug, thiserror::Error)]
#[error(
    "{kind} {name} ({described}) from {source_desc}: {problem}{}",
    allowed_line(.problem, .allowed)
)]
pub struct InvalidValue {
    /// `result field` or `case field`.
    pub kind: &'static str,
    /// The field's system name (`custom_environment`).
    pub name: String,
    /// Its label and type, e.g. `"Environment", Dropdown`.
    pub described: String,
    /// Where the value came from: the flag, setting or test property.
    pub source_desc: String,
    /// What is wrong with the value.
    pub problem: String,
    /// What values it takes (see [`ApplicableField::allowed`]).
    pub allowed: String,
}

/// The "what it takes" line, unless the problem already said it ("is not a whole number" needs
/// no second line reading "a whole number"; an unknown label does need the list of labels).
fn allowed_line(problem: &str, allowed: &str) -> String {
    if problem.contains(allowed) {
        String::new()
    } else {
        format!("\n  {allowed}")
    }
}

impl From<FieldError> for SyncError {
    fn from(e: FieldError) -> Self {
        SyncError::Config {
            setting: "fields".into(),
            message: e.to_string(),
        }
    }
}

/// A field as it applies in one project (its config there decides required and items).
#[derive(Debug, Clone, Copy)]
pub struct ApplicableField<'a> {
    /// The field definition.
    pub field: &'a Field,
    /// Its config in this project (global or listing the project).
    pub config: &'a FieldConfig,
}

impl ApplicableField<'_> {
    /// Whether TestRail refuses a result or case without a value here.
    pub fn is_required(&self) -> bool {
        self.config.options.is_required
    }

    /// Dropdown and multi-select choices in this project; empty for other types or unparsable
    /// items.
    pub fn items(&self) -> Vec<FieldItem> {
        self.config.options.parsed_items().unwrap_or_default()
    }

    /// `"Environment", Dropdown`.
    pub fn described(&self) -> String {
        format!(
            "\"{}\", {}",
            self.field.label,
            self.field.field_type().label()
        )
    }

    /// What values it takes, for messages and the `fields` listing.
    pub fn allowed(&self) -> String {
        let labels = || {
            self.items()
                .iter()
                .map(|i| format!("{} ({})", i.label, i.id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.field.field_type() {
            FieldType::Dropdown => format!("allowed values: {}", labels()),
            FieldType::MultiSelect => format!("allowed values (one or more): {}", labels()),
            FieldType::String => format!("a text of at most {MAX_STRING_CHARS} characters"),
            FieldType::Text => "any text".into(),
            FieldType::Integer => "a whole number".into(),
            FieldType::Checkbox => "true or false".into(),
            FieldType::Url => "a URL such as https://ci.example.com/build/42".into(),
            FieldType::Date => "a date such as 2026-11-30".into(),
            FieldType::User => "a TestRail user ID".into(),
            FieldType::Milestone => "a milestone ID".into(),
            FieldType::Steps | FieldType::StepResults => "a list of steps".into(),
            FieldType::Unknown(_) => "a value of a type this tool does not know".into(),
        }
    }

    fn example(&self) -> String {
        match self.field.field_type() {
            FieldType::Dropdown | FieldType::MultiSelect => self
                .items()
                .last()
                .map_or_else(|| "VALUE".into(), |i| i.label.clone()),
            FieldType::Integer | FieldType::User | FieldType::Milestone => "1".into(),
            FieldType::Checkbox => "true".into(),
            FieldType::Url => "https://ci.example.com/build/42".into(),
            FieldType::Date => "2026-11-30".into(),
            _ => "VALUE".into(),
        }
    }
}

/// The fields that apply in one project, and the rules to turn given values into sendable ones.
#[derive(Debug, Clone)]
pub struct FieldRules<'a> {
    /// Result or case fields.
    pub kind: FieldKind,
    /// The project the rules are for.
    pub project_id: Id,
    /// Active fields with a config for the project, in TestRail's order.
    pub fields: Vec<ApplicableField<'a>>,
}

impl<'a> FieldRules<'a> {
    /// Active fields with a config for this project (global, or listing it).
    pub fn for_project(kind: FieldKind, fields: &'a [Field], project_id: Id) -> Self {
        let fields = fields
            .iter()
            .filter(|f| f.is_active)
            .filter_map(|field| {
                field
                    .config_for(project_id)
                    .map(|config| ApplicableField { field, config })
            })
            .collect();
        FieldRules {
            kind,
            project_id,
            fields,
        }
    }

    /// Case fields also depend on the case's template.
    pub fn for_template(mut self, template_id: Id) -> Self {
        self.fields
            .retain(|f| f.field.applies_to_template(template_id));
        self
    }

    /// By `system_name` or by `name` (`environment` for `custom_environment`).
    pub fn find(&self, key: &str) -> Option<ApplicableField<'a>> {
        let key = key.trim();
        self.fields
            .iter()
            .find(|f| f.field.system_name == key)
            .or_else(|| self.fields.iter().find(|f| f.field.name == key))
            .copied()
    }

    /// Required fields that `values` (keys as given) leave without a value.
    pub fn missing_required(&self, values: &Extra) -> Vec<ApplicableField<'a>> {
        self.fields
            .iter()
            .filter(|f| f.is_required())
            .filter(|f| {
                let given = values
                    .iter()
                    .find(|(k, _)| self.find(k).is_some_and(|g| g.field.id == f.field.id));
                is_missing(given.map(|(_, v)| v))
            })
            .copied()
            .collect()
    }

    /// Turns every value into what TestRail takes (labels → IDs, keys → `system_name`) and
    /// checks its type; keys no field of this project defines are passed on as given.
    /// `source_of(key)` says where a value came from, for the message.
    pub fn resolve_all(
        &self,
        values: &Extra,
        source_of: &dyn Fn(&str) -> String,
    ) -> Result<Extra, FieldError> {
        let mut out = Extra::new();
        for (key, value) in values {
            match self.find(key) {
                Some(f) => {
                    let invalid = |problem| {
                        FieldError::Invalid(Box::new(InvalidValue {
                            kind: self.kind.noun(),
                            name: f.field.system_name.clone(),
                            described: f.described(),
                            source_desc: source_of(key),
                            problem,
                            allowed: f.allowed(),
                        }))
                    };
                    let sendable = resolve_value(&f, value).map_err(invalid)?;
                    out.insert(f.field.system_name.clone(), sendable);
                }
                None => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(out)
    }

    /// The error for a required field nobody gives; `whom` is "this sync" or a test.
    pub fn required_error(&self, f: &ApplicableField, whom: String) -> FieldError {
        FieldError::Required(Box::new(MissingField {
            kind: self.kind.noun(),
            name: f.field.system_name.clone(),
            described: f.described(),
            project_id: self.project_id,
            whom,
            allowed: f.allowed(),
            how: self.kind.how_to_set(f.field, &f.example()),
        }))
    }

    /// Resolves `values` and requires every required field: the check `cases create` (and
    /// `report --create-cases`) runs on each new case's custom fields before the first write.
    pub fn prepare(&self, values: &Extra, whom: &str) -> Result<Extra, FieldError> {
        let resolved = self.resolve_all(values, &|key| format!("{key} given for {whom}"))?;
        if let Some(f) = self.missing_required(&resolved).first() {
            return Err(self.required_error(f, whom.to_owned()));
        }
        Ok(resolved)
    }
}

/// One value as given (a label, an ID, text from a flag) → the JSON TestRail takes.
fn resolve_value(f: &ApplicableField, value: &Value) -> Result<Value, String> {
    let ty = f.field.field_type();
    let sendable = match ty {
        FieldType::Dropdown => item_id(f, value)?,
        FieldType::MultiSelect => {
            let parts: Vec<Value> = match value {
                Value::Array(a) => a.clone(),
                Value::String(s) => s
                    .split(',')
                    .map(|p| Value::String(p.trim().to_owned()))
                    .filter(|p| p.as_str() != Some(""))
                    .collect(),
                other => vec![other.clone()],
            };
            Value::Array(
                parts
                    .iter()
                    .map(|p| item_id(f, p))
                    .collect::<Result<_, _>>()?,
            )
        }
        // Flags and TOML give `123` or `true` as JSON numbers/booleans; text fields want text.
        FieldType::String | FieldType::Text | FieldType::Url => match value {
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            other => other.clone(),
        },
        FieldType::Checkbox => match value.as_str().map(str::trim) {
            Some("true" | "yes") => Value::Bool(true),
            Some("false" | "no") => Value::Bool(false),
            _ => value.clone(),
        },
        FieldType::Integer | FieldType::User | FieldType::Milestone => {
            match testrail_api::fields::as_integer(value) {
                Some(n) => Value::from(n),
                None => value.clone(),
            }
        }
        _ => value.clone(),
    };
    f.field
        .check_value(f.config, &sendable)
        .map_err(|p| problem_text(&p, value))?;
    Ok(sendable)
}

/// A dropdown choice by ID (`2`, `"2"`) or by label (`production`, any case).
fn item_id(f: &ApplicableField, value: &Value) -> Result<Value, String> {
    let items = f.items();
    if let Some(id) = testrail_api::fields::as_id(value)
        && items.iter().any(|i| i.id == id)
    {
        return Ok(Value::from(id));
    }
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    items
        .iter()
        .find(|i| i.label.eq_ignore_ascii_case(&text))
        .map(|i| Value::from(i.id))
        .ok_or_else(|| format!("{text:?} is neither a label nor an ID of this field"))
}

fn problem_text(p: &ValueProblem, given: &Value) -> String {
    match p {
        ValueProblem::TooLong { chars } => {
            format!("{chars} characters is longer than the {MAX_STRING_CHARS} TestRail allows")
        }
        ValueProblem::NotString => format!("{given} is not text"),
        ValueProblem::NotInteger => format!("{given} is not a whole number"),
        ValueProblem::NotBoolean => format!("{given} is not true or false"),
        ValueProblem::NotUrl => format!("{given} is not a URL"),
        ValueProblem::NotDate => format!("{given} is not a date"),
        ValueProblem::NotId => format!("{given} is not an ID"),
        ValueProblem::NotArray => format!("{given} is not a list"),
        ValueProblem::UnknownItem { id } => format!("{id} is not one of its IDs"),
    }
}

/// The check before creating cases (`cases create`, `report --create-cases`): `values` as the
/// user gave them (labels, `name` keys) → the custom fields to send with every new case, or why
/// TestRail would refuse it. `template_id` is the template the new cases get (1 when unset).
pub fn prepare_case_fields(
    case_fields: &[Field],
    project_id: Id,
    template_id: Id,
    values: &Extra,
) -> Result<Extra, FieldError> {
    FieldRules::for_project(FieldKind::Case, case_fields, project_id)
        .for_template(template_id)
        .prepare(values, "every new case")
}

/// Reads the case fields and the project's default template, then [`prepare_case_fields`]:
/// the custom fields to send with every new case, or a `Config` error (exit 2) before any
/// case is created. `given` holds the values as the user wrote them.
pub async fn new_case_fields(
    client: &Client,
    project_id: Id,
    given: &Extra,
) -> Result<Extra, SyncError> {
    let case_fields = async {
        client
            .get_case_fields()
            .await
            .map_err(|e| SyncError::api("reading case fields (get_case_fields)", e))
    };
    let templates = async {
        client
            .get_templates(project_id)
            .await
            .map_err(|e| SyncError::api("reading templates (get_templates)", e))
    };
    let (fields, templates) = tokio::try_join!(case_fields, templates)?;
    // New cases get the default template when none is sent.
    let template_id = templates.iter().find(|t| t.is_default).map_or(1, |t| t.id);
    Ok(prepare_case_fields(
        &fields,
        project_id,
        template_id,
        given,
    )?)
}

/// Reads the result fields and keeps those of the project (for `doctor` and `fields`).
pub async fn result_fields_of_project(
    client: &Client,
    project_id: Id,
) -> Result<Vec<Field>, SyncError> {
    let all = client
        .get_result_fields()
        .await
        .map_err(|e| SyncError::api("reading result fields (get_result_fields)", e))?;
    Ok(all
        .into_iter()
        .filter(|f| f.is_active && f.config_for(project_id).is_some())
        .collect())
}

/// For `doctor`: the required result fields of a project that `given` (the configured
/// `result_fields`, keys as the user wrote them) leaves without a value, each as a message.
pub fn missing_required_result_fields(
    fields: &[Field],
    project_id: Id,
    given: &Extra,
    from_properties: &BTreeMap<String, String>,
) -> Vec<String> {
    let rules = FieldRules::for_project(FieldKind::Result, fields, project_id);
    let mut values = given.clone();
    for field in from_properties.keys() {
        values
            .entry(field.clone())
            .or_insert(Value::String("(from a report property)".into()));
    }
    rules
        .missing_required(&values)
        .iter()
        .map(|f| {
            rules
                .required_error(f, "the configuration".into())
                .to_string()
        })
        .collect()
}

/// For `doctor`: configured values (`result_fields`, keys as written) that do not fit their field
/// in this project (unknown label, wrong type, too long), each as a message.
pub fn invalid_result_field_values(fields: &[Field], project_id: Id, given: &Extra) -> Vec<String> {
    let rules = FieldRules::for_project(FieldKind::Result, fields, project_id);
    given
        .iter()
        .filter_map(|(key, value)| {
            let one = Extra::from([(key.clone(), value.clone())]);
            rules
                .resolve_all(&one, &|k| format!("the configuration's {k}"))
                .err()
                .map(|e| e.to_string())
        })
        .collect()
}

/// The sync's preflight: rewrites every planned result's custom fields into sendable values and
/// fails, before any write, when one would be refused. Runs after the reads, before `add_run`.
pub fn check_results(
    fields: &[Field],
    project_id: Id,
    results: &mut [NewResult],
    collected: &Collected,
    options: &SyncOptions,
) -> Result<(), FieldError> {
    let rules = FieldRules::for_project(FieldKind::Result, fields, project_id);
    refuse_unknown_keys(&rules, options)?;
    for result in results.iter_mut() {
        let case_id = result.case_id.unwrap_or_default();
        let executions = collected.cases.get(&case_id);
        let test = || {
            executions.and_then(|e| e.kept.first()).map_or_else(
                || format!("case C{case_id}"),
                |b| format!("test {:?} ({}) for C{case_id}", b.name, b.location),
            )
        };
        let from_property = |key: &str| {
            executions.is_some_and(|e| e.field_values.contains_key(key))
                && options.result_field_properties.contains_key(key)
        };
        let source_of = |key: &str| {
            if from_property(key) {
                format!(
                    "report property {:?} of {}",
                    options.result_field_properties[key],
                    test()
                )
            } else {
                format!("--result-field / [result_fields] {key}")
            }
        };
        result.custom = rules.resolve_all(&result.custom, &source_of)?;
        if let Some(f) = rules.missing_required(&result.custom).first() {
            let whom = if options
                .result_field_properties
                .keys()
                .any(|k| rules.find(k).is_some_and(|g| g.field.id == f.field.id))
            {
                format!("{} (it has no such report property)", test())
            } else {
                "this sync".to_owned()
            };
            return Err(rules.required_error(f, whom));
        }
    }
    Ok(())
}

/// Every key `--result-field`, `[result_fields]` and `--result-field-from-property` name must be
/// a result field of the project (by `system_name` or `name`).
fn refuse_unknown_keys(rules: &FieldRules, options: &SyncOptions) -> Result<(), FieldError> {
    let given = options
        .result_fields
        .keys()
        .map(|k| (k, "--result-field / [result_fields]"))
        .chain(options.result_field_properties.keys().map(|k| {
            (
                k,
                "--result-field-from-property / [result_field_properties]",
            )
        }));
    for (key, source) in given {
        if rules.find(key).is_none() {
            let known: Vec<String> = rules
                .fields
                .iter()
                .map(|f| format!("{} ({})", f.field.system_name, f.field.label))
                .collect();
            return Err(FieldError::Unknown(Box::new(UnknownField {
                kind: rules.kind.noun(),
                key: key.clone(),
                source_desc: source.to_owned(),
                project_id: rules.project_id,
                known: if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                },
            })));
        }
    }
    Ok(())
}

/// `--dry-run` lines: each custom field and the values it would send, with labels.
pub fn describe(fields: &[Field], project_id: Id, results: &[NewResult]) -> Vec<String> {
    let rules = FieldRules::for_project(FieldKind::Result, fields, project_id);
    let mut seen: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    for r in results {
        for (key, value) in &r.custom {
            let shown = match rules.find(key) {
                Some(f) => with_labels(&f, value),
                None => value.to_string(),
            };
            *seen.entry(key).or_default().entry(shown).or_default() += 1;
        }
    }
    seen.into_iter()
        .map(|(key, values)| {
            if values.len() == 1 && values.values().next() == Some(&results.len()) {
                let value = values.keys().next().expect("one");
                format!("result field {key} = {value} on every result")
            } else {
                let listed: Vec<String> = values.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
                format!("result field {key}: {}", listed.join(", "))
            }
        })
        .collect()
}

/// `2 ("production")`, `[1, 3] ("Linux", "Windows")`.
fn with_labels(f: &ApplicableField, value: &Value) -> String {
    let items = f.items();
    let label = |v: &Value| {
        testrail_api::fields::as_id(v)
            .and_then(|id| items.iter().find(|i| i.id == id))
            .map(|i| format!("{:?}", i.label))
    };
    let labels: Vec<String> = match value {
        Value::Array(a) => a.iter().filter_map(label).collect(),
        v => label(v).into_iter().collect(),
    };
    if labels.is_empty() {
        value.to_string()
    } else {
        format!("{value} ({})", labels.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_type_problem_is_not_said_twice_but_labels_are_listed() {
        assert_eq!(
            allowed_line("\"abc\" is not a whole number", "a whole number"),
            ""
        );
        assert_eq!(
            allowed_line("no item \"prod\"", "allowed values: staging (1)"),
            "\n  allowed values: staging (1)"
        );
    }

    fn fields() -> Vec<Field> {
        serde_json::from_value(json!([
            {"id": 1, "system_name": "custom_environment", "name": "environment",
             "label": "Environment", "type_id": 6, "is_active": true,
             "configs": [{"id": "1", "context": {"is_global": false, "project_ids": [1]},
                          "options": {"is_required": true, "items": "1, staging\n2, production"}}]},
            {"id": 2, "system_name": "custom_platforms", "name": "platforms",
             "label": "Platforms", "type_id": 12, "is_active": true,
             "configs": [{"id": "2", "context": {"is_global": true},
                          "options": {"items": "1, Linux\n2, macOS\n3, Windows"}}]},
            {"id": 3, "system_name": "custom_build", "name": "build",
             "label": "Build", "type_id": 1, "is_active": true,
             "configs": [{"id": "3", "context": {"is_global": true}, "options": {}}]}
        ]))
        .unwrap()
    }

    fn given(pairs: &[(&str, Value)]) -> Extra {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn labels_and_names_become_ids_and_system_names() {
        let f = fields();
        let rules = FieldRules::for_project(FieldKind::Result, &f, 1);
        let out = rules
            .prepare(
                &given(&[
                    ("environment", json!("Production")),
                    ("custom_platforms", json!("Linux, 3")),
                    ("custom_build", json!(123)),
                    ("custom_unknown", json!("kept")),
                ]),
                "this sync",
            )
            .unwrap();
        assert_eq!(out["custom_environment"], json!(2));
        assert_eq!(out["custom_platforms"], json!([1, 3]));
        assert_eq!(out["custom_build"], json!("123"));
        assert_eq!(out["custom_unknown"], json!("kept"));
    }

    #[test]
    fn a_missing_required_field_names_label_type_values_and_the_flag() {
        let f = fields();
        let rules = FieldRules::for_project(FieldKind::Result, &f, 1);
        let err = rules
            .prepare(&Extra::new(), "this sync")
            .unwrap_err()
            .to_string();
        for part in [
            "custom_environment",
            "\"Environment\", Dropdown",
            "staging (1), production (2)",
            "--result-field custom_environment=production",
            "[result_fields]",
        ] {
            assert!(err.contains(part), "{part:?} missing from: {err}");
        }
        // Project 2 has no config for it: nothing is required there.
        let other = FieldRules::for_project(FieldKind::Result, &f, 2);
        assert!(other.prepare(&Extra::new(), "this sync").is_ok());
    }

    #[test]
    fn unknown_labels_and_long_strings_are_refused_with_the_choices() {
        let f = fields();
        let rules = FieldRules::for_project(FieldKind::Result, &f, 1);
        let err = rules
            .prepare(
                &given(&[("custom_environment", json!("prod"))]),
                "this sync",
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"prod\" is neither a label nor an ID"),
            "{err}"
        );
        assert!(err.contains("staging (1), production (2)"), "{err}");
        let err = rules
            .prepare(
                &given(&[
                    ("custom_environment", json!(1)),
                    ("custom_build", json!("x".repeat(300))),
                ]),
                "this sync",
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("300 characters"), "{err}");
    }

    #[test]
    fn doctor_lists_what_the_configuration_leaves_missing() {
        let f = fields();
        let missing = missing_required_result_fields(&f, 1, &Extra::new(), &BTreeMap::new());
        assert_eq!(missing.len(), 1);
        assert!(missing[0].contains("custom_environment"));
        let by_property = BTreeMap::from([("environment".to_owned(), "env".to_owned())]);
        assert!(missing_required_result_fields(&f, 1, &Extra::new(), &by_property).is_empty());
        let bad = given(&[
            ("environment", json!("prod")),
            ("custom_build", json!("ok")),
        ]);
        let invalid = invalid_result_field_values(&f, 1, &bad);
        assert_eq!(invalid.len(), 1);
        assert!(invalid[0].contains("\"prod\""), "{invalid:?}");
    }

    #[test]
    fn dry_run_lines_show_ids_with_their_labels() {
        let f = fields();
        let r = |env: u64| NewResult {
            custom: given(&[("custom_environment", json!(env))]),
            ..Default::default()
        };
        assert_eq!(
            describe(&f, 1, &[r(2), r(2)]),
            ["result field custom_environment = 2 (\"production\") on every result"]
        );
        assert_eq!(
            describe(&f, 1, &[r(1), r(2)]),
            ["result field custom_environment: 1 (\"staging\") ×1, 2 (\"production\") ×1"]
        );
    }
}
