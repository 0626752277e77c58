//! Projects, suites and sections.

use testrail_api::models::{AddProject, AddSection, AddSuite, Id, Project, Section, Suite};

use super::{Kind, State, view_url};
use crate::error::{ApiError, ApiResult};

impl State {
    /// Creates a project (`add_project`); `suite_mode` defaults to single suite.
    pub fn add_project(&mut self, req: AddProject, now: i64) -> ApiResult<Project> {
        let suite_mode = req.suite_mode.unwrap_or(1);
        if !(1..=3).contains(&suite_mode) {
            return Err(ApiError::bad(
                "Field :suite_mode is not a valid suite mode (1, 2 or 3).",
            ));
        }
        let id = self.alloc(Kind::Project);
        let project = Project {
            id,
            name: req.name,
            announcement: req.announcement,
            show_announcement: req.show_announcement,
            suite_mode,
            ..Default::default()
        };
        self.projects.insert(id, project.clone());
        self.touch(Kind::Project, id);
        if suite_mode != 3 {
            // Single-suite projects come with their one suite, as in TestRail.
            self.insert_suite(
                id,
                AddSuite {
                    name: "Master".into(),
                    description: None,
                },
                true,
                now,
            );
        }
        Ok(project)
    }

    /// Changes a project's name, announcement or completion (`update_project`).
    pub fn update_project(
        &mut self,
        id: Id,
        name: Option<String>,
        announcement: Option<String>,
        is_completed: Option<bool>,
        now: i64,
    ) -> ApiResult<Project> {
        self.project(id)?;
        let p = self.projects.get_mut(&id).expect("checked");
        if let Some(n) = name {
            p.name = n;
        }
        if announcement.is_some() {
            p.announcement = announcement;
        }
        if let Some(done) = is_completed {
            p.is_completed = done;
            p.completed_on = done.then_some(now);
        }
        let p = p.clone();
        self.touch(Kind::Project, id);
        Ok(p)
    }

    /// The project as the API shows it, with its `url` under `base`.
    pub fn project_json(&self, p: &Project, base: &str) -> Project {
        Project {
            url: view_url(base, "projects/overview", p.id),
            ..p.clone()
        }
    }

    /// The suite, or TestRail's "not a valid suite" error.
    pub fn suite(&self, id: Id) -> ApiResult<&Suite> {
        self.suites
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("suite_id", "test suite"))
    }

    /// Creates a suite in a project (`add_suite`).
    pub fn add_suite(&mut self, project_id: Id, req: AddSuite, now: i64) -> ApiResult<Suite> {
        let project = self.project(project_id)?;
        if project.suite_mode == 1 && self.suites.values().any(|s| s.project_id == project_id) {
            return Err(ApiError::bad(
                "Field :project_id is a single-suite project (suite_mode 1) and cannot have more test suites.",
            ));
        }
        Ok(self.insert_suite(project_id, req, false, now))
    }

    fn insert_suite(&mut self, project_id: Id, req: AddSuite, is_master: bool, _now: i64) -> Suite {
        let id = self.alloc(Kind::Suite);
        let suite = Suite {
            id,
            name: req.name,
            description: req.description,
            project_id,
            is_master,
            ..Default::default()
        };
        self.suites.insert(id, suite.clone());
        self.touch(Kind::Suite, id);
        suite
    }

    /// Changes a suite's name or description (`update_suite`).
    pub fn update_suite(
        &mut self,
        id: Id,
        name: Option<String>,
        description: Option<String>,
    ) -> ApiResult<Suite> {
        self.suite(id)?;
        let s = self.suites.get_mut(&id).expect("checked");
        if let Some(n) = name {
            s.name = n;
        }
        if description.is_some() {
            s.description = description;
        }
        let s = s.clone();
        self.touch(Kind::Suite, id);
        Ok(s)
    }

    /// Deletes a suite with its sections, (softly) its cases, and its runs.
    pub fn delete_suite(&mut self, id: Id) -> ApiResult<()> {
        self.suite(id)?;
        let roots: Vec<Id> = self
            .sections
            .values()
            .filter(|s| s.suite_id == id && s.parent_id.is_none())
            .map(|s| s.id)
            .collect();
        for section in roots {
            self.delete_section(section)?;
        }
        let runs: Vec<Id> = self
            .runs
            .values()
            .filter(|r| r.suite_id == id && r.plan_id.is_none())
            .map(|r| r.id)
            .collect();
        for run in runs {
            self.delete_run(run, false)?;
        }
        self.suites.remove(&id);
        self.touch(Kind::Suite, id);
        Ok(())
    }

    /// The suite as the API shows it, with its `url` under `base`.
    pub fn suite_json(&self, s: &Suite, base: &str) -> Suite {
        Suite {
            url: view_url(base, "suites/view", s.id),
            ..s.clone()
        }
    }

    /// The project's suites, in ID order (`get_suites`).
    pub fn suites_of(&self, project_id: Id) -> ApiResult<Vec<Suite>> {
        self.project(project_id)?;
        Ok(self
            .suites
            .values()
            .filter(|s| s.project_id == project_id)
            .cloned()
            .collect())
    }

    /// The suite a project-level call works on: the given one (checked), or the single suite of
    /// a single-suite project; multi-suite projects must name it.
    pub fn resolve_suite(&self, project_id: Id, suite_id: Option<Id>) -> ApiResult<Id> {
        let project = self.project(project_id)?;
        match suite_id {
            Some(sid) => match self.suites.get(&sid) {
                Some(s) if s.project_id == project_id => Ok(sid),
                _ => Err(ApiError::not_valid("suite_id", "test suite")),
            },
            None if project.suite_mode == 3 => Err(ApiError::required("suite_id")),
            None => self
                .suites
                .values()
                .find(|s| s.project_id == project_id)
                .map(|s| s.id)
                .ok_or_else(|| ApiError::required("suite_id")),
        }
    }

    /// The section, or TestRail's "not a valid section" error.
    pub fn section(&self, id: Id) -> ApiResult<&Section> {
        self.sections
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("section_id", "section"))
    }

    /// Creates a section (`add_section`) at the end of its parent.
    pub fn add_section(&mut self, project_id: Id, req: AddSection) -> ApiResult<Section> {
        let suite_id = self.resolve_suite(project_id, req.suite_id)?;
        let depth = match req.parent_id {
            None => 0,
            Some(pid) => match self.sections.get(&pid) {
                Some(p) if p.suite_id == suite_id => p.depth + 1,
                _ => return Err(ApiError::not_valid("parent_id", "section")),
            },
        };
        let display_order = self
            .sections
            .values()
            .filter(|s| s.suite_id == suite_id)
            .count() as u32
            + 1;
        let id = self.alloc(Kind::Section);
        let section = Section {
            id,
            suite_id,
            name: req.name,
            description: req.description,
            parent_id: req.parent_id,
            display_order,
            depth,
            ..Default::default()
        };
        self.sections.insert(id, section.clone());
        self.touch(Kind::Section, id);
        Ok(section)
    }

    /// Changes a section's name or description (`update_section`).
    pub fn update_section(
        &mut self,
        id: Id,
        name: Option<String>,
        description: Option<String>,
    ) -> ApiResult<Section> {
        self.section(id)?;
        let s = self.sections.get_mut(&id).expect("checked");
        if let Some(n) = name {
            s.name = n;
        }
        if description.is_some() {
            s.description = description;
        }
        let s = s.clone();
        self.touch(Kind::Section, id);
        Ok(s)
    }

    /// Deletes a section, its subsections and (softly) their cases.
    pub fn delete_section(&mut self, id: Id) -> ApiResult<()> {
        self.section(id)?;
        let mut doomed = vec![id];
        let mut i = 0;
        while i < doomed.len() {
            let parent = doomed[i];
            doomed.extend(
                self.sections
                    .values()
                    .filter(|s| s.parent_id == Some(parent))
                    .map(|s| s.id),
            );
            i += 1;
        }
        for sid in &doomed {
            self.sections.remove(sid);
            self.touch(Kind::Section, *sid);
        }
        let cases: Vec<Id> = self
            .cases
            .values()
            .filter(|c| doomed.contains(&c.section_id))
            .map(|c| c.id)
            .collect();
        for cid in cases {
            self.cases.get_mut(&cid).expect("listed").is_deleted = 1;
            self.touch(Kind::Case, cid);
        }
        Ok(())
    }

    /// Sections of one suite of the project, in ID order (`get_sections`); the suite may be omitted
    /// only in single-suite projects.
    pub fn sections_of(&self, project_id: Id, suite_id: Option<Id>) -> ApiResult<Vec<Section>> {
        let suite_id = self.resolve_suite(project_id, suite_id)?;
        Ok(self
            .sections
            .values()
            .filter(|s| s.suite_id == suite_id)
            .cloned()
            .collect())
    }
}
