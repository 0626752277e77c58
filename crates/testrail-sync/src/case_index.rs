//! A local copy of one suite's cases (ID, section, title, automation ID), so matching by
//! automation ID does not read every case on every sync: 20,000 cases are 80 pages, half a
//! minute of a cloud instance's 180 requests/minute. The copy is refreshed with
//! `get_cases&updated_after=` (usually one short page) and kept in a directory CI can cache.
//!
//! What `updated_after` cannot show is a deleted case. A case ID that TestRail refuses is the
//! sign: the caller then calls [`CaseIndex::invalidate`] and the next load reads everything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use testrail_api::Client;
use testrail_api::models::{Case, Id};

use crate::automation::stored_value;
use crate::error::SyncError;

/// Bumped when the file's layout changes; an older file is read again from TestRail.
const FORMAT: u32 = 1;

/// One case as the index keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedCase {
    pub id: Id,
    pub section_id: Id,
    pub title: String,
    /// Decoded as trcli reads it (see [`stored_value`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation_id: Option<String>,
}

impl IndexedCase {
    pub fn from_case(case: &Case) -> Self {
        IndexedCase {
            id: case.id,
            section_id: case.section_id,
            title: case.title.clone(),
            automation_id: stored_value(&case.extra),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    format: u32,
    host: String,
    project_id: Id,
    suite_id: Id,
    /// The newest `updated_on` seen: where the next refresh starts.
    high_water: i64,
    cases: BTreeMap<Id, IndexedCase>,
}

/// How the cases were obtained this time, for the `-v` log and the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// No usable file (first run, another suite, `--no-cache`): every case was read.
    FullRead,
    /// The file was brought up to date with this many changed cases.
    Refreshed { changed: usize },
}

pub struct CaseIndex {
    file: Option<PathBuf>,
    stored: Stored,
    pub freshness: Freshness,
    /// HTTP requests the load took.
    pub requests: u64,
}

impl CaseIndex {
    /// Loads the suite's cases: from `dir`'s index refreshed since its last read, else all
    /// of them (`dir` = None: no file at all). The index is saved again before returning.
    pub async fn load(
        client: &Client,
        dir: Option<&Path>,
        project_id: Id,
        suite_id: Id,
    ) -> Result<CaseIndex, SyncError> {
        let file = dir.map(|d| index_path(d, client.host(), project_id, suite_id));
        let before = client.request_count();
        let previous = file
            .as_deref()
            .and_then(read_file)
            .filter(|s| s.format == FORMAT && s.host == client.host())
            .filter(|s| s.project_id == project_id && s.suite_id == suite_id);
        let (stored, freshness) = match previous {
            Some(mut stored) => {
                // One second back: a case changed within the second of the last read is read
                // again rather than missed, whether the server compares with > or >=.
                let since = stored.high_water.saturating_sub(1);
                let changed = client
                    .get_cases_updated_after(project_id, Some(suite_id), since)
                    .await
                    .map_err(|e| SyncError::api("refreshing the case index (get_cases)", e))?;
                let n = changed.len();
                merge(&mut stored, &changed);
                (stored, Freshness::Refreshed { changed: n })
            }
            None => {
                let cases = client
                    .get_cases(project_id, Some(suite_id))
                    .await
                    .map_err(|e| SyncError::api("reading the suite's cases (get_cases)", e))?;
                let mut stored = Stored {
                    format: FORMAT,
                    host: client.host().to_owned(),
                    project_id,
                    suite_id,
                    high_water: 0,
                    cases: BTreeMap::new(),
                };
                merge(&mut stored, &cases);
                (stored, Freshness::FullRead)
            }
        };
        let index = CaseIndex {
            file,
            stored,
            freshness,
            requests: client.request_count() - before,
        };
        index.log();
        index.save();
        Ok(index)
    }

    fn log(&self) {
        let place = self
            .file
            .as_deref()
            .map_or("not kept (no cache directory)".to_owned(), |p| {
                p.display().to_string()
            });
        match self.freshness {
            Freshness::FullRead => tracing::info!(
                "case index {place}: read all {} cases of suite S{} ({} requests)",
                self.stored.cases.len(),
                self.stored.suite_id,
                self.requests
            ),
            Freshness::Refreshed { changed } => tracing::info!(
                "case index {place}: {} cases, {changed} changed since the last read ({} requests)",
                self.stored.cases.len(),
                self.requests
            ),
        }
    }

    pub fn cases(&self) -> impl Iterator<Item = &IndexedCase> {
        self.stored.cases.values()
    }

    pub fn len(&self) -> usize {
        self.stored.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stored.cases.is_empty()
    }

    pub fn path(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Records cases just created, so the next sync need not read them back.
    pub fn add(&mut self, created: &[Case]) {
        merge(&mut self.stored, created);
        self.save();
    }

    /// Forgets the file: the next load reads every case again. Used when TestRail refuses a
    /// case ID the index still had (deleted cases never show up in `updated_after`).
    pub fn invalidate(&self) {
        if let Some(file) = &self.file {
            tracing::info!(
                "case index {}: dropped, a case it listed is gone; the next sync reads all cases",
                file.display()
            );
            let _ = std::fs::remove_file(file);
        }
    }

    /// Written to a temporary file and renamed, so a crash never leaves half an index. A cache
    /// that cannot be written only costs the next sync a full read, so it is a warning.
    fn save(&self) {
        let Some(file) = &self.file else { return };
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = file.with_extension("json.tmp");
            let body = serde_json::to_vec(&self.stored).map_err(std::io::Error::other)?;
            std::fs::write(&tmp, body)?;
            std::fs::rename(&tmp, file)
        })();
        if let Err(e) = result {
            tracing::warn!("case index {}: not saved: {e}", file.display());
        }
    }
}

fn merge(stored: &mut Stored, cases: &[Case]) {
    for case in cases {
        stored.high_water = stored.high_water.max(case.updated_on);
        if case.is_deleted != 0 || case.suite_id != 0 && case.suite_id != stored.suite_id {
            stored.cases.remove(&case.id);
        } else {
            stored.cases.insert(case.id, IndexedCase::from_case(case));
        }
    }
}

fn read_file(path: &Path) -> Option<Stored> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(stored) => Some(stored),
        Err(e) => {
            tracing::warn!(
                "case index {}: unreadable ({e}); reading every case again",
                path.display()
            );
            None
        }
    }
}

/// One file per instance, project and suite: `case-index-P1-S2-<host hash>.json`.
pub fn index_path(dir: &Path, host: &str, project_id: Id, suite_id: Id) -> PathBuf {
    dir.join(format!(
        "case-index-P{project_id}-S{suite_id}-{:08x}.json",
        fnv1a(host.trim_end_matches('/'))
    ))
}

/// A stable hash (std's is seeded per process), only to tell instances' files apart.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_tracks_the_newest_change_and_drops_deleted_or_moved_cases() {
        let mut stored = Stored {
            format: FORMAT,
            host: "h".into(),
            project_id: 1,
            suite_id: 2,
            high_water: 0,
            cases: BTreeMap::new(),
        };
        let case = |id, updated_on, suite_id, is_deleted| Case {
            id,
            updated_on,
            suite_id,
            is_deleted,
            title: format!("t{id}"),
            ..Case::default()
        };
        merge(&mut stored, &[case(1, 10, 2, 0), case(2, 30, 2, 0)]);
        merge(&mut stored, &[case(1, 40, 2, 1), case(2, 35, 9, 0)]);
        assert!(stored.cases.is_empty());
        assert_eq!(stored.high_water, 40);
        let a = index_path(Path::new("d"), "https://a.testrail.io", 1, 2);
        let b = index_path(Path::new("d"), "https://b.testrail.io/", 1, 2);
        assert_ne!(a, b);
        assert!(a.to_string_lossy().contains("case-index-P1-S2-"));
    }
}
