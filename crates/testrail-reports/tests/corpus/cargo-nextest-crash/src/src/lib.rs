#[cfg(test)]
mod tests {
    #[test]
    fn c1021_passes() {}

    #[test]
    fn c1022_aborts_the_process() {
        eprintln!("about to abort: heap corrupted");
        std::process::abort();
    }

    #[test]
    fn c1023_exits_with_code_3() {
        println!("calling exit(3) from inside the test");
        std::process::exit(3);
    }

    #[test]
    fn c1024_hangs_until_timeout() {
        std::thread::sleep(std::time::Duration::from_secs(10));
    }

    #[test]
    #[ignore]
    fn c1025_ignored_without_reason() {}
}
