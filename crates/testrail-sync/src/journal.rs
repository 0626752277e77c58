//! An append-only record of a sync (the run it writes to and every batch sent and
//! acknowledged), so rerunning the same command after a crash resumes into the same run
//! without posting anything twice. One JSON object per line, flushed and synced per event.
//!
//! Holds no secrets: only the host, IDs and case numbers.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use testrail_api::models::Id;

use crate::error::SyncError;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run results go to, and the newest result ID it held before we posted anything:
    /// results above it on our cases are ours.
    Start {
        /// The journal key: the same command over the same reports and target (see `journal_key`).
        key: String,
        /// The run results go to.
        run_id: Id,
        /// Newest result ID in the run before this sync posted anything.
        watermark: Id,
        /// Whether this sync created the run rather than reusing one.
        created_run: bool,
    },
    /// A batch is about to be sent for these cases.
    Sending {
        /// Case IDs of the batch.
        cases: Vec<Id>,
    },
    /// TestRail acknowledged the batch for these cases.
    Acked {
        /// Case IDs of the batch.
        cases: Vec<Id>,
    },
    /// The sync finished. Replay ignores it: a finished sync deletes its journal
    /// ([`Journal::finish`]).
    Closed,
}

/// What an earlier, unfinished sync with the same key left behind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovered {
    /// The run the earlier sync wrote to.
    pub run_id: Id,
    /// Newest result ID in the run before that sync posted anything.
    pub watermark: Id,
    /// Whether that sync created the run rather than reusing one.
    pub created_run: bool,
    /// Cases whose batch TestRail acknowledged: never posted again.
    pub acked: BTreeSet<Id>,
    /// Sent but never acknowledged: may or may not have landed.
    pub pending: BTreeSet<Id>,
}

/// The journal file of one sync: append-only JSON lines, synced to disk per event.
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
}

impl Journal {
    /// The journal for `key` under `dir` (created if needed).
    pub fn open(dir: &Path, key: &str) -> Result<Journal, SyncError> {
        fs::create_dir_all(dir).map_err(|e| journal_error(dir, e))?;
        let path = dir.join(format!("{}.jsonl", fnv1a_hex(key)));
        Ok(Journal { path, file: None })
    }

    /// Where the journal lives (shown when asking the user to resume or remove it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what an unfinished sync left, if anything.
    pub fn recover(&self) -> Result<Option<Recovered>, SyncError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(journal_error(&self.path, e)),
        };
        let mut recovered: Option<Recovered> = None;
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|e| journal_error(&self.path, e))?;
            // A line cut short by a crash is the only one that may fail to parse; skip it.
            let Ok(event) = serde_json::from_str::<Event>(&line) else {
                continue;
            };
            apply_event(&mut recovered, event);
        }
        Ok(recovered)
    }

    /// Appends one event and syncs it to disk before returning, creating the file on first use.
    pub fn record(&mut self, event: &Event) -> Result<(), SyncError> {
        if self.file.is_none() {
            // Another sync sharing the directory may have finished and removed it (empty) since
            // `open`: make it again rather than fail.
            if let Some(dir) = self.path.parent() {
                fs::create_dir_all(dir).map_err(|e| journal_error(dir, e))?;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| journal_error(&self.path, e))?;
            self.file = Some(file);
        }
        let file = self.file.as_mut().expect("opened above");
        let mut line = serde_json::to_vec(event).expect("events serialise");
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| journal_error(&self.path, e))
    }

    /// The sync finished: nothing to resume, so a rerun starts afresh. The directory goes too
    /// when nothing else is in it, so a successful sync leaves no empty `.testrail-sync/` behind.
    pub fn finish(mut self) -> Result<(), SyncError> {
        self.file = None;
        match fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(journal_error(&self.path, e)),
        }
        if let Some(dir) = self.path.parent() {
            // Fails, and is meant to, while another sync's journal is still in the directory.
            let _ = fs::remove_dir(dir);
        }
        Ok(())
    }
}

fn apply_event(recovered: &mut Option<Recovered>, event: Event) {
    match event {
        Event::Start {
            run_id,
            watermark,
            created_run,
            ..
        } => {
            *recovered = Some(Recovered {
                run_id,
                watermark,
                created_run,
                ..Default::default()
            })
        }
        Event::Sending { cases } => {
            if let Some(r) = recovered {
                r.pending.extend(cases);
            }
        }
        Event::Acked { cases } => {
            if let Some(r) = recovered {
                for c in cases {
                    r.pending.remove(&c);
                    r.acked.insert(c);
                }
            }
        }
        Event::Closed => {}
    }
}

fn journal_error(path: &Path, e: std::io::Error) -> SyncError {
    SyncError::Journal {
        path: path.display().to_string(),
        message: format!("{e}; check the directory is writable or pass --journal DIR"),
    }
}

/// A stable 64-bit FNV-1a hash (std's hasher may change between Rust releases, and journal
/// names must not).
pub fn fnv1a_hex(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_acked_and_pending_and_ignores_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("trs-journal-{}", std::process::id()));
        let mut j = Journal::open(&dir, "k").unwrap();
        j.record(&Event::Start {
            key: "k".into(),
            run_id: 7,
            watermark: 3,
            created_run: true,
        })
        .unwrap();
        j.record(&Event::Sending { cases: vec![1, 2] }).unwrap();
        j.record(&Event::Sending { cases: vec![3] }).unwrap();
        j.record(&Event::Acked { cases: vec![1, 2] }).unwrap();
        let path = j.path().to_owned();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"event\":\"acked\",\"ca").unwrap();
        let r = Journal::open(&dir, "k")
            .unwrap()
            .recover()
            .unwrap()
            .unwrap();
        assert_eq!((r.run_id, r.watermark), (7, 3));
        assert_eq!(r.acked, BTreeSet::from([1, 2]));
        assert_eq!(r.pending, BTreeSet::from([3]));
        Journal::open(&dir, "k").unwrap().finish().unwrap();
        assert!(
            Journal::open(&dir, "k")
                .unwrap()
                .recover()
                .unwrap()
                .is_none()
        );
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn finishing_removes_the_directory_only_when_nothing_else_is_in_it() {
        let dir = std::env::temp_dir().join(format!("trs-journal-dir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let start = Event::Start {
            key: "a".into(),
            run_id: 1,
            watermark: 0,
            created_run: true,
        };
        let mut a = Journal::open(&dir, "a").unwrap();
        let mut b = Journal::open(&dir, "b").unwrap();
        a.record(&start).unwrap();
        b.record(&start).unwrap();
        a.finish().unwrap();
        assert!(dir.is_dir(), "b's journal is still in it");
        b.finish().unwrap();
        assert!(!dir.exists(), "an empty journal directory is left behind");
        // A sync that opened the directory before another one removed it still records.
        let mut c = Journal::open(&dir, "c").unwrap();
        Journal::open(&dir, "d").unwrap().finish().unwrap();
        c.record(&start).unwrap();
        c.finish().unwrap();
        assert!(!dir.exists());
    }
}
