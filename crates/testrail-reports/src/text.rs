//! Bounded text: long messages, traces and captured output are trimmed *while* they are read,
//! keeping the head and the tail (where the assertion and the final error usually are).

/// Collects text up to `max` bytes. Beyond that, it keeps the first half and a rolling last
/// half, and counts what was dropped in between, so memory stays `O(max)` per field whatever
/// the report holds.
#[derive(Debug, Clone)]
pub(crate) struct BoundedText {
    head: String,
    tail: String,
    max: usize,
    trimmed: u64,
    touched: bool,
}

impl BoundedText {
    /// `max == 0` means no limit.
    pub(crate) fn new(max: usize) -> Self {
        BoundedText {
            head: String::new(),
            tail: String::new(),
            max,
            trimmed: 0,
            touched: false,
        }
    }

    fn head_cap(&self) -> usize {
        if self.max == 0 {
            usize::MAX
        } else {
            self.max / 2
        }
    }

    fn tail_cap(&self) -> usize {
        self.max - self.max / 2
    }

    pub(crate) fn push_str(&mut self, mut s: &str) {
        self.touched = true;
        if self.tail.is_empty() {
            let room = self.head_cap().saturating_sub(self.head.len());
            let take = floor_char_boundary(s, room.min(s.len()));
            self.head.push_str(&s[..take]);
            s = &s[take..];
        }
        if s.is_empty() {
            return;
        }
        self.tail.push_str(s);
        // Let the tail grow to twice its share before cutting, so trimming is amortised.
        if self.tail.len() > 2 * self.tail_cap() {
            self.cut_tail();
        }
    }

    fn cut_tail(&mut self) {
        if self.tail.len() <= self.tail_cap() {
            return;
        }
        let cut = ceil_char_boundary(&self.tail, self.tail.len() - self.tail_cap());
        self.trimmed += cut as u64;
        self.tail.drain(..cut);
    }

    /// The text so far, leaving this empty (same limit).
    pub(crate) fn take(&mut self) -> BoundedText {
        std::mem::replace(self, BoundedText::new(self.max))
    }

    /// Whether anything (even "") was pushed: `<failure></failure>` differs from no element.
    pub(crate) fn is_touched(&self) -> bool {
        self.touched
    }

    /// The text, with a `… [N bytes trimmed] …` marker where the middle was dropped.
    pub(crate) fn finish(mut self) -> String {
        self.cut_tail();
        if self.trimmed > 0 {
            self.head
                .push_str(&format!("\n… [{} bytes trimmed] …\n", self.trimmed));
        }
        self.head.push_str(&self.tail);
        self.head
    }

    /// [`BoundedText::finish_non_blank`] of the text so far, leaving this empty.
    pub(crate) fn take_non_blank(&mut self) -> Option<String> {
        if !self.touched {
            return None;
        }
        if self.trimmed > 0 || !self.tail.is_empty() {
            return self.take().finish_non_blank();
        }
        // Copied out at its size, and the buffer kept: text arrives in many small pieces, and
        // growing a new buffer for every test case costs more than the copy.
        let text = (!self.head.trim().is_empty()).then(|| self.head.clone());
        self.head.clear();
        self.touched = false;
        text
    }

    /// `None` when nothing but whitespace was collected.
    pub(crate) fn finish_non_blank(self) -> Option<String> {
        let s = self.finish();
        if s.trim().is_empty() { None } else { Some(s) }
    }
}

/// Cuts a finished string to `max` bytes the same way (head + marker + tail).
pub(crate) fn bound(s: &str, max: usize) -> String {
    let mut t = BoundedText::new(max);
    t.push_str(s);
    t.finish()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The line a person should read first, from a body with no message of its own: pytest's
/// first `E   ` line (the assertion, not the fixture plumbing printed above it), else the first
/// non-blank line that is not a bare YAML key (`at:`, `stack: |`, which say nothing).
pub(crate) fn first_line(s: &str) -> Option<String> {
    if let Some(assertion) = s.lines().find_map(pytest_error_line) {
        return Some(assertion.to_string());
    }
    let first = s.lines().map(str::trim).find(|l| !l.is_empty())?;
    if is_bare_yaml_key(first) || first == "---" {
        // A YAML diagnostics block (node-tap): only its message says what failed.
        return yaml_message(s);
    }
    Some(first.to_string())
}

/// The `message:` (or node's `error:`) value of a YAML block, when it is on the key's line.
fn yaml_message(s: &str) -> Option<String> {
    s.lines().find_map(|line| {
        let (key, value) = line.trim().split_once(':')?;
        let value = value.trim();
        let quoted = value.len() >= 2
            && (value.starts_with('\'') && value.ends_with('\'')
                || value.starts_with('"') && value.ends_with('"'));
        let value = if quoted {
            &value[1..value.len() - 1]
        } else {
            value
        };
        (matches!(key, "message" | "error") && !value.is_empty() && !value.starts_with(['|', '>']))
            .then(|| value.to_string())
    })
}

/// `E       AssertionError: cart should hold 0 items` → the text after the `E`.
fn pytest_error_line(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("E   ")?;
    let text = rest.trim();
    (!text.is_empty()).then_some(text)
}

/// `at:`, `stack: |`, `source: >-`: a YAML key whose value is on the following lines.
fn is_bare_yaml_key(line: &str) -> bool {
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && matches!(rest.trim(), "" | "|" | "|-" | "|+" | ">" | ">-" | ">+")
}

/// Removes ANSI escape sequences (colours, bold) that reporters write for terminals: TestRail
/// shows them as `\u001b[31m` garbage. Borrowed back unchanged when there is none.
pub(crate) fn strip_ansi(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\u{1b}') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: ESC [ parameters… final byte in @..~
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC (hyperlinks): ESC ] … BEL or ESC \
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`strip_ansi`] in place, allocating only when there is something to strip.
pub(crate) fn strip_ansi_in(text: &mut Option<String>) {
    if let Some(t) = text
        && let std::borrow::Cow::Owned(clean) = strip_ansi(t)
    {
        *t = clean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_whole() {
        let mut t = BoundedText::new(10);
        t.push_str("abc");
        t.push_str("defghij");
        assert_eq!(t.finish(), "abcdefghij");
    }

    #[test]
    fn long_text_keeps_head_and_tail_with_marker() {
        let mut t = BoundedText::new(10);
        for _ in 0..1000 {
            t.push_str("0123456789");
        }
        let s = t.finish();
        assert!(s.starts_with("01234\n… [9990 bytes trimmed] …\n"), "{s}");
        assert!(s.ends_with("56789"));
    }

    #[test]
    fn trimming_respects_char_boundaries() {
        let mut t = BoundedText::new(7);
        for _ in 0..100 {
            t.push_str("äöü€");
        }
        let s = t.finish();
        assert!(s.contains("bytes trimmed"));
    }

    #[test]
    fn headlines_skip_plumbing() {
        let bdd = "fixturefunc = <function holds at 0x7f>\nrequest = <R>\n\n>   x\nE       AssertionError: cart should hold 0 items\nE       assert 1 == 0\n";
        assert_eq!(
            first_line(bdd).as_deref(),
            Some("AssertionError: cart should hold 0 items")
        );
        let tap = "at:\n  fileName: a.mjs\nsource: |\n  t.test(x)\n";
        assert_eq!(first_line(tap), None);
        let ava = "name: AssertionError\nmessage: 'price mismatch'\n";
        assert_eq!(first_line(ava).as_deref(), Some("name: AssertionError"));
        let yaml = "diff: |\n  -a\nmessage: 'price mismatch'\n";
        assert_eq!(first_line(yaml).as_deref(), Some("price mismatch"));
        assert_eq!(
            first_line("Traceback (most recent call last):\n  x").as_deref(),
            Some("Traceback (most recent call last):")
        );
    }

    #[test]
    fn ansi_codes_are_stripped() {
        let pw = "Error: \u{1b}[2mexpect(\u{1b}[22m\u{1b}[31mreceived\u{1b}[39m) \u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}";
        assert_eq!(strip_ansi(pw), "Error: expect(received) link");
        assert!(matches!(strip_ansi("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(strip_ansi("cut \u{1b}["), "cut ");
    }

    #[test]
    fn zero_means_unlimited() {
        let mut t = BoundedText::new(0);
        t.push_str(&"x".repeat(100_000));
        assert_eq!(t.finish().len(), 100_000);
    }
}
