//! Test cases: add/update/delete and the `get_cases` filters.

use testrail_api::models::{Case, CaseFields, Id};

use super::{Kind, State, case_types, priorities, templates};
use crate::error::{ApiError, ApiResult};
use crate::fields::timespan_seconds;

/// `get_cases` filters (lists are TestRail's comma lists).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Suite to list (required in multi-suite projects).
    pub suite_id: Option<Id>,
    /// Only cases of this section.
    pub section_id: Option<Id>,
    /// Only cases created at or after this UNIX time.
    pub created_after: Option<i64>,
    /// Only cases created at or before this UNIX time.
    pub created_before: Option<i64>,
    /// Only cases updated at or after this UNIX time.
    pub updated_after: Option<i64>,
    /// Only cases updated at or before this UNIX time.
    pub updated_before: Option<i64>,
    /// Only cases created by one of these users.
    pub created_by: Option<Vec<Id>>,
    /// Only cases updated by one of these users.
    pub updated_by: Option<Vec<Id>>,
    /// Only cases linked to one of these milestones.
    pub milestone_id: Option<Vec<Id>>,
    /// Only cases with one of these priorities.
    pub priority_id: Option<Vec<Id>>,
    /// Only cases with one of these templates.
    pub template_id: Option<Vec<Id>>,
    /// Only cases of one of these types.
    pub type_id: Option<Vec<Id>>,
    /// Only cases whose title contains this text, ignoring case (TestRail's `filter`).
    pub filter: Option<String>,
    /// Only cases whose comma-separated `refs` include this reference.
    pub refs: Option<String>,
}

fn in_list(list: &Option<Vec<Id>>, v: Id) -> bool {
    list.as_ref().is_none_or(|l| l.contains(&v))
}

impl CaseFilter {
    fn matches(&self, c: &Case) -> bool {
        self.section_id.is_none_or(|s| c.section_id == s)
            && self.created_after.is_none_or(|t| c.created_on >= t)
            && self.created_before.is_none_or(|t| c.created_on <= t)
            && self.updated_after.is_none_or(|t| c.updated_on >= t)
            && self.updated_before.is_none_or(|t| c.updated_on <= t)
            && in_list(&self.created_by, c.created_by)
            && in_list(&self.updated_by, c.updated_by)
            && self
                .milestone_id
                .as_ref()
                .is_none_or(|l| c.milestone_id.is_some_and(|m| l.contains(&m)))
            && in_list(&self.priority_id, c.priority_id)
            && in_list(&self.template_id, c.template_id)
            && in_list(&self.type_id, c.type_id)
            && self
                .filter
                .as_ref()
                .is_none_or(|f| c.title.to_lowercase().contains(&f.to_lowercase()))
            && self.refs.as_ref().is_none_or(|r| {
                c.refs
                    .as_deref()
                    .is_some_and(|cr| cr.split(',').any(|x| x.trim() == r.trim()))
            })
    }
}

impl State {
    /// A live (not deleted) case.
    pub fn case(&self, id: Id) -> ApiResult<&Case> {
        self.cases
            .get(&id)
            .filter(|c| c.is_deleted == 0)
            .ok_or_else(|| ApiError::not_valid("case_id", "test case"))
    }

    fn check_case_fields(&self, project_id: Id, f: &CaseFields) -> ApiResult<()> {
        if f.template_id
            .is_some_and(|t| !templates().iter().any(|x| x.id == t))
        {
            return Err(ApiError::not_valid("template_id", "template"));
        }
        if f.type_id
            .is_some_and(|t| !case_types().iter().any(|x| x.id == t))
        {
            return Err(ApiError::not_valid("type_id", "case type"));
        }
        if f.priority_id
            .is_some_and(|p| !priorities().iter().any(|x| x.id == p))
        {
            return Err(ApiError::not_valid("priority_id", "priority"));
        }
        if let Some(e) = &f.estimate
            && !e.trim().is_empty()
            && timespan_seconds(e).is_none_or(|s| s <= 0.0)
        {
            return Err(ApiError::bad(
                "Field :estimate is not in a valid time span format.",
            ));
        }
        self.check_milestone(project_id, f.milestone_id)
    }

    /// Custom values as the instance stores them (rich text on 9.8+, see `rich_text.rs`).
    fn as_stored(&self, custom: &mut testrail_api::models::Extra) {
        if self.custom_fields.rich_text {
            super::rich_text::wrap_text_fields(&self.custom_fields.case, custom);
        }
    }

    fn project_of_suite(&self, suite_id: Id) -> Id {
        self.suites.get(&suite_id).map_or(0, |s| s.project_id)
    }

    /// Creates a case in a section (`add_case`), applying TestRail's defaults and custom-field
    /// rules.
    pub fn add_case(
        &mut self,
        section_id: Id,
        f: CaseFields,
        user: Id,
        now: i64,
    ) -> ApiResult<Case> {
        let suite_id = self.section(section_id)?.suite_id;
        let title = f
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| ApiError::required("title"))?;
        self.check_case_fields(self.project_of_suite(suite_id), &f)?;
        let template_id = f.template_id.unwrap_or(1);
        let project_id = self.project_of_suite(suite_id);
        let fields = &self.custom_fields.case;
        self.check_custom_values(fields, project_id, template_id, &f.custom, true)?;
        let mut f = f;
        self.as_stored(&mut f.custom);
        let id = self.alloc(Kind::Case);
        let display_order = self
            .cases
            .values()
            .filter(|c| c.section_id == section_id)
            .count() as u32
            + 1;
        let case = Case {
            id,
            title,
            section_id,
            template_id: f.template_id.unwrap_or(1),
            type_id: f.type_id.unwrap_or(7),
            priority_id: f.priority_id.unwrap_or(2),
            milestone_id: f.milestone_id,
            refs: f.refs,
            created_by: user,
            created_on: now,
            updated_by: user,
            updated_on: now,
            estimate: f.estimate,
            suite_id,
            display_order,
            extra: f.custom,
            ..Default::default()
        };
        self.cases.insert(id, case.clone());
        self.touch(Kind::Case, id);
        Ok(case)
    }

    /// Changes the fields given (`update_case`); `section_id` moves the case.
    pub fn update_case(&mut self, id: Id, f: CaseFields, user: Id, now: i64) -> ApiResult<Case> {
        let suite_id = self.case(id)?.suite_id;
        if f.title.as_ref().is_some_and(|t| t.trim().is_empty()) {
            return Err(ApiError::required("title"));
        }
        if let Some(sid) = f.section_id
            && self.section(sid)?.suite_id != suite_id
        {
            return Err(ApiError::not_valid("section_id", "section"));
        }
        self.check_case_fields(self.project_of_suite(suite_id), &f)?;
        // Only the values sent are checked: an update never has to repeat required fields.
        let template_id = f.template_id.unwrap_or(self.case(id)?.template_id);
        let project_id = self.project_of_suite(suite_id);
        let fields = &self.custom_fields.case;
        self.check_custom_values(fields, project_id, template_id, &f.custom, false)?;
        let mut f = f;
        self.as_stored(&mut f.custom);
        let c = self.cases.get_mut(&id).expect("checked");
        c.title = f.title.unwrap_or(std::mem::take(&mut c.title));
        c.section_id = f.section_id.unwrap_or(c.section_id);
        c.template_id = f.template_id.unwrap_or(c.template_id);
        c.type_id = f.type_id.unwrap_or(c.type_id);
        c.priority_id = f.priority_id.unwrap_or(c.priority_id);
        c.milestone_id = f.milestone_id.or(c.milestone_id);
        c.refs = f.refs.or(c.refs.take());
        c.estimate = f.estimate.or(c.estimate.take());
        c.extra.extend(f.custom);
        c.updated_by = user;
        c.updated_on = now;
        let c = c.clone();
        self.touch(Kind::Case, id);
        Ok(c)
    }

    /// Soft delete: the case disappears from lists and new runs; existing tests keep their data.
    pub fn delete_case(&mut self, id: Id) -> ApiResult<()> {
        self.case(id)?;
        self.cases.get_mut(&id).expect("checked").is_deleted = 1;
        self.touch(Kind::Case, id);
        Ok(())
    }

    /// `delete_cases/{suite_id}`: all or nothing, every ID must be a live case of the suite.
    pub fn delete_cases(&mut self, suite_id: Id, ids: &[Id]) -> ApiResult<()> {
        self.suite(suite_id)?;
        if ids
            .iter()
            .any(|id| self.case(*id).map_or(true, |c| c.suite_id != suite_id))
        {
            return Err(ApiError::invalid_id("case_ids"));
        }
        for id in ids {
            self.delete_case(*id)?;
        }
        Ok(())
    }

    /// Live cases of one suite of the project matching `filter`, in ID order (`get_cases`); the
    /// suite may be omitted only in single-suite projects.
    pub fn cases_of(&self, project_id: Id, filter: &CaseFilter) -> ApiResult<Vec<Case>> {
        let suite_id = self.resolve_suite(project_id, filter.suite_id)?;
        Ok(self
            .cases
            .values()
            .filter(|c| c.suite_id == suite_id && c.is_deleted == 0 && filter.matches(c))
            .cloned()
            .collect())
    }

    /// Live case IDs of a suite in TestRail's display order (section order, then case order).
    pub fn suite_case_ids(&self, suite_id: Id) -> Vec<Id> {
        let mut ids: Vec<(u32, u32, Id)> = self
            .cases
            .values()
            .filter(|c| c.suite_id == suite_id && c.is_deleted == 0)
            .map(|c| {
                (
                    self.sections
                        .get(&c.section_id)
                        .map_or(0, |s| s.display_order),
                    c.display_order,
                    c.id,
                )
            })
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, _, id)| id).collect()
    }
}
