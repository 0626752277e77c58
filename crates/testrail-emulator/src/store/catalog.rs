//! Fixed TestRail catalogues: system statuses, priorities, case types, templates and fields.

use serde_json::json;
use testrail_api::models::{
    CaseType, Field, FieldConfig, FieldContext, FieldOptions, Id, Priority, Status, Template,
};

fn status(id: Id, name: &str, label: &str, colors: (u32, u32, u32), is_final: bool) -> Status {
    Status {
        id,
        name: name.into(),
        label: label.into(),
        color_dark: colors.0,
        color_medium: colors.1,
        color_bright: colors.2,
        is_system: true,
        is_untested: id == 3,
        is_final,
    }
}

/// The five statuses every TestRail instance has (IDs 1..5).
pub fn system_statuses() -> Vec<Status> {
    vec![
        status(1, "passed", "Passed", (6667107, 9820525, 12709313), true),
        status(2, "blocked", "Blocked", (9474192, 13684944, 14737632), true),
        status(
            3,
            "untested",
            "Untested",
            (11579568, 15395562, 15790320),
            false,
        ),
        status(4, "retest", "Retest", (13026868, 15593088, 16448182), false),
        status(5, "failed", "Failed", (14250867, 15829135, 16631751), true),
    ]
}

/// A custom status (IDs 6..12 are `custom_status1..7`).
pub fn custom_status(id: Id, name: &str, label: &str) -> Status {
    Status {
        id,
        name: name.into(),
        label: label.into(),
        color_dark: 0,
        color_medium: 10526880,
        color_bright: 13684944,
        is_system: false,
        is_untested: false,
        is_final: true,
    }
}

pub fn priorities() -> Vec<Priority> {
    let p = |id: Id, name: &str, is_default| Priority {
        id,
        name: format!("{id} - {name}"),
        short_name: name.into(),
        priority: id as u32,
        is_default,
    };
    vec![
        p(1, "Low", false),
        p(2, "Medium", true),
        p(3, "High", false),
        p(4, "Critical", false),
    ]
}

pub fn case_types() -> Vec<CaseType> {
    let names = [
        "Acceptance",
        "Accessibility",
        "Automated",
        "Compatibility",
        "Destructive",
        "Functional",
        "Other",
        "Performance",
        "Regression",
        "Security",
        "Smoke & Sanity",
        "Usability",
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, n)| CaseType {
            id: i as Id + 1,
            name: (*n).into(),
            is_default: *n == "Other",
        })
        .collect()
}

pub fn templates() -> Vec<Template> {
    let t = |id, name: &str| Template {
        id,
        name: name.into(),
        is_default: id == 1,
    };
    vec![
        t(1, "Test Case (Text)"),
        t(2, "Test Case (Steps)"),
        t(3, "Exploratory Session"),
    ]
}

fn field(id: Id, system: &str, label: &str, type_id: u32) -> Field {
    Field {
        id,
        name: system.trim_start_matches("custom_").into(),
        system_name: system.into(),
        label: label.into(),
        description: None,
        type_id,
        display_order: id as u32,
        is_active: true,
        include_all: true,
        template_ids: vec![],
        configs: vec![FieldConfig {
            id: format!("{id}"),
            context: FieldContext {
                is_global: true,
                project_ids: None,
            },
            options: FieldOptions {
                is_required: false,
                default_value: Some(json!("")),
                ..Default::default()
            },
        }],
        extra: Default::default(),
    }
}

/// Case fields of a default instance plus `custom_automation_id`, which trcli's auto matcher reads.
pub fn case_fields() -> Vec<Field> {
    vec![
        field(1, "custom_preconds", "Preconditions", 3),
        field(2, "custom_steps", "Steps", 3),
        field(3, "custom_expected", "Expected Result", 3),
        field(4, "custom_steps_separated", "Steps", 10),
        field(5, "custom_automation_id", "Automation ID", 1),
    ]
}

pub fn result_fields() -> Vec<Field> {
    vec![field(6, "custom_step_results", "Step Results", 11)]
}
