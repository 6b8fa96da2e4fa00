//! `/readyz` and `/metrics` ask the store for a real write (`Outbox::check_writable`). Anyone
//! may ask them, and each write queues behind and ahead of webhooks' writes: a flood of probes
//! must not push a webhook's answer past Sentry's one second. Whoever asks while a check runs
//! takes that check's answer, so at most one probe write is in the store's queue at a time.

use std::future::Future;
use std::time::Instant;
use tokio::sync::Mutex;

/// The last readiness answer and when it came; the lock is held while a check runs, so those
/// who ask meanwhile wait for it instead of starting their own.
#[derive(Default)]
pub struct ReadinessProbe {
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl ReadinessProbe {
    /// The answer of a check that ended after this call began: the one running, or a new one.
    pub async fn check<F>(&self, run: impl FnOnce() -> F) -> Result<(), String>
    where
        F: Future<Output = Result<(), String>>,
    {
        let asked = Instant::now();
        let mut last = self.last.lock().await;
        if let Some((ended, answer)) = last.as_ref()
            && *ended >= asked
        {
            return answer.clone();
        }
        let answer = run().await;
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Many callers at once while a check is running: one check, and all share its answer.
    #[tokio::test]
    async fn callers_during_a_check_share_it() {
        let probe = Arc::new(ReadinessProbe::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(tokio::sync::Notify::new());
        let asked = Arc::new(AtomicUsize::new(0));
        let ask = |answer: Result<(), String>| {
            let (probe, runs, release) = (probe.clone(), runs.clone(), release.clone());
            let asked = asked.clone();
            tokio::spawn(async move {
                asked.fetch_add(1, Ordering::SeqCst);
                probe
                    .check(|| async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        release.notified().await;
                        answer
                    })
                    .await
            })
        };
        let first = ask(Err("disk full".into()));
        while runs.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let waiting: Vec<_> = (0..500).map(|_| ask(Ok(()))).collect();
        while asked.load(Ordering::SeqCst) < 501 {
            tokio::task::yield_now().await;
        }
        release.notify_one();
        assert_eq!(first.await.expect("task"), Err("disk full".into()));
        for w in waiting {
            assert_eq!(
                w.await.expect("task"),
                Err("disk full".into()),
                "the running check's answer"
            );
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one check for 501 callers");
        // Asked after that check ended: a check of its own.
        let later = ask(Ok(()));
        while runs.load(Ordering::SeqCst) == 1 {
            tokio::task::yield_now().await;
        }
        release.notify_one();
        assert_eq!(later.await.expect("task"), Ok(()));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
