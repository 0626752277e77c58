//! Readers never panic (and finish: every reader is a single forward pass) on arbitrary bytes
//! or on real reports that were cut, flipped or spliced. Case counts are modest so the binary
//! runs in seconds.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use testrail_reports::{CaseIdMatcher, Format, Outcome, ReadOptions, TestExecution, read, sniff};

/// The corpus held 42 reports when this was written; fewer means a folder went missing.
const MIN_REPORTS: usize = 42;

/// Every `report.*` of the corpus, in memory. A missing or empty corpus is a failure: the
/// properties below would otherwise hold vacuously.
fn corpus() -> &'static [Vec<u8>] {
    static REPORTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus folder {} is missing: {e}", dir.display()));
        let mut subdirs: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        let mut reports = Vec::new();
        for sub in subdirs {
            for f in std::fs::read_dir(&sub).unwrap().map(|f| f.unwrap().path()) {
                if f.file_stem().is_some_and(|s| s == "report") {
                    let bytes = std::fs::read(&f).unwrap();
                    assert!(!bytes.is_empty(), "{} is empty", f.display());
                    reports.push(bytes);
                }
            }
        }
        assert!(
            reports.len() >= MIN_REPORTS,
            "{} holds {} reports, at least {MIN_REPORTS} expected",
            dir.display(),
            reports.len()
        );
        reports
    })
}

fn read_all(bytes: &[u8], format: Format, max_text_bytes: usize) {
    let options = ReadOptions {
        max_text_bytes,
        ..ReadOptions::default()
    };
    let mut n = 0u64;
    let result = read(
        bytes,
        Path::new("p"),
        format,
        &options,
        &mut |_e: TestExecution| n += 1,
    );
    if let Ok(summary) = result {
        assert_eq!(summary.executions, n);
    } else if let Err(e) = result {
        // Every error renders and has a hint.
        assert!(!e.to_string().is_empty());
        assert!(!e.hint().is_empty());
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    let i = i % bytes.len();
                    bytes[i] ^= b | 1;
                }
            }
            Mutation::Insert(i, v) => {
                let i = i % (bytes.len() + 1);
                bytes.splice(i..i, v.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let i = i % len;
                let end = (i + n).min(bytes.len());
                if i < end {
                    bytes.drain(i..end);
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = sniff(&bytes);
        for format in Format::ALL {
            read_all(&bytes, format, 64);
        }
    }

    #[test]
    fn xml_like_noise_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("<testsuite>"), Just("</testsuite>"), Just("<testcase name='C1 x'>"),
            Just("</testcase>"), Just("<failure message='m'>"), Just("</failure>"),
            Just("<skipped/>"), Just("<system-out>"), Just("</system-out>"),
            Just("<![CDATA[x]]>"), Just("&amp;"), Just("&#10;"), Just("&bad;"),
            Just("<property name='test_id' value='C2'/>"), Just("<flakyFailure/>"),
            Just("<robot>"), Just("<test name='t'>"), Just("<status status='PASS'/>"),
            Just("<tag>C3</tag>"), Just("</test>"), Just("text"), Just("\n"), Just("é"),
        ],
        0..40,
    )) {
        let doc = parts.concat();
        for format in [Format::Junit, Format::Robot] {
            read_all(doc.as_bytes(), format, 16);
        }
    }

    #[test]
    fn mutated_real_reports_never_panic(
        index in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let reports = corpus();
        let original = &reports[index % reports.len()];
        let bytes = mutate(original.clone(), &mutations);
        let format = sniff(original).unwrap_or(Format::Junit);
        read_all(&bytes, format, 256);
        if let Some(sniffed) = sniff(&bytes) {
            read_all(&bytes, sniffed, 0);
        }
    }

    #[test]
    fn mutated_reports_with_tiny_buffers_never_panic(
        index in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..3),
        capacity in 1usize..24,
    ) {
        let reports = corpus();
        let original = &reports[index % reports.len()];
        let bytes = mutate(original.clone(), &mutations);
        let format = sniff(original).unwrap_or(Format::Junit);
        let reader = std::io::BufReader::with_capacity(capacity, &bytes[..]);
        let _ = read(reader, Path::new("p"), format, &ReadOptions::default(), &mut |_e| {});
    }

    #[test]
    fn case_ids_come_from_the_name_digits(name in "\\PC{0,40}") {
        let e = TestExecution::new(name.clone(), Outcome::Passed);
        for id in CaseIdMatcher::default().case_ids(&e) {
            prop_assert!(name.contains(&id.to_string()));
        }
    }
}

#[test]
fn unmutated_corpus_reports_read_with_tiny_text_limits() {
    for report in corpus() {
        let format = sniff(report).unwrap_or(Format::Junit);
        for max in [1, 7, 64] {
            let options = ReadOptions {
                max_text_bytes: max,
                ..ReadOptions::default()
            };
            let result = read(
                &report[..],
                Path::new("p"),
                format,
                &options,
                &mut |e: TestExecution| {
                    for text in [&e.message, &e.details, &e.stdout, &e.stderr]
                        .into_iter()
                        .flatten()
                    {
                        assert!(text.len() <= max + 48, "{} > {max}", text.len());
                    }
                },
            );
            assert!(result.is_ok(), "{result:?}");
        }
    }
}

fn read_with_capacity(report: &[u8], format: Format, capacity: usize) -> Vec<TestExecution> {
    let mut out = Vec::new();
    let reader = std::io::BufReader::with_capacity(capacity, report);
    let result = read(
        reader,
        Path::new("p"),
        format,
        &ReadOptions::default(),
        &mut |e| out.push(e),
    );
    assert!(result.is_ok(), "capacity {capacity}: {result:?}");
    out
}

/// Buffer boundaries fall everywhere (inside tags, CDATA, `]]>`, `\r\n`, multi-byte
/// characters) and must not change a single execution.
#[test]
fn tiny_read_buffers_give_identical_executions() {
    for report in corpus() {
        let format = sniff(report).unwrap_or(Format::Junit);
        let expected = read_with_capacity(report, format, 1 << 16);
        for capacity in [1, 2, 3, 4, 5, 7, 9, 13, 64] {
            let got = read_with_capacity(report, format, capacity);
            assert_eq!(got.len(), expected.len(), "capacity {capacity}");
            for (g, e) in got.iter().zip(&expected) {
                assert_eq!(g, e, "capacity {capacity}");
            }
        }
    }
}

#[test]
fn crlf_cdata_and_multibyte_text_across_boundaries() {
    let xml = "<testsuite><testcase name='a'><system-out>é\r\n€]]\r<![CDATA[x]]]y\r\n😀]]]]>&amp;z\r</system-out></testcase></testsuite>";
    let expected = "é\n€]]\nx]]]y\n😀]]&z\n";
    for capacity in 1..=12 {
        let got = read_with_capacity(xml.as_bytes(), Format::Junit, capacity);
        assert_eq!(
            got[0].stdout.as_deref(),
            Some(expected),
            "capacity {capacity}"
        );
    }
}
