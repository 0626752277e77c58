//! The one type every reader produces: a single execution of a single test.

use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// What the report says happened. Readers never invent a verdict the report does not give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Every assertion held.
    Passed,
    /// An assertion failed (JUnit `<failure>`, Robot `FAIL`, TAP `not ok`).
    Failed,
    /// The test could not run properly (JUnit `<error>`, setup failure, undefined step).
    Error,
    /// Skipped, pending, todo, xfail.
    Skipped,
    /// Failed at least once, then passed on a rerun.
    Flaky,
}

impl Outcome {
    /// Lower-case name used in summaries and JSON output: `passed`, `failed`, `error`, `skipped`,
    /// `flaky`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
            Outcome::Flaky => "flaky",
        }
    }
}

/// Where in the report an execution came from, so messages can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLocation {
    /// Shared by every execution of one report (a clone is a reference count, not a copy).
    pub file: Arc<Path>,
    /// 1-based line and column of the element/entry that started this execution.
    pub line: u64,
    /// 1-based column (in bytes) of that element/entry; 0 when unknown.
    pub column: u64,
}

impl Default for ReportLocation {
    fn default() -> Self {
        static NO_FILE: LazyLock<Arc<Path>> = LazyLock::new(|| Arc::from(Path::new("")));
        ReportLocation {
            file: NO_FILE.clone(),
            line: 0,
            column: 0,
        }
    }
}

impl std::fmt::Display for ReportLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One execution of one test, as read from a report.
#[derive(Debug, Clone, PartialEq)]
pub struct TestExecution {
    /// The test's name as the report shows it (JUnit `testcase@name`, Robot test name, …).
    pub name: String,
    /// JUnit classname / suite path joined as the framework joins it ("" when absent).
    pub classname: String,
    /// Source file and line of the test, if the report has them.
    pub file: Option<String>,
    /// 1-based line of the test in `file`, if the report has it.
    pub line: Option<u64>,
    /// What the report says happened to this execution.
    pub outcome: Outcome,
    /// The short failure/skip message (attribute or first line).
    pub message: Option<String>,
    /// Longer text: stack trace or failure body.
    pub details: Option<String>,
    /// Output the test wrote to standard output, as captured in the report.
    pub stdout: Option<String>,
    /// Output the test wrote to standard error, as captured in the report.
    pub stderr: Option<String>,
    /// Wall time of the execution, if the report records one (sent as TestRail `elapsed`).
    pub duration: Option<Duration>,
    /// Case- and suite-level properties, in report order (suite ones first).
    pub properties: Vec<(String, String)>,
    /// Tags (Robot `<tag>`, Cucumber `@tag` without the `@`, behave tags).
    pub tags: Vec<String>,
    /// Files the report links to this execution, as written in the report.
    pub attachments: Vec<String>,
    /// TestRail case IDs the report itself carries in a structured way that a name pattern
    /// cannot see (Robot `testrail:C1` tags, Cucumber `@C1` tags, behave tags). IDs found in names
    /// and properties are extracted later by the engine with the user's patterns.
    pub tagged_case_ids: Vec<u64>,
    /// Rerun attempts folded into this execution (Surefire `flakyFailure`, pytest reruns).
    pub attempts: u32,
    /// Title of the closest enclosing group when the report gives one apart from the name: a
    /// describe block, a parent test, a JUnit `<testsuite>` around testcases. IDs written as
    /// words in it apply to a test that carries none of its own (see [`crate::case_ids`]).
    pub enclosing: Option<String>,
    /// A TAP point inside a subtest: its parent's own point follows and carries its failure
    /// (name, message, diagnostics), so without an ID of its own it is neither a result nor an
    /// unmapped test. node-tap and Perl write one such point per assertion.
    pub carried_by_parent: bool,
    /// Where in the report this execution was read, for error messages and summaries.
    pub location: ReportLocation,
    /// Names of the suites around the test, outermost first (JUnit `<testsuite>`s, Robot
    /// suites, the Cucumber feature); shared by the tests of one suite. A case created for the
    /// test goes into sections of these names.
    pub suite_path: SuitePath,
    /// An automation ID the report states outright (JUnit `custom_automation_id` attribute) or
    /// one a reader must build itself (Cucumber's feature/tags/scenario form); when `None`,
    /// [`TestExecution::automation_id`] derives it. See [`crate::automation_id`].
    pub automation_id: Option<String>,
}

impl TestExecution {
    /// An execution with only a name and an outcome: no suites, no properties, one attempt.
    pub fn new(name: impl Into<String>, outcome: Outcome) -> Self {
        TestExecution {
            name: name.into(),
            classname: String::new(),
            file: None,
            line: None,
            outcome,
            message: None,
            details: None,
            stdout: None,
            stderr: None,
            duration: None,
            properties: Vec::new(),
            tags: Vec::new(),
            attachments: Vec::new(),
            tagged_case_ids: Vec::new(),
            attempts: 1,
            enclosing: None,
            carried_by_parent: false,
            location: ReportLocation::default(),
            suite_path: SuitePath::default(),
            automation_id: None,
        }
    }

    /// The name with its classname in front, as most frameworks display it (for summaries and
    /// comments). Case-ID patterns do not use it: they run over `name` alone, so a pytest class
    /// `TestC109Profile` cannot hand C109 to every method in it.
    pub fn full_name(&self) -> String {
        if self.classname.is_empty() || self.name.contains(&self.classname) {
            self.name.clone()
        } else {
            format!("{} {}", self.classname, self.name)
        }
    }

    /// Values of every property named `key` (compared ASCII case-insensitively), in report order.
    pub fn property(&self, key: &str) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Names of the suites around a test, outermost first. Each suite links to the path of the
/// suite around it instead of copying it: suites nested N deep cost N links, where a copied
/// list per suite cost N²/2 names (a 0.8 MB report of 20,000 nested `<testsuite>`s took
/// 11 GB that way). A clone is a reference count.
#[derive(Clone, Default)]
pub struct SuitePath(Option<Arc<PathLink>>);

struct PathLink {
    name: String,
    /// Names in the path, this one included.
    len: usize,
    parent: SuitePath,
}

impl SuitePath {
    /// This path with `name` added as the innermost suite.
    pub fn child(&self, name: impl Into<String>) -> SuitePath {
        SuitePath(Some(Arc::new(PathLink {
            name: name.into(),
            len: self.len() + 1,
            parent: self.clone(),
        })))
    }

    /// How many suites are around the test.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |link| link.len)
    }

    /// No suites around the test.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The names, innermost first (the order the links go).
    pub fn innermost_first(&self) -> impl Iterator<Item = &str> {
        let mut next = self.0.as_deref();
        std::iter::from_fn(move || {
            let link = next?;
            next = link.parent.0.as_deref();
            Some(link.name.as_str())
        })
    }

    /// The names, outermost first.
    pub fn to_vec(&self) -> Vec<String> {
        let mut names: Vec<String> = self.innermost_first().map(str::to_owned).collect();
        names.reverse();
        names
    }
}

impl<S: Into<String>> FromIterator<S> for SuitePath {
    /// A path from names given outermost first.
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Self {
        names
            .into_iter()
            .fold(SuitePath::default(), |path, name| path.child(name))
    }
}

impl PartialEq for SuitePath {
    fn eq(&self, other: &Self) -> bool {
        let same_link = match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_link
            || (self.len() == other.len() && self.innermost_first().eq(other.innermost_first()))
    }
}

impl std::fmt::Debug for SuitePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

impl Drop for SuitePath {
    /// Unlinks iteratively: the default drop recurses once per suite, which a long enough path
    /// would turn into a stack overflow.
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(link) = next {
            next = match Arc::try_unwrap(link) {
                Ok(mut link) => link.parent.0.take(),
                Err(_) => None,
            };
        }
    }
}

/// The consumer readers push executions into (like ripgrep's `Sink`): nothing is buffered by the
/// reader beyond the execution being built.
pub trait Sink {
    /// Takes one finished execution; called in report order, on the thread that called the reader.
    fn execution(&mut self, execution: TestExecution);
}

impl<F: FnMut(TestExecution)> Sink for F {
    fn execution(&mut self, execution: TestExecution) {
        self(execution)
    }
}
