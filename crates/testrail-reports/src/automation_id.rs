//! A test's automation ID: the stable name TestRail's own CLI (trcli, `--case-matcher auto`,
//! its default) writes into a case's Automation ID field and matches on later. Teams that let
//! trcli create their cases have thousands of cases keyed by it, so it must be built exactly as
//! trcli 1.15.3 builds it:
//!
//! - JUnit: `classname.name`, with the `classname` attribute as written (`None.name` when it
//!   is missing: Python's `None`, which is what trcli stored); a `<property
//!   name="testrail_case_field" value="custom_automation_id:VALUE"/>` wins, then a
//!   `custom_automation_id` attribute on `<testcase>`.
//! - Robot: the dotted suite path, then the test name (`Suite.Sub.Test name`). Our Robot reader
//!   joins the suites into `classname` the same way, so the JUnit rule gives it.
//! - Cucumber: feature name, every tag as written (`@smoke`, feature tags first), scenario name,
//!   joined with `.` — built by the reader into [`TestExecution::automation_id`].

use std::borrow::Cow;

use crate::execution::TestExecution;

/// The case field trcli reads and, when asked, sets through a `testrail_case_field` property.
pub const AUTOMATION_ID_FIELD: &str = "custom_automation_id";

impl TestExecution {
    /// The automation ID trcli would give this test (see the module docs).
    pub fn automation_id(&self) -> Cow<'_, str> {
        if let Some(from_property) = self.automation_id_property() {
            return Cow::Borrowed(from_property);
        }
        if let Some(stated) = &self.automation_id {
            return Cow::Borrowed(stated.trim());
        }
        Cow::Owned(format!("{}.{}", self.classname, self.name))
    }

    /// trcli's `testrail_case_field` property is `field:value`, split at the first colon; the
    /// first one naming the automation ID field wins.
    fn automation_id_property(&self) -> Option<&str> {
        self.property("testrail_case_field").find_map(|v| {
            let (field, value) = v.split_once(':')?;
            (field.trim() == AUTOMATION_ID_FIELD)
                .then(|| value.trim())
                .filter(|v| !v.is_empty())
        })
    }
}

/// The Cucumber form: `Feature.@tag1.@tag2.Scenario`, tags as written in the report with
/// the feature's first.
pub fn cucumber(feature: &str, tags: &[&str], scenario: &str) -> String {
    let mut id = String::from(feature);
    for part in tags.iter().copied().chain([scenario]) {
        id.push('.');
        id.push_str(part);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::Outcome;

    #[test]
    fn classname_dot_name_unless_the_report_states_one() {
        let mut e = TestExecution::new("test_login", Outcome::Passed);
        e.classname = "tests.test_auth.TestLogin".into();
        assert_eq!(e.automation_id(), "tests.test_auth.TestLogin.test_login");
        e.automation_id = Some(" stated ".into());
        assert_eq!(e.automation_id(), "stated");
        e.properties
            .push(("testrail_case_field".into(), "refs:JIRA-1".into()));
        e.properties.push((
            "testrail_case_field".into(),
            "custom_automation_id: from.property".into(),
        ));
        assert_eq!(e.automation_id(), "from.property");
    }

    #[test]
    fn cucumber_keeps_tags_as_written() {
        assert_eq!(
            cucumber("Checkout", &["@smoke", "@C12"], "Pay by card"),
            "Checkout.@smoke.@C12.Pay by card"
        );
        assert_eq!(cucumber("F", &[], "S"), "F.S");
    }
}
