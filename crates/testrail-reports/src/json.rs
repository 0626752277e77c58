//! Shared plumbing for the JSON readers: serde_json reads straight from the counting input (no
//! slurping), readers stream the big arrays entry by entry, and each entry learns the
//! `line:col` where it starts.

use std::cell::RefCell;
use std::io::{BufRead, Read};
use std::path::Path;

use serde::de::DeserializeSeed;
use serde_json::Value;

use crate::error::ReportError;
use crate::input::{CountingReader, Decoded};
use crate::xml::LineCol;

/// The `DeserializeSeed` impls of the readers' seed types, each its own `Visitor`: the seed
/// hands the deserializer itself, and its `visit_seq` or `visit_map` streams the entries.
/// `seeds_visit_themselves! { deserialize_seq: Features, Elements; deserialize_map: Feature; }`
/// for types shaped `Name<'c, 'a, R, S>` (a reader context borrowed for one level).
macro_rules! seeds_visit_themselves {
    ($($method:ident: $($seed:ident),+;)+) => {
        $($(
            impl<'de, R: std::io::BufRead, S: crate::execution::Sink>
                serde::de::DeserializeSeed<'de> for $seed<'_, '_, R, S>
            {
                type Value = ();
                fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                    d.$method(self)
                }
            }
        )+)+
    };
}
pub(crate) use seeds_visit_themselves;

/// The input, shared between serde_json (which reads it) and the seeds (which place entries).
pub(crate) struct Shared<R: BufRead>(pub RefCell<CountingReader<Decoded<R>>>);

impl<R: BufRead> Shared<R> {
    /// Call before deserializing an entry: its first byte will be remembered.
    pub(crate) fn mark(&self) {
        self.0.borrow_mut().mark_next_token();
    }

    /// Where the entry started (after [`Shared::mark`]).
    pub(crate) fn marked(&self) -> LineCol {
        let mut input = self.0.borrow_mut();
        match input.take_mark() {
            Some(pos) => input.line_col(pos),
            None => input.here(),
        }
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.0.borrow().offset()
    }

    /// Reads the whole input as one JSON document through `seed`, which streams its entries to
    /// the sink, and refuses anything after it; errors call the expected format `what`.
    pub(crate) fn read_document<T>(
        &self,
        path: &Path,
        seed: T,
        what: &str,
    ) -> Result<(), ReportError>
    where
        T: for<'de> DeserializeSeed<'de, Value = ()>,
    {
        let mut de = serde_json::Deserializer::from_reader(SharedRead(self));
        seed.deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| json_error(path, e, what))
    }

    /// A valid JSON document without the array its format is built on (`missing`): some other
    /// JSON, read as `format`.
    pub(crate) fn not_this_format(&self, path: &Path, missing: &str, format: &str) -> ReportError {
        ReportError::malformed(
            path,
            self.0.borrow().here(),
            format!("no {missing} array in this JSON"),
            format!("this does not look like {format}: pass the right --input-format"),
        )
    }
}

/// `Read` over [`Shared`], handed to serde_json.
struct SharedRead<'a, R: BufRead>(pub &'a Shared<R>);

impl<R: BufRead> Read for SharedRead<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.0.borrow_mut().read(out)
    }
}

/// Turns a serde_json error into `path:line:col: message` with a hint.
fn json_error(path: &Path, e: serde_json::Error, what: &str) -> ReportError {
    use serde_json::error::Category;
    let at = (e.line().max(1) as u64, e.column().max(1) as u64);
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    match e.classify() {
        Category::Io => ReportError::io(path, std::io::Error::other(message)),
        Category::Eof => ReportError::malformed(
            path,
            at,
            "unexpected end of file: the report is truncated",
            "the test run was probably interrupted while writing the report: rerun it",
        ),
        Category::Syntax => ReportError::malformed(
            path,
            at,
            message,
            "the report is not valid JSON (is it UTF-8?): regenerate it",
        ),
        Category::Data => ReportError::malformed(
            path,
            at,
            message,
            format!("this does not look like {what}: pass the right --input-format"),
        ),
    }
}

/// A string, or an array of strings joined by `sep` (CTRF allows both in places).
pub(crate) fn joined(v: &Value, sep: &str) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            (!parts.is_empty()).then(|| parts.join(sep))
        }
        _ => None,
    }
}
