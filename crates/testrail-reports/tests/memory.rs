//! Memory stays bounded by the text limit, not by the report: a report with a 64 MB
//! `<system-out>` (generated on the fly, never held in memory) is read with a small peak RSS.
//! Alone in its own test binary so the process peak belongs to this test.

use std::io::{BufReader, Read};
use std::path::Path;

use testrail_reports::{Format, ReadOptions, read};

/// `head`, then `repeat` copies of `filler`, then `tail`, produced lazily.
struct Generated {
    parts: Vec<Vec<u8>>,
    filler: Vec<u8>,
    repeat: usize,
    stage: usize,
    pos: usize,
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let current: &[u8] = match self.stage {
                0 => &self.parts[0],
                1 if self.repeat > 0 => &self.filler,
                1 => {
                    self.stage = 2;
                    continue;
                }
                2 => &self.parts[1],
                _ => return Ok(0),
            };
            if self.pos < current.len() {
                let n = (current.len() - self.pos).min(out.len());
                out[..n].copy_from_slice(&current[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            self.pos = 0;
            if self.stage == 1 {
                self.repeat -= 1;
            } else {
                self.stage += 1;
            }
        }
    }
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn giant_system_out_is_never_held_whole() {
    // On the calling thread, then tokenized on a second one (the default for large reports
    // on machines with two CPUs or more).
    for pipeline in [false, true] {
        read_giant_system_out(pipeline);
    }
}

fn read_giant_system_out(pipeline: bool) {
    const MB: usize = 64;
    // No references in the bulk: quick-xml would buffer such a text run as one event.
    let filler = "log line with ünïcode, CRLF and digits 0123456789\r\n"
        .repeat(1024)
        .into_bytes();
    let repeat = MB * 1024 * 1024 / filler.len();
    let generated = Generated {
        parts: vec![
            b"<testsuite><testcase name='C1 big'><failure message='m'/><system-out>&amp; ".to_vec(),
            b"</system-out></testcase></testsuite>".to_vec(),
        ],
        filler,
        repeat,
        stage: 0,
        pos: 0,
    };
    let before = peak_rss_kb();
    let mut got = Vec::new();
    let options = ReadOptions {
        max_text_bytes: 64 * 1024,
        pipeline,
    };
    let summary = read(
        BufReader::with_capacity(64 * 1024, generated),
        Path::new("big.xml"),
        Format::Junit,
        &options,
        &mut |e| got.push(e),
    )
    .unwrap();
    assert!(summary.bytes > (MB as u64 - 1) * 1024 * 1024);
    let stdout = got[0].stdout.as_deref().unwrap();
    assert!(
        stdout.len() < 70 * 1024 && stdout.contains("bytes trimmed]"),
        "{}",
        &stdout[..200.min(stdout.len())]
    );
    assert!(stdout.starts_with("& log line with ünïcode, CRLF and digits 0123456789\n"));
    if let (Some(before), Some(after)) = (before, peak_rss_kb()) {
        let grown_mb = (after.saturating_sub(before)) / 1024;
        assert!(
            grown_mb < 24,
            "peak RSS grew by {grown_mb} MB for a {MB} MB text (pipeline: {pipeline})"
        );
    }
}
