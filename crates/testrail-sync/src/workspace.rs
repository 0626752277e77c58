//! Which files a report may have uploaded as attachments. In CI the reports, the files they
//! link and the working directory are written by the code under review, so a report is a
//! request from a stranger: "upload this file". Only regular files inside the workspace are
//! granted; system trees and credential stores never are, whatever the roots say.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

/// The directories attachments may come from, resolved (symlinks followed) once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttachmentRoots {
    roots: Vec<PathBuf>,
}

/// The CI systems' variables naming the checkout's directory (where reports and the files
/// they link are written), for jobs that run the tool from another directory.
const WORKSPACE_VARIABLES: &[&str] = &[
    "GITHUB_WORKSPACE",
    "CI_PROJECT_DIR",
    "WORKSPACE",
    "BUILD_SOURCESDIRECTORY",
    "PIPELINE_WORKSPACE",
    "CIRCLE_WORKING_DIRECTORY",
    "BITBUCKET_CLONE_DIR",
    "BUILDKITE_BUILD_CHECKOUT_PATH",
];

/// Trees whose files describe the machine or the process (`/proc/self/environ` holds the
/// key), never test output.
const SYSTEM_TREES: &[&str] = &["/proc", "/dev", "/sys"];

/// Path components that hold credentials wherever they are, inside the workspace too: a
/// checkout's `.git/config` carries the CI token `actions/checkout` persists.
const CREDENTIAL_NAMES: &[&str] = &[
    ".git",
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".testrail-sync-key",
];

/// Why a file a report links was not uploaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Neither in the working directory nor beside the report.
    #[error("no such file (looked in the working directory and beside the report)")]
    Missing,
    /// Resolves (through `..` or a symlink) to a place outside every root.
    #[error(
        "outside the workspace: it is {resolved}, and only files under {roots} are uploaded \
         (add a directory with --attachments-root DIR)"
    )]
    Outside {
        /// Where the path really leads.
        resolved: String,
        /// The roots, joined for the message.
        roots: String,
    },
    /// Under `/proc`, `/dev` or `/sys`.
    #[error("{resolved} is a system file (/proc, /dev and /sys are never uploaded)")]
    System {
        /// Where the path really leads.
        resolved: String,
    },
    /// In a credential store (`.git`, `.ssh`, `.netrc`, …).
    #[error("{resolved} is in `{name}`, which holds credentials and is never uploaded")]
    Credentials {
        /// Where the path really leads.
        resolved: String,
        /// The credential store's name.
        name: String,
    },
    /// A directory, a FIFO, a socket or a device.
    #[error("not a regular file")]
    NotAFile,
    /// There is no workspace to upload from (the tool runs in `/`).
    #[error(
        "no workspace to upload from: the working directory is `/`; name one with \
         --attachments-root DIR"
    )]
    NoRoot,
    /// Over `--max-attachment-mb`.
    #[error("{size} bytes, over the {max}-byte limit (--max-attachment-mb)")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Reading or uploading it failed.
    #[error("{0}")]
    Failed(String),
}

impl Refusal {
    /// A stable name for scripts (`kind` in the JSON summary).
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Outside { .. } => "outside_workspace",
            Refusal::System { .. } => "system_file",
            Refusal::Credentials { .. } => "credentials",
            Refusal::NotAFile => "not_a_file",
            Refusal::NoRoot => "no_workspace",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::Failed(_) => "upload_failed",
        }
    }
}

/// An attachment a report linked that was not uploaded, and why: listed in the summary, never
/// dropped in silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedAttachment {
    /// The case whose result it belonged to.
    pub case_id: u64,
    /// The path as the report wrote it, control characters shown as `\u{FFFD}`.
    pub path: String,
    /// `missing`, `outside_workspace`, `system_file`, `credentials`, `not_a_file`,
    /// `no_workspace`, `too_large` or `upload_failed`.
    pub kind: &'static str,
    /// What is wrong and what to do, for a person.
    pub reason: String,
}

impl AttachmentRoots {
    /// The given directories, resolved; each must exist.
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>) -> Result<Self, (PathBuf, std::io::Error)> {
        let mut roots = Vec::new();
        for dir in dirs {
            let resolved = dir.canonicalize().map_err(|e| (dir.clone(), e))?;
            if !roots.contains(&resolved) {
                roots.push(resolved);
            }
        }
        Ok(AttachmentRoots { roots })
    }

    /// The working directory and the CI system's workspace variable (read through `var`),
    /// without `/`: a tool started in the root directory must not grant the whole machine.
    pub fn workspace(var: impl Fn(&str) -> Option<String>) -> Self {
        let candidates = std::env::current_dir().into_iter().chain(
            WORKSPACE_VARIABLES
                .iter()
                .filter_map(|name| var(name).filter(|v| !v.is_empty()))
                .map(PathBuf::from),
        );
        let mut roots: Vec<PathBuf> = Vec::new();
        for resolved in candidates.filter_map(|dir| dir.canonicalize().ok()) {
            if resolved.parent().is_some() && !roots.contains(&resolved) {
                roots.push(resolved);
            }
        }
        AttachmentRoots { roots }
    }

    /// The resolved roots.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The file to upload for a path a report wrote: relative paths are tried against the
    /// working directory, then beside the report. The answer is the resolved path, so what is
    /// opened later is what was checked (a link swapped afterwards is caught again on open).
    pub fn admit(&self, written: &str, report_dir: Option<&Path>) -> Result<PathBuf, Refusal> {
        let path = PathBuf::from(written.trim());
        let candidates = if path.is_absolute() {
            vec![path]
        } else {
            let mut beside = vec![path.clone()];
            beside.extend(report_dir.map(|d| d.join(&path)));
            beside
        };
        let resolved = candidates
            .iter()
            .find_map(|c| c.canonicalize().ok())
            .ok_or(Refusal::Missing)?;
        self.check_resolved(&resolved)?;
        if !resolved.metadata().is_ok_and(|m| m.is_file()) {
            return Err(Refusal::NotAFile);
        }
        Ok(resolved)
    }

    /// The checks on a path with every link already followed.
    pub(crate) fn check_resolved(&self, resolved: &Path) -> Result<(), Refusal> {
        let shown = resolved.display().to_string();
        if SYSTEM_TREES.iter().any(|tree| resolved.starts_with(tree)) {
            return Err(Refusal::System { resolved: shown });
        }
        if let Some(name) = credential_component(resolved) {
            return Err(Refusal::Credentials {
                resolved: shown,
                name,
            });
        }
        if self.roots.is_empty() {
            return Err(Refusal::NoRoot);
        }
        if !self.roots.iter().any(|root| resolved.starts_with(root)) {
            let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
            return Err(Refusal::Outside {
                resolved: shown,
                roots: roots.join(", "),
            });
        }
        Ok(())
    }
}

fn credential_component(path: &Path) -> Option<String> {
    path.components().find_map(|c| match c {
        Component::Normal(name) => {
            let name = name.to_string_lossy();
            CREDENTIAL_NAMES
                .iter()
                .any(|c| name.eq_ignore_ascii_case(c))
                .then(|| name.into_owned())
        }
        _ => None,
    })
}

/// Reads a granted file for upload, checking again what was opened: a symlink put in place
/// after [`AttachmentRoots::admit`] (a test process still running can race us) must not
/// redirect the read. Reads at most `max_bytes + 1`, so a file that grows cannot exhaust memory.
pub(crate) fn read_granted(
    roots: &AttachmentRoots,
    path: &Path,
    max_bytes: u64,
) -> Result<Vec<u8>, Refusal> {
    use std::io::Read as _;
    let file = open_no_follow(path).map_err(|e| Refusal::Failed(format!("cannot open it: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| Refusal::Failed(format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(Refusal::NotAFile);
    }
    if let Some(opened) = opened_path(&file) {
        roots.check_resolved(&opened)?;
    }
    if meta.len() > max_bytes {
        return Err(Refusal::TooLarge {
            size: meta.len(),
            max: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::Failed(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Refusal::TooLarge {
            size: bytes.len() as u64,
            max: max_bytes,
        });
    }
    Ok(bytes)
}

/// Opens without following a symlink in the last component (the resolved path has none; one
/// there now was planted after the check). Non-blocking, so a FIFO swapped in cannot hang us.
#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Where an open file really is, from the kernel (Linux): catches a directory above the file
/// swapped for a link between the check and the open.
#[cfg(target_os = "linux")]
fn opened_path(file: &std::fs::File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd as _;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn opened_path(_file: &std::fs::File) -> Option<PathBuf> {
    None
}

/// A path a report wrote, safe to print: a control character (a newline starting a line of
/// `::error` workflow commands in a CI log, an escape sequence) becomes U+FFFD.
pub fn printable(written: &str) -> String {
    written
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::printable;

    /// Attack: an attachment path with `&#10;::error::` or `&#27;[2J` reaches the summary a CI
    /// log shows; it must not start a workflow command line or drive the terminal.
    #[test]
    fn a_linked_path_cannot_inject_lines_or_escapes_into_the_summary() {
        assert_eq!(
            printable("a\n::error::x\u{1b}[2J.png"),
            "a\u{FFFD}::error::x\u{FFFD}[2J.png"
        );
        assert_eq!(printable("shots/ok.png"), "shots/ok.png");
    }
}
