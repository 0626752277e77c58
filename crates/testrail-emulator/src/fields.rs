//! Reading request bodies field by field, so a wrong type is answered the way TestRail does
//! (`Field :suite_id is not a valid ID.`) instead of with a serde message.

use serde_json::{Map, Value};
use testrail_api::models::{Extra, Id};

use crate::error::{ApiError, ApiResult};

/// A JSON object body; `prefix` names nested fields (`results.`) in error texts.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl<'a> Fields<'a> {
    /// Reads a top-level body; errors name fields as they are (`Field :suite_id`).
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Fields { map, prefix: "" }
    }

    /// Reads a nested object; errors name fields with `prefix` (`Field :results.case_id`).
    pub fn nested(map: &'a Map<String, Value>, prefix: &'a str) -> Self {
        Fields { map, prefix }
    }

    fn name(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    /// The value, treating JSON `null` as absent.
    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// Whether the key is present, even as `null` (an update that clears a field).
    pub fn has(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    /// An optional ID: positive integer or digit string; anything else is "not a valid ID".
    pub fn opt_id(&self, field: &str) -> ApiResult<Option<Id>> {
        self.raw(field)
            .map(|v| value_to_id(v).ok_or_else(|| ApiError::invalid_id(&self.name(field))))
            .transpose()
    }

    /// A required ID: missing is "is a required field", wrong is "not a valid ID".
    pub fn req_id(&self, field: &str) -> ApiResult<Id> {
        self.opt_id(field)?
            .ok_or_else(|| ApiError::required(&self.name(field)))
    }

    /// An optional string; numbers are accepted as their text, as PHP does.
    pub fn opt_str(&self, field: &str) -> ApiResult<Option<String>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ApiError::bad(format!(
                "Field :{} is not a valid string.",
                self.name(field)
            ))),
        }
    }

    /// A required, non-blank string (TestRail treats `""` as missing).
    pub fn req_str(&self, field: &str) -> ApiResult<String> {
        match self.opt_str(field)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ApiError::required(&self.name(field))),
        }
    }

    /// An optional boolean: `true`/`false` or 0/1.
    pub fn opt_bool(&self, field: &str) -> ApiResult<Option<bool>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
            Some(_) => Err(ApiError::bad(format!(
                "Field :{} is not a valid boolean.",
                self.name(field)
            ))),
        }
    }

    /// An optional non-negative UNIX timestamp in seconds; anything else is `Field :due_on is
    /// not a valid integer.` (seen verbatim for `due_on`/`start_on`, testrail-observed 5.5).
    pub fn opt_timestamp(&self, field: &str) -> ApiResult<Option<i64>> {
        match self.raw(field) {
            None => Ok(None),
            Some(v) => v.as_i64().filter(|t| *t >= 0).map(Some).ok_or_else(|| {
                ApiError::bad(format!(
                    "Field :{} is not a valid integer.",
                    self.name(field)
                ))
            }),
        }
    }

    /// An optional status ID: an integer that is not a positive ID (`-1`, `0`) is already "not
    /// a valid status" (seen verbatim for -1, testrail-observed 3.7); the caller checks that a
    /// positive one exists. Anything but an integer is "not a valid ID".
    pub fn opt_status(&self, field: &str) -> ApiResult<Option<Id>> {
        match self.raw(field) {
            Some(Value::Number(n)) if n.as_i64().is_some_and(|i| i <= 0) => {
                Err(ApiError::not_valid(&self.name(field), "status"))
            }
            _ => self.opt_id(field),
        }
    }

    /// A list of IDs: a JSON array or TestRail's comma string (`"1,2,3"`).
    pub fn opt_ids(&self, field: &str) -> ApiResult<Option<Vec<Id>>> {
        let bad = || ApiError::invalid_id(&self.name(field));
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| value_to_id(v).ok_or_else(bad))
                .collect::<ApiResult<_>>()
                .map(Some),
            Some(Value::String(s)) => parse_id_list(s).ok_or_else(bad).map(Some),
            Some(_) => Err(bad()),
        }
    }

    /// The `custom_*` fields, kept as sent.
    pub fn custom(&self) -> Extra {
        self.map
            .iter()
            .filter(|(k, _)| k.starts_with("custom_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// TestRail's limit for names and titles, in characters.
pub const MAX_NAME_CHARS: usize = 250;

/// `name` (and a case's `title`) over 250 characters: 400 `Field :name is too long (250
/// characters at most).` (seen verbatim, testrail-observed 8.12 and 3.15), for every endpoint
/// that names what it creates or edits. Result bodies have no name.
pub fn check_name_lengths(endpoint: &str, body: &Map<String, Value>) -> ApiResult<()> {
    if !(endpoint.starts_with("add_") || endpoint.starts_with("update_"))
        || endpoint.contains("result")
    {
        return Ok(());
    }
    for field in ["name", "title"] {
        if let Some(Value::String(s)) = body.get(field)
            && s.chars().count() > MAX_NAME_CHARS
        {
            return Err(ApiError::bad(format!(
                "Field :{field} is too long ({MAX_NAME_CHARS} characters at most)."
            )));
        }
    }
    Ok(())
}

/// An ID is a positive integer; digit strings are accepted as PHP does.
pub fn value_to_id(v: &Value) -> Option<Id> {
    match v {
        Value::Number(n) => n.as_u64().filter(|i| *i > 0),
        Value::String(s) => s.trim().parse::<Id>().ok().filter(|i| *i > 0),
        _ => None,
    }
}

/// `"1, 2,3"` -> `[1, 2, 3]`; `""` -> `[]`.
pub fn parse_id_list(s: &str) -> Option<Vec<Id>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<Id>().ok().filter(|i| *i > 0))
        .collect()
}

/// Seconds in a TestRail time span (`"1h 5m"`, `"30s"`, `"0.5s"`); `None` when malformed.
/// Units as TestRail's defaults: a day is 8 hours and a week 5 days.
pub fn timespan_seconds(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
        } else if c.is_whitespace() {
            if !number.is_empty() {
                return None;
            }
        } else {
            let unit = match c.to_ascii_lowercase() {
                'w' => 5.0 * 8.0 * 3600.0,
                'd' => 8.0 * 3600.0,
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return None,
            };
            total += number.parse::<f64>().ok()? * unit;
            number.clear();
        }
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(timespan_seconds("1m 45s"), Some(105.0));
        assert_eq!(timespan_seconds("0.5s"), Some(0.5));
        assert_eq!(timespan_seconds("0s"), Some(0.0));
        assert_eq!(timespan_seconds("12"), None);
        assert_eq!(timespan_seconds("3x"), None);
        assert_eq!(timespan_seconds(""), None);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let body = serde_json::json!({"suite_id": "x", "name": 3, "include_all": "yes", "case_ids": [1, "2", -3]});
        let f = Fields::nested(body.as_object().unwrap(), "results.");
        assert_eq!(
            f.opt_id("suite_id").unwrap_err().message,
            "Field :results.suite_id is not a valid ID."
        );
        assert_eq!(f.opt_str("name").unwrap(), Some("3".into()));
        assert!(
            f.opt_bool("include_all")
                .unwrap_err()
                .message
                .contains("boolean")
        );
        assert!(f.opt_ids("case_ids").is_err());
    }
}
