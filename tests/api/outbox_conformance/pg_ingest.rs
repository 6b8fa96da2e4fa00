//! Ingest throughput of the PostgreSQL store alone: three stores (as three replicas would
//! hold) on one database, many concurrent enqueues of ~8 KB alerts, each with its own dedup
//! key. It measures, it does not check behaviour: `.config/nextest.toml` keeps it out of every
//! run, even `--run-ignored all`; run it with
//! `cargo nextest run --ignore-default-filter --run-ignored only pg_ingest_throughput`
//! (release numbers: add `--release`).

use super::fixtures::{ROBOT, T0, event, queued};
use super::postgres::with_database;
use sentry_dingtalk::Level;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::postgres::PgOutbox;
use sentry_dingtalk::outbox::types::Enqueue;
use std::sync::Arc;
use std::time::{Duration, Instant};

const REPLICAS: usize = 3;
const CLIENTS_PER_REPLICA: usize = 24;
const RUN_FOR: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check; run explicitly"]
async fn pg_ingest_throughput() {
    with_database(|url| async move {
        let mut stores: Vec<Arc<dyn Outbox>> = Vec::new();
        for _ in 0..REPLICAS {
            stores.push(Arc::new(PgOutbox::connect(&url).await.expect("connect")));
        }
        let started = Instant::now();
        let clients = stores
            .iter()
            .enumerate()
            .flat_map(|(r, store)| (0..CLIENTS_PER_REPLICA).map(move |c| (r, c, store.clone())));
        let tasks: Vec<_> = clients
            .map(|(r, c, store)| {
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut n = 0u64;
                    while started.elapsed() < RUN_FOR {
                        let mut d = event(ROBOT, &format!("{r}-{c}-{n}"), Level::Error);
                        d.queued.alert.message = Some("x".repeat(8 * 1024));
                        let key = vec![format!("body-{r}-{c}-{n}")];
                        let t = Instant::now();
                        let result = store
                            .enqueue(Enqueue {
                                identity: key,
                                about: None,
                                items: vec![d],
                                record: None,
                                now: T0,
                            })
                            .await
                            .expect("enqueue");
                        latencies.push(t.elapsed());
                        assert_eq!(result, queued(&[ROBOT]));
                        n += 1;
                    }
                    latencies
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.expect("client"));
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
        eprintln!(
            "pg ingest: {} enqueues in {elapsed:.1} s = {:.0}/s, p50 {:?}, p99 {:?}, max {:?}",
            all.len(),
            all.len() as f64 / elapsed,
            pct(0.50),
            pct(0.99),
            all[all.len() - 1]
        );
        let waiting = stores[0].waiting_count(ROBOT).await.expect("count");
        assert_eq!(waiting, i64::try_from(all.len()).expect("count fits"));
    })
    .await;
}
