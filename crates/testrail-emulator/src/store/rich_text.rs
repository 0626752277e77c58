//! TestRail 9.8+ rich-text storage: `add_case`/`update_case` store plain text sent to a Text
//! field as HTML, wrapped in one `<p>…</p>` with a trailing newline (testrail-observed §8.16:
//! sent `'X\n1. …'`, stored `'<p>X\n1. …</p>\n'`). This is why trcli strips `<p>` from automation
//! IDs before matching. Off unless the fixture sets `"rich_text": true`: older instances and
//! String fields store what was sent.

use serde_json::Value;
use testrail_api::models::{Extra, Field, FieldType};

/// Wraps the string values of Text fields in `values`, as a 9.8+ server stores them.
pub fn wrap_text_fields(fields: &[Field], values: &mut Extra) {
    for (key, value) in values.iter_mut() {
        let is_text = fields
            .iter()
            .any(|f| &f.system_name == key && f.field_type() == FieldType::Text);
        if let (true, Value::String(text)) = (is_text, &*value) {
            *value = Value::String(paragraph(text));
        }
    }
}

/// `text` as the editor stores it; text already starting with `<p>` is kept (a client that
/// sends HTML, or a value read back and sent again).
fn paragraph(text: &str) -> String {
    if text.trim_start().starts_with("<p>") || text.trim().is_empty() {
        return text.to_owned();
    }
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('—', "&mdash;");
    format!("<p>{escaped}</p>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_wrapped_once_and_escaped() {
        assert_eq!(paragraph("a.B.test_x"), "<p>a.B.test_x</p>\n");
        assert_eq!(paragraph("x<y — z&"), "<p>x&lt;y &mdash; z&amp;</p>\n");
        assert_eq!(paragraph("<p>kept</p>\n"), "<p>kept</p>\n");
    }
}
