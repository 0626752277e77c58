//! Maps report outcomes to the instance's status IDs, read from `get_statuses` — never the
//! hard-coded 1–5, because instances rename and add statuses.

use testrail_api::models::{Id, Status};
use testrail_reports::Outcome;

use crate::error::SyncError;
use crate::options::{StatusChoice, StatusConfig};

/// A resolved status: its ID and label, for comments and summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Status ID as this instance numbers it.
    pub id: Id,
    /// Label people see (`Passed`, `Skipped`, …).
    pub label: String,
}

/// Outcome → status (or `None`: post nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMap {
    /// Status for passed tests.
    pub passed: Option<Resolved>,
    /// Status for failed tests.
    pub failed: Option<Resolved>,
    /// Status for tests that errored.
    pub error: Option<Resolved>,
    /// Status for tests that passed on a rerun.
    pub flaky: Option<Resolved>,
    /// Status for skipped tests.
    pub skipped: Option<Resolved>,
}

impl StatusMap {
    /// Resolves each configured choice against the instance's `get_statuses`; a name or label the
    /// instance lacks is a config error listing the available ones.
    pub fn resolve(config: &StatusConfig, statuses: &[Status]) -> Result<StatusMap, SyncError> {
        let pick = |outcome: &str, choice: &StatusChoice| resolve_one(outcome, choice, statuses);
        Ok(StatusMap {
            passed: pick("passed", &config.passed)?,
            failed: pick("failed", &config.failed)?,
            error: pick("error", &config.error)?,
            flaky: pick("flaky", &config.flaky)?,
            skipped: pick("skipped", &config.skipped)?,
        })
    }

    /// The status to post for an outcome, `None` when it is omitted.
    pub fn for_outcome(&self, outcome: Outcome) -> Option<&Resolved> {
        match outcome {
            Outcome::Passed => self.passed.as_ref(),
            Outcome::Failed => self.failed.as_ref(),
            Outcome::Error => self.error.as_ref(),
            Outcome::Flaky => self.flaky.as_ref(),
            Outcome::Skipped => self.skipped.as_ref(),
        }
    }
}

/// Finds a status by system name or label, case-insensitively.
pub fn find<'s>(statuses: &'s [Status], wanted: &str) -> Option<&'s Status> {
    statuses
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(wanted) || s.label.eq_ignore_ascii_case(wanted))
}

fn resolve_one(
    outcome: &str,
    choice: &StatusChoice,
    statuses: &[Status],
) -> Result<Option<Resolved>, SyncError> {
    let wanted = match choice {
        StatusChoice::Omit => return Ok(None),
        StatusChoice::Auto => match find(statuses, "skipped") {
            Some(s) if !s.is_untested => s.name.clone(),
            _ => return Ok(None),
        },
        StatusChoice::Status(name) => name.clone(),
    };
    let available = || {
        statuses
            .iter()
            .filter(|s| !s.is_untested)
            .map(|s| format!("{} ({})", s.label, s.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let status = find(statuses, &wanted).ok_or_else(|| SyncError::Config {
        setting: format!("statuses.{outcome}"),
        message: format!(
            "TestRail has no status named \"{wanted}\"; available: {}",
            available()
        ),
    })?;
    if status.is_untested {
        return Err(SyncError::Config {
            setting: format!("statuses.{outcome}"),
            message: format!(
                "\"{}\" is TestRail's Untested status, which cannot be posted as a result; \
                 use \"omit\" to leave such cases untested, or one of: {}",
                status.label,
                available()
            ),
        });
    }
    Ok(Some(Resolved {
        id: status.id,
        label: status.label.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(id: Id, name: &str, label: &str) -> Status {
        Status {
            id,
            name: name.into(),
            label: label.into(),
            is_untested: name == "untested",
            ..Default::default()
        }
    }

    fn system() -> Vec<Status> {
        vec![
            status(1, "passed", "Passed"),
            status(2, "blocked", "Blocked"),
            status(3, "untested", "Untested"),
            status(4, "retest", "Retest"),
            status(5, "failed", "Failed"),
        ]
    }

    #[test]
    fn skipped_auto_omits_without_a_custom_status_and_uses_it_when_present() {
        let map = StatusMap::resolve(&StatusConfig::default(), &system()).unwrap();
        assert_eq!(map.skipped, None);
        assert_eq!(map.error.unwrap().id, 5);
        let mut with_custom = system();
        with_custom.push(status(6, "custom_status1", "Skipped"));
        let map = StatusMap::resolve(&StatusConfig::default(), &with_custom).unwrap();
        assert_eq!(map.skipped.unwrap().id, 6);
    }

    #[test]
    fn ids_come_from_the_instance_not_constants() {
        // An instance where "failed" was given another ID must be honoured.
        let statuses = vec![status(11, "passed", "OK"), status(12, "failed", "KO")];
        let map = StatusMap::resolve(&StatusConfig::default(), &statuses).unwrap();
        assert_eq!(map.passed.unwrap().id, 11);
        assert_eq!(map.failed.unwrap().id, 12);
    }

    #[test]
    fn untested_and_unknown_are_config_errors() {
        let config = StatusConfig {
            skipped: StatusChoice::Status("untested".into()),
            ..Default::default()
        };
        let err = StatusMap::resolve(&config, &system())
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be posted"), "{err}");
        let config = StatusConfig {
            error: StatusChoice::Status("broken".into()),
            ..Default::default()
        };
        let err = StatusMap::resolve(&config, &system())
            .unwrap_err()
            .to_string();
        assert!(err.contains("statuses.error") && err.contains("Retest (retest)"));
    }
}
