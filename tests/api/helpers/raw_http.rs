//! Raw TCP requests for the tests of slow and unfinished uploads, below what reqwest allows.

use std::time::Duration;

/// Opens a connection, sends a request head declaring `declared` body bytes, then `send` of
/// them, and stops: an upload that never finishes. The stream stays open while it is held.
pub async fn partial_upload(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    declared: usize,
    send: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let host = addr.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let mut head =
        format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {declared}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("head");
    // The relay may answer and stop reading at any point: a refused write is expected.
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    while sent < send {
        let n = chunk.len().min(send - sent);
        let write = stream.write_all(&chunk[..n]);
        match tokio::time::timeout(Duration::from_secs(5), write).await {
            Ok(Ok(())) => sent += n,
            _ => break,
        }
    }
    stream
}

/// The status code of the answer on `stream`, if one arrives within `deadline`.
pub async fn read_status(stream: &mut tokio::net::TcpStream, deadline: Duration) -> Option<u16> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = tokio::time::Instant::now() + deadline;
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout_at(end, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&buf);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}
