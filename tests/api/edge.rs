//! The HTTP edge against hostile clients: uploads that never finish, with and without a
//! signature, must neither exhaust memory nor delay a real webhook.

mod admin_token_first;
mod garbage;
mod playground;

use crate::helpers::*;
use sentry_dingtalk::Secret;
use std::time::{Duration, Instant};

const MIB: usize = 1024 * 1024;
const INFLIGHT: &str = "sentry_dingtalk_inflight_body_bytes";

/// A relay child that is killed whatever happens, even when an assertion fails first: a
/// leaked child would keep the files it inherited open (the shared build lock among them).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn signed_headers(sig: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        ("Sentry-Hook-Resource", "issue".into()),
        ("Sentry-Hook-Signature", sig.into()),
    ]
}

fn as_refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    h.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The scenario: 100 uploads without a signature declaring 4 MiB − 1 and sending 2 MiB
/// of it, plus 100 with a signature stopping after 256 KiB, held open together. Before, the
/// relay buffered all of it (≈ 225 MiB of bodies) with no deadline.
#[tokio::test]
async fn stalled_uploads_neither_exhaust_memory_nor_delay_a_real_webhook() {
    let robot = crate::fake_robot::FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let child = KillOnDrop(serve(
        &robot,
        data.path(),
        port,
        &[("DINGTALK_GROUP_WINDOW", "0"), ("BODY_READ_TIMEOUT", "30")],
    ));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    assert!(wait_healthy(&client, &base).await);
    let pid = child.0.id();
    let unsigned = [
        ("Content-Type", "application/json"),
        ("Sentry-Hook-Resource", "issue"),
    ];
    let sig = "0".repeat(64);
    let signed = signed_headers(&sig);
    let signed = as_refs(&signed);
    let (unsigned_ref, signed_ref, base_ref) = (&unsigned, &signed, &base);
    let mut uploads = futures_util::future::join_all((0..100).map(|_| async move {
        partial_upload(
            base_ref,
            "/webhooks/sentry",
            unsigned_ref,
            4 * MIB - 1,
            2 * MIB,
        )
        .await
    }))
    .await;
    let mut refused = 0;
    for s in uploads.iter_mut() {
        if read_status(s, Duration::from_secs(5)).await == Some(401) {
            refused += 1;
        }
    }
    assert_eq!(refused, 100, "no signature → 401 without reading the body");
    let stalled = futures_util::future::join_all((0..100).map(|_| async move {
        partial_upload(
            base_ref,
            "/webhooks/sentry",
            signed_ref,
            4 * MIB - 1,
            256 * 1024,
        )
        .await
    }))
    .await;
    // Wait until the relay holds what the signed uploads sent (reads are asynchronous): one
    // address holds at most a quarter of the budget (16 MiB), its newer uploads cutting off
    // its older ones.
    let held = poll_async(Duration::from_secs(20), || async {
        metric(&client, &base, INFLIGHT).await.unwrap_or(0.0) >= (12 * MIB) as f64
    })
    .await;
    assert!(held, "the signed uploads are being received");

    let request = signed_webhook(&client, &base, "issue", example("issue-created.json"));
    let started = Instant::now();
    let resp = request.send().await.expect("answer");
    let elapsed = started.elapsed();
    let rss_mib = vm_rss_kib(pid) / 1024;
    assert_eq!(resp.status().as_u16(), 202);
    // Queued behind the stalled uploads it would wait for their 10 s read deadline; the
    // bound leaves a loaded machine room.
    assert!(elapsed < Duration::from_secs(3), "answered in {elapsed:?}");
    eprintln!("relay RSS with 200 stalled uploads held: {rss_mib} MiB; webhook in {elapsed:?}");
    assert!(rss_mib < 150, "RSS {rss_mib} MiB");
    drop((uploads, stalled));
    let released = poll_async(Duration::from_secs(10), || async {
        metric(&client, &base, INFLIGHT).await == Some(0.0)
    })
    .await;
    drop(child);
    assert!(released, "closed uploads give their bytes back");
}

/// Past the budget, the body in flight longest is cut off (503) and the newcomer takes its
/// room; 503 at once let stalled uploads lock every webhook out.
#[tokio::test]
async fn a_body_past_the_shared_budget_cuts_off_the_oldest_and_the_budget_comes_back() {
    let app = spawn_app_with(|s| s.inflight_body_limit = MIB).await;
    let sig = "0".repeat(64);
    let headers = signed_headers(&sig);
    let headers = as_refs(&headers);
    // Nearly all of the 1 MiB budget, so even a small webhook does not fit beside it.
    let taken = MIB - 512;
    let mut first = partial_upload(
        &app.address,
        "/webhooks/sentry",
        &headers,
        4 * MIB - 1,
        taken,
    )
    .await;
    let read = poll_async(Duration::from_secs(10), || async {
        metric(&app.http, &app.address, INFLIGHT).await == Some(taken as f64)
    })
    .await;
    assert!(read, "the first upload holds its bytes of the budget");
    let second = partial_upload(
        &app.address,
        "/webhooks/sentry",
        &headers,
        4 * MIB - 1,
        400 * 1024,
    )
    .await;
    assert_eq!(
        read_status(&mut first, Duration::from_secs(5)).await,
        Some(503),
        "the oldest upload is cut off to make room"
    );
    let moved = poll_async(Duration::from_secs(10), || async {
        metric(&app.http, &app.address, INFLIGHT).await == Some((400 * 1024) as f64)
    })
    .await;
    assert!(
        moved,
        "the second upload holds the room the first gave back"
    );
    let evicted = metric(
        &app.http,
        &app.address,
        "sentry_dingtalk_body_evictions_total{reason=\"client_share\"}",
    )
    .await;
    assert_eq!(evicted, Some(1.0), "the cut-off is counted");
    let ok = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(
        ok.status().as_u16(),
        202,
        "the webhook fits beside the second"
    );
    drop(second);
    let back = poll_async(Duration::from_secs(10), || async {
        metric(&app.http, &app.address, INFLIGHT).await == Some(0.0)
    })
    .await;
    assert!(back, "dropped requests give their bytes back");
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_after_the_read_deadline() {
    let app = spawn_app_with(|s| s.body_read_timeout = Duration::from_millis(500)).await;
    let sig = "0".repeat(64);
    let headers = signed_headers(&sig);
    let started = Instant::now();
    let mut upload = partial_upload(
        &app.address,
        "/webhooks/sentry",
        &as_refs(&headers),
        1000,
        10,
    )
    .await;
    let status = read_status(&mut upload, Duration::from_secs(5)).await;
    assert_eq!(status, Some(408));
    assert!(started.elapsed() >= Duration::from_millis(500));
    // The legacy endpoint reads its body the same way, after its token.
    let path = format!("/webhooks/sentry/legacy/{LEGACY_TOKEN}");
    let mut legacy = partial_upload(&app.address, &path, &[], 1000, 10).await;
    assert_eq!(
        read_status(&mut legacy, Duration::from_secs(5)).await,
        Some(408)
    );
}

#[tokio::test]
async fn no_signature_or_a_declared_oversize_is_refused_before_the_body() {
    let app = spawn_app().await;
    let mut unsigned = partial_upload(
        &app.address,
        "/webhooks/sentry",
        &[("Sentry-Hook-Resource", "issue")],
        4 * MIB - 1,
        10,
    )
    .await;
    assert_eq!(
        read_status(&mut unsigned, Duration::from_secs(2)).await,
        Some(401)
    );
    let sig = "0".repeat(64);
    let headers = signed_headers(&sig);
    let mut huge = partial_upload(
        &app.address,
        "/webhooks/sentry",
        &as_refs(&headers),
        5 * MIB,
        10,
    )
    .await;
    assert_eq!(
        read_status(&mut huge, Duration::from_secs(2)).await,
        Some(413)
    );
    let mut wrong_token = partial_upload(
        &app.address,
        "/webhooks/sentry/legacy/nope",
        &[],
        4 * MIB - 1,
        10,
    )
    .await;
    assert_eq!(
        read_status(&mut wrong_token, Duration::from_secs(2)).await,
        Some(401)
    );
}
