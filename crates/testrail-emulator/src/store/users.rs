//! Users, milestones, configurations and custom statuses.

use testrail_api::models::{AddMilestone, Config, ConfigGroup, Id, Milestone, User};

use super::{Kind, State, view_url};
use crate::error::{ApiError, ApiResult};

impl State {
    /// Adds a user (or returns the existing one with that email).
    pub fn ensure_user(&mut self, email: &str, name: Option<&str>) -> Id {
        if let Some(u) = self
            .users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
        {
            return u.id;
        }
        let id = self.alloc(Kind::User);
        let default_name = email
            .split('@')
            .next()
            .unwrap_or(email)
            .replace(['.', '_'], " ");
        let user = User {
            id,
            name: name.map_or(default_name, str::to_owned),
            email: email.into(),
            is_active: true,
            role_id: Some(1),
            role: Some("Lead".into()),
            is_admin: true,
            ..Default::default()
        };
        self.users.insert(id, user);
        self.touch(Kind::User, id);
        id
    }

    /// The user, or TestRail's "not a valid user" error.
    pub fn user(&self, id: Id) -> ApiResult<&User> {
        self.users
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("user_id", "user"))
    }

    /// The user with this email, compared case-insensitively (`get_user_by_email`).
    pub fn user_by_email(&self, email: &str) -> ApiResult<&User> {
        self.users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
            // The text trcli expects from real servers (no final period).
            .ok_or_else(|| ApiError::bad("Field :email is not a valid email address"))
    }

    /// The milestone, or TestRail's "not a valid milestone" error.
    pub fn milestone(&self, id: Id) -> ApiResult<&Milestone> {
        self.milestones
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("milestone_id", "milestone"))
    }

    /// Creates a milestone, or a sub-milestone with `parent_id` (`add_milestone`).
    pub fn add_milestone(
        &mut self,
        project_id: Id,
        req: AddMilestone,
        start_on: Option<i64>,
    ) -> ApiResult<Milestone> {
        self.project(project_id)?;
        if let Some(p) = req.parent_id
            && self
                .milestones
                .get(&p)
                .is_none_or(|m| m.project_id != project_id)
        {
            return Err(ApiError::not_valid("parent_id", "milestone"));
        }
        let id = self.alloc(Kind::Milestone);
        let m = Milestone {
            id,
            name: req.name,
            description: req.description,
            project_id,
            due_on: req.due_on,
            start_on,
            parent_id: req.parent_id,
            ..Default::default()
        };
        self.milestones.insert(id, m.clone());
        self.touch(Kind::Milestone, id);
        Ok(m)
    }

    /// Changes the fields given of a milestone (`update_milestone`).
    pub fn update_milestone(
        &mut self,
        id: Id,
        name: Option<String>,
        is_completed: Option<bool>,
        is_started: Option<bool>,
        now: i64,
    ) -> ApiResult<Milestone> {
        self.milestone(id)?;
        let m = self.milestones.get_mut(&id).expect("checked");
        if let Some(n) = name {
            m.name = n;
        }
        if let Some(c) = is_completed {
            m.is_completed = c;
            m.completed_on = c.then_some(now);
        }
        if let Some(s) = is_started {
            m.is_started = s;
            m.started_on = s.then_some(now);
        }
        let m = m.clone();
        self.touch(Kind::Milestone, id);
        Ok(m)
    }

    /// A milestone as returned, with its URL and sub-milestones.
    pub fn milestone_json(&self, m: &Milestone, base: &str) -> Milestone {
        let children = self
            .milestones
            .values()
            .filter(|c| c.parent_id == Some(m.id))
            .map(|c| self.milestone_json(c, base))
            .collect();
        Milestone {
            url: view_url(base, "milestones/view", m.id),
            milestones: children,
            ..m.clone()
        }
    }

    /// Creates a configuration group in a project (`add_config_group`).
    pub fn add_config_group(&mut self, project_id: Id, name: String) -> ApiResult<ConfigGroup> {
        self.project(project_id)?;
        let id = self.alloc(Kind::ConfigGroup);
        let group = ConfigGroup {
            id,
            name,
            project_id,
            configs: vec![],
        };
        self.config_groups.insert(id, group.clone());
        self.touch(Kind::ConfigGroup, id);
        Ok(group)
    }

    /// Adds a configuration to a group (`add_config`).
    pub fn add_config(&mut self, group_id: Id, name: String) -> ApiResult<Config> {
        if !self.config_groups.contains_key(&group_id) {
            return Err(ApiError::not_valid(
                "config_group_id",
                "configuration group",
            ));
        }
        self.next_config_id = self.next_config_id.max(1);
        let config = Config {
            id: self.next_config_id,
            name,
            group_id,
        };
        self.next_config_id += 1;
        self.config_groups
            .get_mut(&group_id)
            .expect("checked")
            .configs
            .push(config.clone());
        self.touch(Kind::ConfigGroup, group_id);
        Ok(config)
    }

    /// Renames a configuration (`update_config`); an unknown one is `Field :config_id is not a
    /// valid configuration.` (verbatim, testrail-observed 5.4).
    pub fn update_config(&mut self, id: Id, name: String) -> ApiResult<Config> {
        let group_id = self
            .config(id)
            .map(|(g, _)| g.id)
            .ok_or_else(|| ApiError::not_valid("config_id", "configuration"))?;
        let group = self.config_groups.get_mut(&group_id).expect("found above");
        let config = group
            .configs
            .iter_mut()
            .find(|c| c.id == id)
            .expect("found above");
        config.name = name;
        let updated = config.clone();
        self.touch(Kind::ConfigGroup, group_id);
        Ok(updated)
    }

    /// The project's configuration groups with their configurations (`get_configs`).
    pub fn configs_of(&self, project_id: Id) -> ApiResult<Vec<ConfigGroup>> {
        self.project(project_id)?;
        Ok(self
            .config_groups
            .values()
            .filter(|g| g.project_id == project_id)
            .cloned()
            .collect())
    }

    fn config(&self, id: Id) -> Option<(&ConfigGroup, &Config)> {
        self.config_groups
            .values()
            .find_map(|g| g.configs.iter().find(|c| c.id == id).map(|c| (g, c)))
    }

    /// Every ID must be a configuration of the project.
    pub fn check_config_ids(&self, project_id: Id, ids: &[Id]) -> ApiResult<()> {
        for id in ids {
            match self.config(*id) {
                Some((g, _)) if g.project_id == project_id => {}
                _ => return Err(ApiError::invalid_id("config_ids")),
            }
        }
        Ok(())
    }

    /// `"Chrome, Ubuntu"`: the run's configuration names, `None` without configurations.
    pub fn config_label(&self, ids: &[Id]) -> Option<String> {
        let names: Vec<&str> = ids
            .iter()
            .filter_map(|id| self.config(*id))
            .map(|(_, c)| c.name.as_str())
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
    }
}
