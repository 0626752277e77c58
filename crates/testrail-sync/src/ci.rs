//! CI detection: build URL, commit, branch and PR-ness from the CI system's own variables.

use serde::Serialize;

/// What the CI system says about this build, for run names and result comments.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CiInfo {
    /// "GitHub Actions", "GitLab CI", … or `None` outside CI.
    pub provider: Option<String>,
    /// Link to the build's page (e.g. a GitHub Actions run URL).
    pub build_url: Option<String>,
    /// The build's number as the CI system counts it (`{build}` in run names).
    pub build_number: Option<String>,
    /// Commit SHA being tested.
    pub commit: Option<String>,
    /// Branch being built (`{branch}` in run names); for a pull request, its source branch.
    pub branch: Option<String>,
    /// Whether this build tests a pull/merge request.
    pub pull_request: bool,
}

impl CiInfo {
    /// Reads the environment through `var` (so tests pass a map, the CLI passes `std::env::var`).
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> CiInfo {
        let var = |k: &str| var(k).filter(|v| !v.is_empty());
        if var("GITHUB_ACTIONS").is_some() {
            return github(&var);
        }
        if var("GITLAB_CI").is_some() {
            return CiInfo {
                provider: Some("GitLab CI".into()),
                build_url: var("CI_JOB_URL").or_else(|| var("CI_PIPELINE_URL")),
                build_number: var("CI_PIPELINE_IID").or_else(|| var("CI_PIPELINE_ID")),
                commit: var("CI_COMMIT_SHA"),
                branch: var("CI_COMMIT_BRANCH")
                    .or_else(|| var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"))
                    .or_else(|| var("CI_COMMIT_REF_NAME")),
                pull_request: var("CI_MERGE_REQUEST_IID").is_some(),
            };
        }
        if var("TF_BUILD").is_some() {
            let url = match (
                var("SYSTEM_COLLECTIONURI"),
                var("SYSTEM_TEAMPROJECT"),
                var("BUILD_BUILDID"),
            ) {
                (Some(c), Some(p), Some(id)) => Some(format!("{c}{p}/_build/results?buildId={id}")),
                _ => None,
            };
            let branch = var("SYSTEM_PULLREQUEST_SOURCEBRANCH")
                .or_else(|| var("BUILD_SOURCEBRANCH"))
                .map(|b| b.trim_start_matches("refs/heads/").to_owned());
            return CiInfo {
                provider: Some("Azure Pipelines".into()),
                build_url: url,
                build_number: var("BUILD_BUILDNUMBER"),
                commit: var("BUILD_SOURCEVERSION"),
                branch,
                pull_request: var("SYSTEM_PULLREQUEST_PULLREQUESTID").is_some(),
            };
        }
        if var("CIRCLECI").is_some() {
            return CiInfo {
                provider: Some("CircleCI".into()),
                build_url: var("CIRCLE_BUILD_URL"),
                build_number: var("CIRCLE_BUILD_NUM"),
                commit: var("CIRCLE_SHA1"),
                branch: var("CIRCLE_BRANCH"),
                pull_request: var("CIRCLE_PULL_REQUEST").is_some(),
            };
        }
        if var("BUILDKITE").is_some() {
            return CiInfo {
                provider: Some("Buildkite".into()),
                build_url: var("BUILDKITE_BUILD_URL"),
                build_number: var("BUILDKITE_BUILD_NUMBER"),
                commit: var("BUILDKITE_COMMIT"),
                branch: var("BUILDKITE_BRANCH"),
                pull_request: var("BUILDKITE_PULL_REQUEST").is_some_and(|v| v != "false"),
            };
        }
        if var("JENKINS_URL").is_some() || var("JENKINS_HOME").is_some() {
            return CiInfo {
                provider: Some("Jenkins".into()),
                build_url: var("BUILD_URL"),
                build_number: var("BUILD_NUMBER"),
                commit: var("GIT_COMMIT"),
                branch: var("CHANGE_BRANCH")
                    .or_else(|| var("BRANCH_NAME"))
                    .or_else(|| var("GIT_BRANCH"))
                    .map(|b| b.trim_start_matches("origin/").to_owned()),
                pull_request: var("CHANGE_ID").is_some(),
            };
        }
        CiInfo::default()
    }

    /// The first 12 characters of the commit, as people read them.
    pub fn short_commit(&self) -> Option<&str> {
        self.commit.as_deref().map(|c| &c[..c.len().min(12)])
    }
}

fn github(var: &impl Fn(&str) -> Option<String>) -> CiInfo {
    let build_url = match (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        (Some(s), Some(r), Some(id)) => Some(format!("{s}/{r}/actions/runs/{id}")),
        _ => None,
    };
    let pull_request = var("GITHUB_EVENT_NAME").is_some_and(|e| e.starts_with("pull_request"));
    let branch = if pull_request {
        var("GITHUB_HEAD_REF")
    } else {
        var("GITHUB_REF_NAME")
    };
    CiInfo {
        provider: Some("GitHub Actions".into()),
        build_url,
        build_number: var("GITHUB_RUN_NUMBER"),
        commit: var("GITHUB_SHA"),
        branch,
        pull_request,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn detect(pairs: &[(&str, &str)]) -> CiInfo {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CiInfo::detect(|k| env.get(k).cloned())
    }

    #[test]
    fn github_pull_request_uses_head_ref() {
        let ci = detect(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_RUN_ID", "99"),
            ("GITHUB_RUN_NUMBER", "7"),
            ("GITHUB_SHA", "0123456789abcdef0123"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_HEAD_REF", "feature/x"),
            ("GITHUB_REF_NAME", "12/merge"),
        ]);
        assert_eq!(ci.provider.as_deref(), Some("GitHub Actions"));
        assert_eq!(
            ci.build_url.as_deref(),
            Some("https://github.com/acme/shop/actions/runs/99")
        );
        assert_eq!(ci.branch.as_deref(), Some("feature/x"));
        assert!(ci.pull_request);
        assert_eq!(ci.short_commit(), Some("0123456789ab"));
    }

    #[test]
    fn gitlab_jenkins_azure_circle_buildkite() {
        let gl = detect(&[
            ("GITLAB_CI", "true"),
            ("CI_JOB_URL", "https://gl/j/1"),
            ("CI_COMMIT_BRANCH", "main"),
        ]);
        assert_eq!(gl.branch.as_deref(), Some("main"));
        let j = detect(&[
            ("JENKINS_URL", "http://j"),
            ("GIT_BRANCH", "origin/main"),
            ("BUILD_NUMBER", "5"),
        ]);
        assert_eq!(j.branch.as_deref(), Some("main"));
        let az = detect(&[
            ("TF_BUILD", "True"),
            ("BUILD_SOURCEBRANCH", "refs/heads/release"),
        ]);
        assert_eq!(az.branch.as_deref(), Some("release"));
        let c = detect(&[("CIRCLECI", "true"), ("CIRCLE_BRANCH", "dev")]);
        assert_eq!(c.provider.as_deref(), Some("CircleCI"));
        let b = detect(&[("BUILDKITE", "true"), ("BUILDKITE_PULL_REQUEST", "false")]);
        assert!(!b.pull_request);
        assert_eq!(detect(&[]), CiInfo::default());
    }
}
