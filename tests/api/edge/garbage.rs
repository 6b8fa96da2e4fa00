//! Client garbage at the HTTP layer (a request line that is no HTTP) is answered 400 and is
//! not an error of the relay's: an operator who alerts on ERROR lines is not paged by a port
//! scanner.

use super::*;
use crate::fake_robot::FakeRobot;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `request` on a connection of its own and reads until the relay closes it.
async fn answer_to(address: &str, request: &[u8]) -> String {
    let host = address.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(host).await.expect("connect");
    conn.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(WAIT, conn.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the relay closes a garbage connection");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_malformed_request_is_answered_400_and_logged_as_no_error() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("temp dir");
    // The default level of `serve` (info): what an operator's log shows.
    let (relay, base) = start_relay(&robot, data.path(), &[("RUST_LOG", "info")]).await;
    let garbage: [&[u8]; 3] = [
        b"GET /\x7f\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    ];
    for request in garbage {
        let answer = answer_to(&base, request).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    }
    // Each connection was closed after its line was logged, if one was: the log is complete.
    let health = reqwest::get(format!("{base}/healthz")).await.expect("get");
    assert_eq!(health.status().as_u16(), 200);
    drop(relay);
    let log = std::fs::read_to_string(data.path().join("relay.log")).expect("log");
    assert!(log.contains("listening"), "the log is the relay's: {log}");
    assert!(!log.contains("ERROR"), "{log}");
    assert!(!log.contains("stream error"), "{log}");
}

/// A stranger's unsigned webhook with a 60 KB `Request-ID` is refused (401) with one short
/// warning: the header is cut to 128 characters in the log, not written out (twice) in full.
#[tokio::test]
async fn a_huge_request_id_is_cut_in_the_log() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("temp dir");
    let (relay, base) = start_relay(&robot, data.path(), &[("RUST_LOG", "info")]).await;
    let huge = "r".repeat(60_000);
    let resp = reqwest::Client::new()
        .post(format!("{base}/webhooks/sentry"))
        .header("Sentry-Hook-Resource", "issue")
        .header("Sentry-Hook-Signature", "00")
        .header("Request-ID", &huge)
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 401);
    drop(relay);
    let log = std::fs::read_to_string(data.path().join("relay.log")).expect("log");
    assert!(log.contains("webhook rejected"), "{log}");
    let longest = log.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 2_000, "a line of {longest} bytes");
    assert!(log.contains(&"r".repeat(128)), "the id's head is kept");
}
