//! SQLite persistence: one row per entity (`kind`, `id`, JSON, optional BLOB) plus the ID
//! counters. After each write request only the rows it touched are upserted or deleted, in one
//! transaction, so a restart sees every acknowledged write and cost stays proportional to the
//! change (not to the size of the store).

use std::path::Path;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use testrail_api::models::Id;

use crate::store::{Kind, State};

pub struct Db {
    conn: Connection,
}

/// Counters saved beside the rows.
#[derive(Serialize, Deserialize)]
struct Counters {
    next: std::collections::BTreeMap<Kind, Id>,
    next_config_id: Id,
    uuid_counter: u64,
}

impl Db {
    pub fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS rows (
                 kind TEXT NOT NULL, id INTEGER NOT NULL, json TEXT NOT NULL, blob BLOB,
                 PRIMARY KEY (kind, id));
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )?;
        Ok(Db { conn })
    }

    /// The stored state, or `None` for a new (empty) database.
    pub fn load(&self) -> Result<Option<State>, String> {
        let counters: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'counters'", [], |r| {
                r.get(0)
            })
            .ok();
        let Some(counters) = counters else {
            return Ok(None);
        };
        let counters: Counters = serde_json::from_str(&counters).map_err(|e| e.to_string())?;
        let mut state = State::default();
        state.next = counters.next;
        state.next_config_id = counters.next_config_id;
        state.uuid_counter = counters.uuid_counter;
        let mut stmt = self
            .conn
            .prepare("SELECT kind, id, json, blob FROM rows")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })
            .map_err(|e| e.to_string())?;
        for row in rows {
            let (kind, id, json, blob) = row.map_err(|e| e.to_string())?;
            let kind = Kind::parse(&kind).ok_or_else(|| format!("unknown row kind {kind:?}"))?;
            state
                .load_row(kind, id as Id, &json, blob)
                .map_err(|e| format!("{} {id}: {e}", kind.as_str()))?;
        }
        state.rebuild_indexes();
        Ok(Some(state))
    }

    /// Writes the rows changed since the last flush, and the counters, in one transaction.
    pub fn flush(&mut self, state: &mut State) -> rusqlite::Result<()> {
        let dirty = state.take_dirty();
        if dirty.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT OR REPLACE INTO rows (kind, id, json, blob) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM rows WHERE kind = ?1 AND id = ?2")?;
            for (kind, id) in dirty {
                match state.row_json(kind, id) {
                    Some(json) => {
                        let blob = (kind == Kind::Attachment)
                            .then(|| state.attachments[&id].data.as_slice());
                        upsert.execute(params![kind.as_str(), id as i64, json, blob])?;
                    }
                    None => {
                        delete.execute(params![kind.as_str(), id as i64])?;
                    }
                }
            }
            let counters = Counters {
                next: state.next.clone(),
                next_config_id: state.next_config_id,
                uuid_counter: state.uuid_counter,
            };
            let counters = serde_json::to_string(&counters).expect("counters serialize");
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('counters', ?1)",
                [counters],
            )?;
        }
        tx.commit()
    }

    /// Empties the database (reset), ready for a full snapshot.
    pub fn clear(&mut self) -> rusqlite::Result<()> {
        self.conn
            .execute_batch("DELETE FROM rows; DELETE FROM meta;")
    }
}
