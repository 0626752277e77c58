//! Preloaded data: the `--fixture FILE.json` format and the built-in demo shop.
//!
//! A fixture is a JSON object whose keys are all optional lists of TestRail objects, in the
//! same shapes the API returns (see `fixtures/demo.json`):
//! `projects`, `suites`, `sections`, `cases`, `statuses` (custom ones, IDs 6..12, names
//! `custom_status1..7`), `users`, `milestones`, `config_groups` (each with its `configs`),
//! `case_fields` and `result_fields` (custom fields in `get_case_fields` shape: `system_name`,
//! `label`, `type_id`, `configs[].context {is_global, project_ids}`,
//! `configs[].options {is_required, items: "1, staging\n2, production", default_value}`), and
//! `rich_text: true` to store Text case fields as `<p>…</p>` like TestRail 9.8+.
//! IDs given are kept (0 or absent = next free ID); references are checked on load, and a
//! malformed field is refused with what to fix.

use serde::{Deserialize, Serialize};
use testrail_api::models::{
    Case, ConfigGroup, Field, Milestone, Project, Section, Status, Suite, User,
};

use crate::store::{FieldCatalog, Kind, State, custom_status};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fixture {
    pub projects: Vec<Project>,
    pub suites: Vec<Suite>,
    pub sections: Vec<Section>,
    pub cases: Vec<Case>,
    /// Custom statuses only (the five system statuses always exist).
    pub statuses: Vec<Status>,
    pub users: Vec<User>,
    pub milestones: Vec<Milestone>,
    pub config_groups: Vec<ConfigGroup>,
    /// Custom case fields, added to (or replacing by `system_name`) the built-in ones.
    pub case_fields: Vec<Field>,
    /// Custom result fields, added to (or replacing by `system_name`) the built-in ones.
    pub result_fields: Vec<Field>,
    /// Store Text case fields as TestRail 9.8+ does: `<p>value</p>\n` (see `store/rich_text.rs`).
    pub rich_text: bool,
}

fn id_or_next(state: &mut State, kind: Kind, id: u64) -> u64 {
    if id == 0 {
        state.alloc(kind)
    } else {
        state.reserve(kind, id);
        id
    }
}

impl Fixture {
    /// Loads the fixture into a fresh store; the error names the offending object.
    pub fn apply(&self, state: &mut State, now: i64) -> Result<(), String> {
        for u in &self.users {
            let id = id_or_next(state, Kind::User, u.id);
            state.users.insert(id, User { id, ..u.clone() });
            state.touch(Kind::User, id);
        }
        for st in &self.statuses {
            let id = if st.id == 0 {
                status_id_for(state, &st.name)
            } else {
                st.id
            };
            if !(6..=12).contains(&id) {
                return Err(format!("status {:?}: custom status IDs are 6..12", st.name));
            }
            let name = if st.name.is_empty() {
                format!("custom_status{}", id - 5)
            } else {
                st.name.clone()
            };
            state.put_status(Status {
                id,
                name,
                is_system: false,
                ..st.clone()
            });
        }
        self.apply_projects(state)?;
        self.apply_cases(state, now)?;
        self.apply_milestones_and_configs(state)?;
        install_fields(state, Some(self))
    }

    fn apply_projects(&self, state: &mut State) -> Result<(), String> {
        for p in &self.projects {
            let id = id_or_next(state, Kind::Project, p.id);
            state.projects.insert(
                id,
                Project {
                    id,
                    suite_mode: p.suite_mode.clamp(1, 3),
                    url: String::new(),
                    ..p.clone()
                },
            );
            state.touch(Kind::Project, id);
        }
        for s in &self.suites {
            if !state.projects.contains_key(&s.project_id) {
                return Err(format!(
                    "suite {}: unknown project_id {}",
                    s.id, s.project_id
                ));
            }
            let id = id_or_next(state, Kind::Suite, s.id);
            state.suites.insert(
                id,
                Suite {
                    id,
                    url: String::new(),
                    ..s.clone()
                },
            );
            state.touch(Kind::Suite, id);
        }
        let lonely: Vec<u64> = state
            .projects
            .values()
            .filter(|p| p.suite_mode != 3 && !state.suites.values().any(|s| s.project_id == p.id))
            .map(|p| p.id)
            .collect();
        for pid in lonely {
            let id = state.alloc(Kind::Suite);
            state.suites.insert(
                id,
                Suite {
                    id,
                    name: "Master".into(),
                    project_id: pid,
                    is_master: true,
                    ..Default::default()
                },
            );
            state.touch(Kind::Suite, id);
        }
        Ok(())
    }

    fn apply_cases(&self, state: &mut State, now: i64) -> Result<(), String> {
        for s in &self.sections {
            if !state.suites.contains_key(&s.suite_id) {
                return Err(format!("section {}: unknown suite_id {}", s.id, s.suite_id));
            }
            let id = id_or_next(state, Kind::Section, s.id);
            state.sections.insert(id, Section { id, ..s.clone() });
            state.touch(Kind::Section, id);
        }
        for c in &self.cases {
            let Some(section) = state.sections.get(&c.section_id) else {
                return Err(format!(
                    "case {}: unknown section_id {}",
                    c.id, c.section_id
                ));
            };
            let suite_id = section.suite_id;
            let id = id_or_next(state, Kind::Case, c.id);
            let created = if c.created_on == 0 { now } else { c.created_on };
            let case = Case {
                id,
                suite_id,
                template_id: c.template_id.max(1),
                type_id: if c.type_id == 0 { 7 } else { c.type_id },
                priority_id: if c.priority_id == 0 { 2 } else { c.priority_id },
                created_by: c.created_by.max(1),
                updated_by: c.updated_by.max(1),
                created_on: created,
                updated_on: c.updated_on.max(created),
                ..c.clone()
            };
            state.cases.insert(id, case);
            state.touch(Kind::Case, id);
        }
        Ok(())
    }

    fn apply_milestones_and_configs(&self, state: &mut State) -> Result<(), String> {
        for m in &self.milestones {
            if !state.projects.contains_key(&m.project_id) {
                return Err(format!(
                    "milestone {}: unknown project_id {}",
                    m.id, m.project_id
                ));
            }
            let id = id_or_next(state, Kind::Milestone, m.id);
            state.milestones.insert(
                id,
                Milestone {
                    id,
                    url: String::new(),
                    milestones: vec![],
                    ..m.clone()
                },
            );
            state.touch(Kind::Milestone, id);
        }
        for g in &self.config_groups {
            if !state.projects.contains_key(&g.project_id) {
                return Err(format!(
                    "config group {}: unknown project_id {}",
                    g.id, g.project_id
                ));
            }
            let id = id_or_next(state, Kind::ConfigGroup, g.id);
            let mut group = ConfigGroup { id, ..g.clone() };
            for c in &mut group.configs {
                c.group_id = id;
                if c.id == 0 {
                    c.id = state.next_config_id.max(1);
                }
                state.next_config_id = state.next_config_id.max(c.id + 1);
            }
            state.config_groups.insert(id, group);
            state.touch(Kind::ConfigGroup, id);
        }
        Ok(())
    }
}

/// Sets the custom field catalogue: the built-ins plus the fixture's fields. Also used for a
/// state loaded from `--db`, because fields are configuration and are not persisted.
pub fn install_fields(state: &mut State, fixture: Option<&Fixture>) -> Result<(), String> {
    let mut catalog = FieldCatalog::builtin();
    if let Some(f) = fixture {
        let projects = state.projects.keys().copied().collect();
        catalog.add(&f.case_fields, &f.result_fields, &projects)?;
        catalog.rich_text = f.rich_text;
    }
    state.custom_fields = catalog;
    Ok(())
}

/// `custom_statusN` -> 5+N; any other name -> the first free custom ID.
pub fn status_id_for(state: &State, name: &str) -> u64 {
    if let Some(n) = name
        .strip_prefix("custom_status")
        .and_then(|n| n.parse::<u64>().ok())
        && (1..=7).contains(&n)
    {
        return 5 + n;
    }
    (6..=12)
        .find(|id| !state.statuses.contains_key(id))
        .unwrap_or(12)
}

/// Adds the `--status NAME:LABEL` statuses.
pub fn add_custom_statuses(state: &mut State, statuses: &[(String, String)]) {
    for (name, label) in statuses {
        let id = status_id_for(state, name);
        state.put_status(custom_status(id, name, label));
    }
}

const DEMO_SECTIONS: [(&str, [&str; 8]); 5] = [
    (
        "Cart",
        [
            "Add a product to an empty cart",
            "Add the same product twice increases quantity",
            "Remove the last item empties the cart",
            "Change quantity updates the subtotal",
            "Cart persists after logging out and in",
            "Out-of-stock product cannot be added",
            "Apply a valid discount code",
            "Expired discount code is rejected",
        ],
    ),
    (
        "Checkout",
        [
            "Guest checkout with a card",
            "Checkout with a saved address",
            "Shipping cost depends on the country",
            "Declined card shows an error and keeps the cart",
            "Order confirmation email is sent",
            "Tax is computed for EU customers",
            "Checkout with PayPal",
            "Order total matches the payment provider amount",
        ],
    ),
    (
        "Account",
        [
            "Sign up with email and password",
            "Sign in with valid credentials",
            "Sign in with a wrong password is refused",
            "Reset the password by email",
            "Change the email address",
            "Delete the account",
            "Order history lists past orders",
            "Two-factor authentication can be enabled",
        ],
    ),
    (
        "Search",
        [
            "Search by product name",
            "Search is case-insensitive",
            "No results page suggests alternatives",
            "Filter results by price range",
            "Sort results by rating",
            "Search suggestions appear while typing",
            "Search handles special characters",
            "Pagination of search results",
        ],
    ),
    (
        "Catalog",
        [
            "Category page lists its products",
            "Product page shows price and stock",
            "Product images open in a gallery",
            "Reviews are shown newest first",
            "Related products are shown",
            "Prices are shown in the selected currency",
            "Product variants can be selected",
            "Breadcrumbs link back to the category",
        ],
    ),
];

/// The built-in demo: project 1 "Demo Shop" (single suite "Master" id 1), five sections, 40
/// cases (IDs 1..40), the custom status `custom_status1` labelled "Skipped" and the demo user.
pub fn demo_fixture() -> Fixture {
    let project = Project {
        id: 1,
        name: "Demo Shop".into(),
        suite_mode: 1,
        ..Default::default()
    };
    let suite = Suite {
        id: 1,
        name: "Master".into(),
        project_id: 1,
        is_master: true,
        ..Default::default()
    };
    let mut sections = vec![];
    let mut cases = vec![];
    for (i, (name, titles)) in DEMO_SECTIONS.iter().enumerate() {
        let sid = i as u64 + 1;
        sections.push(Section {
            id: sid,
            suite_id: 1,
            name: (*name).into(),
            display_order: sid as u32,
            ..Default::default()
        });
        for (j, title) in titles.iter().enumerate() {
            let id = cases.len() as u64 + 1;
            cases.push(Case {
                id,
                title: (*title).into(),
                section_id: sid,
                suite_id: 1,
                template_id: 1,
                type_id: if j % 3 == 0 { 3 } else { 6 },
                priority_id: [2, 3, 2, 4][j % 4],
                display_order: j as u32 + 1,
                refs: (j == 0).then(|| format!("SHOP-{}", 100 + id)),
                ..Default::default()
            });
        }
    }
    let user = User {
        id: 1,
        name: "Demo User".into(),
        email: crate::DEMO_EMAIL.into(),
        is_active: true,
        role_id: Some(1),
        role: Some("Lead".into()),
        is_admin: true,
        ..Default::default()
    };
    Fixture {
        projects: vec![project],
        suites: vec![suite],
        sections,
        cases,
        statuses: vec![custom_status(6, "custom_status1", "Skipped")],
        users: vec![user],
        ..Default::default()
    }
}
