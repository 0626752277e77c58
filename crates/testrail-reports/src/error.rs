//! Errors a reader reports: always with the file, and with `line:col` where the input has one.

use std::path::{Path, PathBuf};

/// Why a report could not be read. Display is `path[:line:col]: what is wrong`;
/// [`ReportError::hint`]
/// says how to fix it. A reader that returns an error has stopped: executions pushed before the
/// error must not be sent (the engine discards them).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The path given does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The report path as the user gave it.
        path: PathBuf,
    },
    /// The path names a directory; readers take one file at a time (globs are expanded earlier).
    #[error("{}: is a directory, not a report file", path.display())]
    IsDirectory {
        /// The directory's path.
        path: PathBuf,
    },
    /// The file exists but reading it failed (permissions, I/O error mid-read).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The report being read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file has no content at all (often a test run that crashed before writing it).
    #[error("{}: the file is empty", path.display())]
    Empty {
        /// The empty report.
        path: PathBuf,
    },
    /// Sniffing recognised none of the supported formats and no `--format` was given.
    #[error("{}: cannot tell which report format this is", path.display())]
    UnknownFormat {
        /// The report whose format is unknown.
        path: PathBuf,
    },
    /// The content is not well-formed (or uses something we refuse, like a DTD).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Malformed {
        /// The report being read.
        path: PathBuf,
        /// 1-based line of the offending input.
        line: u64,
        /// 1-based column of the offending input, in bytes.
        column: u64,
        /// What is wrong there, in one sentence.
        message: String,
        /// How to fix the report (shown by [`ReportError::hint`]).
        hint: String,
    },
    /// Elements (or TAP subtests) nest deeper than [`crate::MAX_NESTING`]: no framework writes
    /// that, and reading on would let a small file cost memory and time out of proportion.
    #[error(
        "{}:{line}:{column}: {what} nested {depth} deep, past the limit of {limit} levels",
        path.display()
    )]
    TooDeep {
        /// The report being read.
        path: PathBuf,
        /// 1-based line of the element (or subtest) one level too deep.
        line: u64,
        /// 1-based column of it, in bytes.
        column: u64,
        /// What nests: `elements` or `subtests`.
        what: &'static str,
        /// How deep it is.
        depth: usize,
        /// The limit it passed.
        limit: usize,
    },
}

impl ReportError {
    pub(crate) fn malformed(
        path: &Path,
        (line, column): (u64, u64),
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        ReportError::Malformed {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub(crate) fn too_deep(
        path: &Path,
        (line, column): (u64, u64),
        what: &'static str,
        depth: usize,
    ) -> Self {
        ReportError::TooDeep {
            path: path.to_path_buf(),
            line,
            column,
            what,
            depth,
            limit: crate::MAX_NESTING,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReportError::NotFound { path }
            | ReportError::IsDirectory { path }
            | ReportError::Io { path, .. }
            | ReportError::Empty { path }
            | ReportError::UnknownFormat { path }
            | ReportError::Malformed { path, .. }
            | ReportError::TooDeep { path, .. } => path,
        }
    }

    /// `(line, column)`, 1-based, when the error points into the file.
    pub fn location(&self) -> Option<(u64, u64)> {
        match self {
            ReportError::Malformed { line, column, .. }
            | ReportError::TooDeep { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// One line telling the user how to fix it.
    pub fn hint(&self) -> String {
        match self {
            ReportError::NotFound { .. } => {
                "check the path or glob; reports are usually written by the test step".into()
            }
            ReportError::IsDirectory { .. } => {
                "pass the report files inside it, e.g. a glob like 'reports/*.xml'".into()
            }
            ReportError::Io { .. } => "check the file's permissions and that it is readable".into(),
            ReportError::Empty { .. } => {
                "the test step wrote nothing: check that it ran and finished writing the report"
                    .into()
            }
            ReportError::UnknownFormat { .. } => {
                "pass --input-format junit|robot|cucumber|tap|ctrf|playwright|behave if this is a report"
                    .into()
            }
            ReportError::Malformed { hint, .. } => hint.clone(),
            ReportError::TooDeep { limit, .. } => format!(
                "no test framework nests a report {limit} levels deep: the file was generated to \
                 exhaust memory, or its writer looped; regenerate it, or fix the writer"
            ),
        }
    }
}
