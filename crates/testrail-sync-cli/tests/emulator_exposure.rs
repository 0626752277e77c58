//! `testrail-sync emulator` left running is no door for web pages: a DNS-rebinding Host is
//! refused with the flag that would allow it, `--allowed-host` adds a name, a cross-site
//! `text/plain` reset is refused, and a value that is not a host name stops the start.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use common::BIN;

/// Kills the emulator this test started, whatever the outcome. Holds its stdout open: a
/// closed pipe would fail the emulator's next line of output.
struct Running(
    Child,
    #[allow(dead_code)] BufReader<std::process::ChildStdout>,
);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `testrail-sync emulator --port 0 ARGS`; answers it and its `host:port`.
fn start(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(["emulator", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line.trim().trim_start_matches("http://").to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "first line: {line:?}");
    (Running(child, stdout), addr)
}

/// One request with exactly these headers; answers (status, body).
fn raw(addr: &str, method: &str, path: &str, headers: &[&str]) -> (u16, String) {
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer.split_once("\r\n\r\n").unwrap().1.to_owned())
}

#[test]
fn the_emulator_command_refuses_rebound_hosts_and_cross_site_resets_and_allowed_host_adds_a_name() {
    let (_emulator, addr) = start(&["--demo-data", "--allowed-host", "ci-box.internal"]);
    let port = addr.rsplit(':').next().unwrap();
    let (status, body) = raw(
        &addr,
        "GET",
        "/",
        &[&format!("Host: rebound.example:{port}")],
    );
    assert_eq!(status, 421, "{body}");
    assert!(body.contains("--allowed-host rebound.example"), "{body}");
    let (status, body) = raw(
        &addr,
        "GET",
        "/",
        &[&format!("Host: ci-box.internal:{port}")],
    );
    assert_eq!(status, 200, "{body}");
    let own = format!("Host: {addr}");
    let (status, body) = raw(
        &addr,
        "POST",
        "/_emulator/reset",
        &[
            &own,
            "Origin: https://attacker.example",
            "Content-Type: text/plain",
        ],
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = raw(&addr, "POST", "/_emulator/reset", &[&own]);
    assert_eq!(status, 200, "a plain HTTP client still may: {body}");
}

#[test]
fn an_allowed_host_that_is_a_url_stops_the_emulator_with_the_expected_form() {
    let out = Command::new(BIN)
        .args([
            "emulator",
            "--port",
            "0",
            "--allowed-host",
            "http://ci-box/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--allowed-host takes a host name") && err.contains("http://ci-box/"),
        "{err}"
    );
}
