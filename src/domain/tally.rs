//! What the status page's chart counts: per robot and 10-minute bucket, alerts in, messages
//! out, alerts held (silences and mute windows), throttled sends and dead messages. Counted in
//! memory where each happens ([`TallyCounts`]), added to the store's `tallies` every second, so
//! every replica's chart shows the sum of all. No I/O and no runtime here.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// One bucket: ten minutes.
pub const BUCKET_MS: i64 = 10 * 60 * 1000;
/// The chart shows the last 24 hours: this many buckets, the current one last.
pub const CHART_BUCKETS: i64 = 24 * 6;
/// Tallies older than this are pruned.
pub const KEEP_MS: i64 = 2 * 24 * 3_600_000;

/// What a tally counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TallyKind {
    /// Alerts queued for the robot by a webhook.
    In,
    /// Messages DingTalk accepted.
    Out,
    /// Alerts a silence or a mute window held back.
    Held,
    /// Sends DingTalk throttled (the robot paused).
    Throttled,
    /// Messages that went dead (and unreadable rows set aside).
    Dead,
}

impl TallyKind {
    pub const ALL: [TallyKind; 5] = [
        TallyKind::In,
        TallyKind::Out,
        TallyKind::Held,
        TallyKind::Throttled,
        TallyKind::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TallyKind::In => "in",
            TallyKind::Out => "out",
            TallyKind::Held => "held",
            TallyKind::Throttled => "throttled",
            TallyKind::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `n` of `kind` for `robot` in the bucket starting at `bucket` (epoch milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub robot: String,
    pub kind: TallyKind,
    pub bucket: i64,
    pub n: i64,
}

/// The start of the bucket `ms` falls in.
pub fn bucket_of(ms: i64) -> i64 {
    ms.div_euclid(BUCKET_MS) * BUCKET_MS
}

/// The first bucket of the chart drawn at `now`: `CHART_BUCKETS` buckets end with `now`'s.
pub fn chart_start(now: i64) -> i64 {
    bucket_of(now) - (CHART_BUCKETS - 1) * BUCKET_MS
}

/// Counts not yet in the store. Cheap to add to from any thread.
#[derive(Debug, Default)]
pub struct TallyCounts {
    counts: Mutex<BTreeMap<(String, TallyKind, i64), i64>>,
}

impl TallyCounts {
    /// Adds `n` of `kind` for `robot`, in the bucket of `at`.
    pub fn add(&self, robot: &str, kind: TallyKind, at: i64, n: i64) {
        if n <= 0 {
            return;
        }
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *counts
            .entry((robot.to_owned(), kind, bucket_of(at)))
            .or_default() += n;
    }

    /// Everything counted since the last take, emptied.
    pub fn take(&self) -> Vec<Tally> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *counts)
            .into_iter()
            .map(|((robot, kind, bucket), n)| Tally {
                robot,
                kind,
                bucket,
                n,
            })
            .collect()
    }

    /// Puts back what a failed flush took, so it is added next time.
    pub fn put_back(&self, tallies: Vec<Tally>) {
        for t in tallies {
            self.add(&t.robot, t.kind, t.bucket, t.n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_per_robot_kind_and_bucket_and_empty_on_take() {
        let counts = TallyCounts::default();
        let t = 1_765_000_000_000;
        counts.add("ops", TallyKind::In, t, 2);
        counts.add("ops", TallyKind::In, t + 1, 1);
        counts.add("ops", TallyKind::In, t + BUCKET_MS, 1);
        counts.add("web", TallyKind::Dead, t, 1);
        counts.add("web", TallyKind::Dead, t, 0);
        let taken = counts.take();
        assert_eq!(taken.len(), 3, "{taken:?}");
        assert!(taken.contains(&Tally {
            robot: "ops".into(),
            kind: TallyKind::In,
            bucket: bucket_of(t),
            n: 3
        }));
        assert!(counts.take().is_empty());
        counts.put_back(taken);
        counts.add("web", TallyKind::Dead, t, 1);
        let again = counts.take();
        assert!(again.iter().any(|x| x.robot == "web" && x.n == 2));
    }

    #[test]
    fn buckets_are_ten_minutes_and_the_chart_ends_with_now() {
        assert_eq!(bucket_of(BUCKET_MS + 5), BUCKET_MS);
        assert_eq!(bucket_of(-1), -BUCKET_MS);
        let now = 100 * BUCKET_MS + 7;
        assert_eq!(
            chart_start(now) + (CHART_BUCKETS - 1) * BUCKET_MS,
            bucket_of(now)
        );
        for k in TallyKind::ALL {
            assert_eq!(TallyKind::parse(k.as_str()), Some(k));
        }
    }
}
