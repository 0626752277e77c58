//! Inputs that once made a reader panic, kept so they never do again.

use std::path::Path;

use testrail_reports::{Format, ReadOptions, TestExecution, read};

fn read_bytes(bytes: &[u8], format: Format) {
    let options = ReadOptions {
        max_text_bytes: 16,
        ..ReadOptions::default()
    };
    let _ = read(
        bytes,
        Path::new("r.xml"),
        format,
        &options,
        &mut |_e: TestExecution| {},
    );
}

#[test]
fn cdata_right_after_top_level_text_does_not_panic() {
    // Found by proptest in CI: quick-xml consumed past the end of the prefetched head.
    for format in [Format::Junit, Format::Robot] {
        read_bytes(b"text<![CDATA[x]]>", format);
    }
}
