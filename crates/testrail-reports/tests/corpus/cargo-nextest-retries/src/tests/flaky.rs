//! Retried tests: the marker file makes the first attempt fail.
use std::path::PathBuf;

fn marker(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nextest-gen-{name}.marker"))
}

#[test]
fn c1010_flaky_search() {
    let m = marker("c1010");
    if !m.exists() {
        std::fs::write(&m, b"1").unwrap();
        panic!("search index not ready");
    }
}

#[test]
fn c1011_always_fails_after_retry() {
    panic!("export queue still blocked");
}

#[test]
fn C1012_uppercase_name_with_stdout() {
    println!("profile updated for user <a&b>");
}
