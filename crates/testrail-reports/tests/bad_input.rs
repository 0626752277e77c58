//! Reports that are broken, hostile or odd: every one gives a `ReportError` that points at the
//! spot (`path:line:col`) and says how to fix it — or reads correctly when it is merely odd.

use std::path::{Path, PathBuf};

use testrail_reports::{Format, Outcome, ReadOptions, ReportError, TestExecution, read, read_path};

fn read_bytes(bytes: &[u8], format: Format) -> Result<Vec<TestExecution>, ReportError> {
    read_with(bytes, format, &ReadOptions::default())
}

fn read_with(
    bytes: &[u8],
    format: Format,
    options: &ReadOptions,
) -> Result<Vec<TestExecution>, ReportError> {
    let mut out = Vec::new();
    read(bytes, Path::new("r.xml"), format, options, &mut |e| {
        out.push(e)
    })?;
    Ok(out)
}

fn junit_err(xml: &str) -> ReportError {
    read_bytes(xml.as_bytes(), Format::Junit).expect_err("must fail")
}

/// A file in a fresh temp dir (no tempfile crate: std only).
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "testrail-reports-bad-input-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn malformed_xml_points_at_the_spot() {
    let e = junit_err("<testsuite>\n  <testcase name='a'>\n  </testsuite>");
    assert_eq!(e.location(), Some((3, 3)), "{e}");
    assert!(e.to_string().starts_with("r.xml:3:3: "), "{e}");
    assert!(!e.hint().is_empty());
}

#[test]
fn truncated_xml_is_reported_at_the_end() {
    let full = "<testsuites>\n<testsuite name='s'>\n<testcase name='a'/>\n<testcase name='b'>";
    let e = junit_err(full);
    let (line, _) = e.location().unwrap();
    assert_eq!(line, 4, "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    // Cut in the middle of a tag.
    let e = junit_err("<testsuites>\n<testsuite name='s'>\n<testcase name=");
    assert_eq!(e.location().unwrap().0, 3, "{e}");
}

#[test]
fn truncated_real_report_fails_with_location() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/jest/report.xml");
    let report =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()));
    assert!(report.len() > 1000, "{} is too small", path.display());
    let half = &report[..report.len() / 2];
    let e = read_bytes(half, Format::Junit).unwrap_err();
    assert!(
        matches!(e, ReportError::Malformed { line, .. } if line > 1),
        "{e}"
    );
}

#[test]
fn empty_and_blank_files() {
    let path = temp_file("empty.xml", b"");
    let e = read_path(&path, None, &ReadOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ReportError::Empty { .. }), "{e}");
    assert!(
        e.to_string().ends_with("empty.xml: the file is empty"),
        "{e}"
    );
    let path = temp_file("blank.xml", b"  \n\n ");
    let e = read_path(&path, None, &ReadOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ReportError::Empty { .. }), "{e}");
    let e = read_bytes(b"", Format::Tap).unwrap_err();
    assert!(matches!(e, ReportError::Empty { .. }), "{e}");
    let e = read_bytes(b"\n  \n", Format::Junit).unwrap_err();
    assert!(e.to_string().contains("no XML element"), "{e}");
}

#[test]
fn missing_file_and_directory() {
    let e = read_path(
        Path::new("/nonexistent/report.xml"),
        None,
        &ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, ReportError::NotFound { .. }), "{e}");
    let dir = temp_file("x.xml", b"<a/>").parent().unwrap().to_path_buf();
    let e = read_path(&dir, None, &ReadOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ReportError::IsDirectory { .. }), "{e}");
    assert!(e.hint().contains("glob"));
}

#[test]
fn non_utf8_is_an_error_with_location() {
    let e = read_bytes(
        b"<testsuite>\n<testcase name='caf\xE9'/>\n</testsuite>",
        Format::Junit,
    )
    .unwrap_err();
    assert_eq!(e.location(), Some((2, 20)), "{e}");
    assert!(e.to_string().contains("UTF-8"), "{e}");
    let e = read_bytes(b"ok 1 - a\nnot ok 2 - b\xFF\n", Format::Tap).unwrap_err();
    assert_eq!(e.location(), Some((2, 13)), "{e}");
    let e = read_bytes(b"[{\"name\": \"\xFF\"}]", Format::Cucumber).unwrap_err();
    assert!(e.location().is_some(), "{e}");
}

#[test]
fn unsupported_declared_encoding() {
    let e = junit_err("<?xml version='1.0' encoding='Shift_JIS'?><testsuite/>");
    assert!(e.to_string().contains("Shift_JIS"), "{e}");
    assert!(e.hint().contains("iconv"));
}

#[test]
fn latin1_and_utf16_reports_read() {
    let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?><testsuite><testcase name='caf\xE9 C5'/></testsuite>";
    let got = read_bytes(latin1, Format::Junit).unwrap();
    assert_eq!(got[0].name, "café C5");

    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<testsuite>\r\n<testcase name=\"ü C7\"><failure message=\"m\">x</failure></testcase></testsuite>";
    for big_endian in [false, true] {
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            let pair = if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            };
            bytes.extend_from_slice(&pair);
        }
        assert_eq!(testrail_reports::sniff(&bytes), Some(Format::Junit));
        for capacity in [1, 2, 3, 5] {
            let reader = std::io::BufReader::with_capacity(capacity, &bytes[..]);
            let mut got = Vec::new();
            read(
                reader,
                Path::new("u"),
                Format::Junit,
                &ReadOptions::default(),
                &mut |e| got.push(e),
            )
            .unwrap();
            assert_eq!(got[0].name, "ü C7", "capacity {capacity}");
        }
        let path = temp_file(&format!("utf16-{big_endian}.xml"), &bytes);
        let mut got = Vec::new();
        read_path(&path, None, &ReadOptions::default(), &mut |e| got.push(e)).unwrap();
        assert_eq!(got[0].name, "ü C7");
        assert_eq!(got[0].outcome, Outcome::Failed);
        assert_eq!(got[0].location.line, 3);
    }
}

#[test]
fn utf8_bom_and_crlf() {
    let got = read_bytes(
        b"\xEF\xBB\xBF<testsuite>\r\n<testcase name='a'>\r\n<failure>line1\r\nline2</failure></testcase></testsuite>",
        Format::Junit,
    )
    .unwrap();
    assert_eq!(got[0].details.as_deref(), Some("line1\nline2"));
    assert_eq!((got[0].location.line, got[0].location.column), (2, 1));
}

#[test]
fn doctype_billion_laughs_and_external_entities_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuite><testcase name="&lol3;"/></testsuite>"#;
    let e = junit_err(laughs);
    assert_eq!(e.to_string(), "r.xml:2:1: DTDs are not allowed in reports");
    assert!(e.hint().contains("DOCTYPE"));

    let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<testsuite><testcase name=\"&xxe;\"/></testsuite>";
    assert!(
        junit_err(external)
            .to_string()
            .contains("DTDs are not allowed")
    );
    let robot = "<robot>\n<!DOCTYPE x>\n</robot>";
    let e = read_bytes(robot.as_bytes(), Format::Robot).unwrap_err();
    assert!(e.to_string().contains("DTDs are not allowed"), "{e}");
}

#[test]
fn unknown_entities_are_errors_with_location() {
    let e = junit_err(
        "<testsuite>\n<testcase name='a'><failure>x &nbsp; y</failure></testcase></testsuite>",
    );
    assert_eq!(e.to_string(), "r.xml:2:31: unknown entity &nbsp;");
    let e = junit_err("<testsuite>\n <testcase name='a &xxe; b'/></testsuite>");
    assert!(e.to_string().starts_with("r.xml:2:2: "), "{e}");
    assert!(e.to_string().contains("xxe"), "{e}");
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let path = temp_file("garbage.bin", &garbage);
    let e = read_path(&path, None, &ReadOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ReportError::UnknownFormat { .. }), "{e}");
    assert!(e.hint().contains("--input-format"));
    for format in Format::ALL {
        let e = read_bytes(&garbage, format).unwrap_err();
        assert!(!e.hint().is_empty(), "{format}: {e}");
    }
    let e = read_bytes(b"<\x00\x01\x02>", Format::Junit).unwrap_err();
    assert!(e.location().is_some(), "{e}");
}

#[test]
fn broken_json_reports() {
    let e = read_bytes(b"[{\"elements\": [\n{\"name\": \"a\",", Format::Cucumber).unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    assert_eq!(e.location().unwrap().0, 2);
    let e = read_bytes(b"{\"results\": {\"tool\": {}}}", Format::Ctrf).unwrap_err();
    assert!(e.to_string().contains("results.tests"), "{e}");
    let e = read_bytes(b"{\"a\": 1}", Format::Cucumber).unwrap_err();
    assert!(e.hint().contains("--input-format"), "{e}");
    let e = read_bytes(b"[] trailing", Format::Cucumber).unwrap_err();
    assert_eq!(e.location(), Some((1, 4)), "{e}");
}

#[test]
fn tap_without_tap_lines() {
    let e = read_bytes(b"hello\nworld\n", Format::Tap).unwrap_err();
    assert!(e.to_string().contains("no TAP"), "{e}");
}

#[test]
fn giant_text_is_trimmed_while_streaming() {
    let mut xml = String::from("<testsuite><testcase name='big'><failure message='m'>HEAD");
    xml.push_str(&"x".repeat(1_000_000));
    xml.push_str("TAIL</failure><system-out>");
    xml.push_str(&"o".repeat(500_000));
    xml.push_str("</system-out></testcase></testsuite>");
    let options = ReadOptions {
        max_text_bytes: 1000,
        ..ReadOptions::default()
    };
    let got = read_with(xml.as_bytes(), Format::Junit, &options).unwrap();
    let details = got[0].details.as_deref().unwrap();
    assert!(details.len() < 1100, "{}", details.len());
    assert!(details.starts_with("HEAD") && details.ends_with("TAIL"));
    assert!(details.contains("bytes trimmed]"));
    assert!(got[0].stdout.as_deref().unwrap().len() < 1100);
}

#[test]
fn locations_point_at_each_testcase() {
    let xml = "<testsuites>\n  <testsuite name='s'>\n    <testcase name='a'/>\n    <testcase\n name='b'></testcase>\n  </testsuite>\n</testsuites>";
    let got = read_bytes(xml.as_bytes(), Format::Junit).unwrap();
    let at: Vec<_> = got
        .iter()
        .map(|e| (e.location.line, e.location.column))
        .collect();
    assert_eq!(at, [(3, 5), (4, 5)]);
    assert_eq!(got[0].location.to_string(), "r.xml:3:5");
}

#[test]
fn format_names() {
    assert_eq!("junit".parse::<Format>().unwrap(), Format::Junit);
    assert_eq!("CTRF".parse::<Format>().unwrap(), Format::Ctrf);
    let e = "xml".parse::<Format>().unwrap_err();
    assert!(
        e.to_string()
            .contains("junit, robot, cucumber, tap, ctrf, behave, playwright")
    );
    assert_eq!("playwright".parse::<Format>().unwrap(), Format::Playwright);
    assert_eq!("behave-json".parse::<Format>().unwrap(), Format::Behave);
}

#[test]
fn json_and_tap_locations_point_at_entries() {
    let ctrf = b"{\"results\": {\"tests\": [\n  {\"name\": \"a C1\", \"status\": \"passed\"},\n  {\"name\": \"b\", \"status\": \"failed\", \"message\": \"boom\"}\n]}}";
    let got = read_bytes(ctrf, Format::Ctrf).unwrap();
    let at: Vec<_> = got
        .iter()
        .map(|e| (e.location.line, e.location.column))
        .collect();
    assert_eq!(at, [(2, 3), (3, 3)]);
    let cucumber = b"[{\"name\": \"F\", \"uri\": \"f.feature\", \"elements\": [\n {\"name\": \"s\", \"type\": \"scenario\", \"steps\": []}]}]";
    let got = read_bytes(cucumber, Format::Cucumber).unwrap();
    assert_eq!((got[0].location.line, got[0].location.column), (2, 2));
    assert_eq!(got[0].classname, "F");
    let got = read_bytes(
        b"TAP version 14\n1..2\nok 1 - a\n    ok 1 - b\n",
        Format::Tap,
    )
    .unwrap();
    let at: Vec<_> = got
        .iter()
        .map(|e| (e.location.line, e.location.column))
        .collect();
    assert_eq!(at, [(3, 1), (4, 5)]);
}
