//! Parse throughput: `testrail_reports::read` (JUnit) against a bare quick-xml event loop over
//! the same generated pytest-style report (~50 MB, in memory so the disk is not measured).
//!
//! The bare loop only pulls events. The reader also unescapes text, decodes attributes, tracks
//! line:col, trims long text and builds one `TestExecution` per testcase. Target (issue #8): the
//! reader ≥ 50 % of the bare loop. The reader is measured as it runs by default (a report this
//! large is tokenized on a second thread when there are two CPUs) and on one thread.
//!
//! Run: `cargo bench -p testrail-reports --bench parse` (set `PARSE_BENCH_MB` to change the size).

use std::hint::black_box;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use divan::Bencher;
use divan::counter::BytesCount;
use quick_xml::events::Event;
use testrail_reports::{Format, ReadOptions, TestExecution};

fn main() {
    // `PARSE_FILE=big.xml target/release/deps/parse-…`: stream one file with the reader and
    // exit (for peak-RSS measurements with /usr/bin/time -v, without any HTTP or engine);
    // `PARSE_THREADS=1` keeps it on one thread.
    // `PARSE_LOOP=bare|attrs` runs a floor loop over the file (read whole) instead, to compare
    // instruction counts under callgrind.
    if let Some(path) = std::env::var_os("PARSE_FILE") {
        match std::env::var("PARSE_LOOP").as_deref() {
            Ok("bare") => floor_file(Path::new(&path), bare_quick_xml),
            Ok("attrs") => floor_file(Path::new(&path), quick_xml_with_attributes),
            _ => parse_file(Path::new(&path)),
        }
        return;
    }
    // `PARSE_DUMP=r.xml PARSE_BENCH_MB=5 target/release/deps/parse-…`: write the generated
    // report and exit (a small file for `valgrind --tool=callgrind` with `PARSE_FILE`).
    if let Some(path) = std::env::var_os("PARSE_DUMP") {
        std::fs::write(&path, report()).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    print_summary();
    divan::main();
}

fn parse_file(path: &Path) {
    let start = Instant::now();
    let mut failed = 0u64;
    let mut sink = |e: TestExecution| {
        failed += u64::from(e.outcome == testrail_reports::Outcome::Failed);
        black_box(e);
    };
    let options = ReadOptions {
        pipeline: std::env::var("PARSE_THREADS").as_deref() != Ok("1"),
        ..ReadOptions::default()
    };
    let summary = testrail_reports::read_path(path, None, &options, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}: {} executions ({failed} failed), {:.1} MB in {secs:.2} s = {:.1} MB/s",
        path.display(),
        summary.executions,
        summary.bytes as f64 / 1e6,
        summary.bytes as f64 / 1e6 / secs
    );
}

fn floor_file(path: &Path, floor: fn(&[u8]) -> u64) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let seen = black_box(floor(black_box(&bytes)));
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}: floor loop saw {seen}, {:.1} MB in {secs:.2} s = {:.1} MB/s",
        path.display(),
        bytes.len() as f64 / 1e6,
        bytes.len() as f64 / 1e6 / secs
    );
}

/// The same shape `bench/gen_report.py --dialect pytest` writes: IDs in names, ~5 % failures
/// with a trace, ~3 % skips, captured output on some tests.
fn report() -> &'static [u8] {
    static REPORT: OnceLock<Vec<u8>> = OnceLock::new();
    REPORT.get_or_init(|| {
        let mb: usize = std::env::var("PARSE_BENCH_MB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(50);
        generate(mb * 1024 * 1024)
    })
}

fn generate(target_bytes: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut s = String::with_capacity(target_bytes + 4096);
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites name=\"pytest tests\">");
    s.push_str(
        "<testsuite name=\"pytest\" errors=\"0\" failures=\"0\" skipped=\"0\" tests=\"0\">\n",
    );
    let mut i: u64 = 0;
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    while s.len() < target_bytes {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let m = i % 97;
        let _ = write!(
            s,
            "<testcase classname=\"tests.test_mod_{m}\" name=\"test_C{}_does_thing_{i}\" \
             file=\"tests/test_mod_{m}.py\" line=\"{}\" time=\"{}.{:03}\"",
            100_001 + i % 10_000,
            10 + i % 500,
            rng % 3,
            rng % 1000
        );
        match rng % 100 {
            0..5 => {
                s.push_str("><failure message=\"AssertionError: expected 200, got 500\">");
                for k in 0..6 {
                    let _ = writeln!(
                        s,
                        "  File \"/src/shop/tests/test_mod_{m}.py\", line {}, in test_{i}",
                        10 + k * 7
                    );
                }
                let _ = write!(
                    s,
                    "AssertionError: assert 500 == 200 &amp;&amp; order &lt;{i}&gt;"
                );
                s.push_str("</failure></testcase>\n");
            }
            5..8 => {
                let _ = writeln!(
                    s,
                    "><skipped type=\"pytest.skip\" message=\"needs payment sandbox\">\
                     tests/test_mod_{m}.py:{}: needs payment sandbox</skipped></testcase>",
                    10 + i % 500
                );
            }
            8..20 => {
                s.push_str(
                    "><system-out>INFO  shop.checkout: step ok; cart=3 items; latency=12ms\n",
                );
                s.push_str("INFO  shop.checkout: paid; order=42 &quot;ok&quot;\n</system-out></testcase>\n");
            }
            _ => s.push_str("/>\n"),
        }
        i += 1;
    }
    s.push_str("</testsuite></testsuites>\n");
    s.into_bytes()
}

/// What a consumer that keeps nothing does with each execution.
fn read_with_reader(bytes: &[u8]) -> u64 {
    read_with(bytes, &ReadOptions::default())
}

/// The same, all on the calling thread.
fn read_on_one_thread(bytes: &[u8]) -> u64 {
    let options = ReadOptions {
        pipeline: false,
        ..ReadOptions::default()
    };
    read_with(bytes, &options)
}

fn read_with(bytes: &[u8], options: &ReadOptions) -> u64 {
    let mut n = 0u64;
    let mut sink = |e: TestExecution| {
        n += black_box(&e).name.len() as u64;
    };
    testrail_reports::read(
        bytes,
        Path::new("bench.xml"),
        Format::Junit,
        options,
        &mut sink,
    )
    .expect("generated report parses");
    n
}

/// The floor: pull every event, look at nothing.
fn bare_quick_xml(bytes: &[u8]) -> u64 {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut starts = 0u64;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).expect("well-formed") {
            Event::Start(_) | Event::Empty(_) => starts += 1,
            Event::Eof => break,
            _ => {}
        }
    }
    starts
}

/// The floor for any reader that looks at what it parses: every attribute value and every
/// text node unescaped (allocating only where an entity forces it).
fn quick_xml_with_attributes(bytes: &[u8]) -> u64 {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut seen = 0u64;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).expect("well-formed") {
            Event::Start(e) | Event::Empty(e) => {
                for attr in e.attributes().with_checks(false) {
                    let attr = attr.expect("well-formed attribute");
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("known entities");
                    seen += value.len() as u64;
                }
            }
            Event::Text(t) => seen += t.xml10_content().len() as u64,
            Event::Eof => break,
            _ => {}
        }
    }
    seen
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn junit_reader(bencher: Bencher) {
    let bytes = report();
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| read_with_reader(black_box(bytes)));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn junit_reader_one_thread(bencher: Bencher) {
    let bytes = report();
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| read_on_one_thread(black_box(bytes)));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn bare_quick_xml_events(bencher: Bencher) {
    let bytes = report();
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| bare_quick_xml(black_box(bytes)));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn quick_xml_events_and_attributes(bencher: Bencher) {
    let bytes = report();
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| quick_xml_with_attributes(black_box(bytes)));
}

/// Best of five, in MB/s (MB = 10^6 bytes), and the ratio the target is about.
fn print_summary() {
    // `cargo test --benches` runs this binary too: keep that cheap.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let bytes = report();
    let best = |f: fn(&[u8]) -> u64| -> Duration {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                black_box(f(black_box(bytes)));
                t.elapsed()
            })
            .min()
            .unwrap()
    };
    let mbps = |d: Duration| bytes.len() as f64 / 1e6 / d.as_secs_f64();
    let reader = mbps(best(read_with_reader));
    let one_thread = mbps(best(read_on_one_thread));
    let bare = mbps(best(bare_quick_xml));
    let attrs = mbps(best(quick_xml_with_attributes));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "parse summary: {:.1} MB report, {} testcases, {cpus} CPUs\n  \
         testrail_reports::read (JUnit):        {reader:8.1} MB/s\n  \
         the same on one thread:                {one_thread:8.1} MB/s\n  \
         bare quick-xml event loop:             {bare:8.1} MB/s\n  \
         quick-xml events + unescaped attrs:    {attrs:8.1} MB/s\n  \
         reader / bare = {:.0} % (target >= 50 %), on one thread {:.0} %; \
         reader / events+attrs = {:.0} %",
        bytes.len() as f64 / 1e6,
        count_executions(bytes),
        100.0 * reader / bare,
        100.0 * one_thread / bare,
        100.0 * reader / attrs
    );
}

fn count_executions(bytes: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut sink = |_: TestExecution| n += 1;
    testrail_reports::read(
        bytes,
        Path::new("bench.xml"),
        Format::Junit,
        &ReadOptions::default(),
        &mut sink,
    )
    .expect("generated report parses");
    n
}
