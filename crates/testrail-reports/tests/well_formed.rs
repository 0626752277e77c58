//! XML that is not well-formed in ways quick-xml lets pass (issue #22): a literal NUL in a test
//! name and a duplicated attribute were read (exit 0, the first value won), while `&#0;` was
//! refused. Each is refused like any other malformed XML, at `line:col` — on the calling thread
//! for a small report and with the tokenizer on a second thread for one over 256 KiB.

use std::path::Path;

use testrail_reports::{Format, ReadOptions, ReportError, TestExecution, read};

fn read_junit(xml: &[u8], pipeline: bool) -> Result<Vec<TestExecution>, ReportError> {
    let mut out = Vec::new();
    let options = ReadOptions {
        pipeline,
        ..ReadOptions::default()
    };
    read(xml, Path::new("r.xml"), Format::Junit, &options, &mut |e| {
        out.push(e)
    })?;
    Ok(out)
}

/// Passing test cases enough to push a report past the 256 KiB the second thread starts at.
fn padding() -> String {
    "<testcase name=\"pad\" classname=\"p\" time=\"0.1\"/>\n".repeat(8000)
}

/// `body` inside a `<testsuite>`, small and (after 8,000 lines of padding) large; the
/// error's line:col in each, read both ways, must be `(line, col)` and `(line + 8000, col)`,
/// with a message containing `message`.
fn refused_both_ways(body: &[u8], at: (u64, u64), message: &str) {
    refused(body, at, message, true);
}

/// [`refused_both_ways`], the large report only `with_large`.
fn refused(body: &[u8], (line, col): (u64, u64), message: &str, with_large: bool) {
    let head = b"<testsuite name=\"s\">\n".to_vec();
    let tail = b"\n</testsuite>\n";
    let mut reports = vec![([&head[..], body, tail].concat(), (line, col))];
    if with_large {
        let large = [&head[..], padding().as_bytes(), body, tail].concat();
        assert!(large.len() > 256 * 1024);
        reports.push((large, (line + 8000, col)));
    }
    for (xml, at) in reports {
        for pipeline in [false, true] {
            match read_junit(&xml, pipeline) {
                Err(e @ ReportError::Malformed { .. }) => {
                    assert_eq!(e.location(), Some(at), "{e} (pipeline {pipeline})");
                    assert!(e.to_string().contains(message), "{e}");
                    assert!(!e.hint().is_empty());
                }
                other => panic!(
                    "{:?}: expected an error, got {:?}",
                    String::from_utf8_lossy(body),
                    other.map(|v| v.len())
                ),
            }
        }
    }
}

/// The first case: a literal NUL byte in a test name was read as part of the name.
#[test]
fn a_nul_byte_in_a_test_name_is_refused_like_any_malformed_xml() {
    refused_both_ways(
        b"<testcase name=\"C1 a\0b\"/>",
        (2, 1),
        "control character U+0000 in <testcase>",
    );
}

/// The second case: `name` twice, and the first one won.
#[test]
fn a_duplicated_attribute_is_refused_not_first_value_wins() {
    refused_both_ways(
        b"<testcase name=\"a\" name=\"b\"/>",
        (2, 1),
        "attribute `name` appears twice in <testcase>",
    );
    // A tag quick-xml reads (spaces around `=`): the same check.
    refused_both_ways(
        b"<testcase name = \"a\" classname=\"c\" name='b'/>",
        (2, 1),
        "attribute `name` appears twice",
    );
    // Also on an element no reader looks at, and among many attributes (sorted, not n²).
    refused_both_ways(
        b"<x a=\"1\" a=\"2\"/>",
        (2, 1),
        "attribute `a` appears twice",
    );
    let many: String = (0..5000).map(|i| format!(" a{i}=\"v\"")).collect();
    let tag = format!("<testcase name=\"t\"{many} a4999=\"again\"/>");
    refused_both_ways(tag.as_bytes(), (2, 1), "attribute `a4999` appears twice");
}

/// Every C0 control but tab, LF and CR, raw in text, CDATA, an attribute or a comment, and the
/// non-characters U+FFFE / U+FFFF: refused at the character (text) or the tag (attributes).
#[test]
fn control_characters_xml_forbids_are_refused_in_text_and_attributes() {
    for c in (0u8..0x20).filter(|c| !matches!(c, b'\t' | b'\n' | b'\r')) {
        let code = format!("U+{c:04X}");
        // Every one small; a few in a large report too (read on two threads).
        let large = matches!(c, 0 | 0x0B | 0x1F);
        let text = [
            &b"<testcase name=\"t\"><system-out>ok "[..],
            &[c],
            b"</system-out></testcase>",
        ]
        .concat();
        refused(&text, (2, 35), &code, large);
        let cdata = [
            &b"<testcase name=\"t\"><failure><![CDATA[x"[..],
            &[c],
            b"]]></failure></testcase>",
        ]
        .concat();
        refused(&cdata, (2, 39), &code, large);
        let attr = [&b"<testcase name=\"t\" classname=\"a"[..], &[c], b"\"/>"].concat();
        refused(&attr, (2, 1), &code, large);
    }
    refused_both_ways(b"<testcase name=\"t\"/><!-- \x07 -->", (2, 21), "U+0007");
    refused_both_ways(
        "<testcase name=\"t\"><system-out>a\u{FFFE}</system-out></testcase>".as_bytes(),
        (2, 33),
        "non-character U+FFFE",
    );
    refused_both_ways(
        "<testcase name=\"x\u{FFFF}\"/>".as_bytes(),
        (2, 1),
        "non-character U+FFFF",
    );
}

/// What stays accepted: tab, LF and CR raw; and a *reference* to a control character such as
/// `&#27;` — XML 1.0 forbids it too, but Maven Surefire (the most common JUnit writer) writes
/// ANSI colour codes in test output exactly so, and refusing it would refuse real reports.
/// `&#0;` stays refused.
#[test]
fn tabs_line_ends_and_referenced_controls_are_still_read() {
    let xml = "<testsuite>\n<testcase name=\"a\tb\" classname=\"c\r\nd\">\
               <system-out>\t&#27;[31mred&#27;[0m\r\n</system-out></testcase></testsuite>";
    for pipeline in [false, true] {
        let got = read_junit(xml.as_bytes(), pipeline).unwrap();
        assert_eq!(got[0].name, "a b");
        // (Colour codes are then stripped from output, as from any other.)
        assert_eq!(got[0].stdout.as_deref(), Some("\tred\n"));
    }
    let e = read_junit(b"<testsuite><testcase name=\"a&#0;\"/></testsuite>", false).unwrap_err();
    assert!(e.to_string().starts_with("r.xml:1:12: "), "{e}");
}
