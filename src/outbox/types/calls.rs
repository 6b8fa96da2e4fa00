//! The arguments of the port's wider calls, one value each, so that a call is written once
//! in its trait and each backend takes it whole.

use super::{LadderMove, LadderRow, Lease, LeaseTerm, NewMessage};

/// `LeaseStore::acquire_lease`: `owner` asks for `robot`'s lease for `term`.
#[derive(Debug, Clone, Copy)]
pub struct LeaseAsk<'a> {
    pub robot: &'a str,
    pub owner: &'a str,
    pub term: LeaseTerm,
}

/// `SenderStore::create_message`: a message made of `alert_ids`, under `lease`.
#[derive(Debug, Clone, Copy)]
pub struct MessageAsk<'a> {
    pub lease: &'a Lease,
    pub alert_ids: &'a [i64],
    pub message: NewMessage<'a>,
}

/// `QuotaStore::count_open_api_calls`: `calls` more for `robot` in `month`, counted at `now`.
#[derive(Debug, Clone, Copy)]
pub struct CallCount<'a> {
    pub robot: &'a str,
    /// `domain::quota::month_of`.
    pub month: &'a str,
    pub calls: i64,
    pub now: i64,
}

/// `EscalationStore::due_ladders`: at most `limit` ladders of `robot` due at `now`.
#[derive(Debug, Clone, Copy)]
pub struct DueLadders<'a> {
    pub robot: &'a str,
    pub now: i64,
    pub limit: usize,
}

/// `EscalationStore::move_ladder`: `ladder` as read moves `how` at `now`, under `lease`.
#[derive(Debug, Clone, Copy)]
pub struct LadderStep<'a> {
    pub lease: &'a Lease,
    pub ladder: &'a LadderRow,
    pub how: LadderMove<'a>,
    pub now: i64,
}

/// `IntakeStore::record_webhook`: the trace record of a webhook that queued nothing, how it
/// ended (`Dropped`, `Ignored`) and when.
#[derive(Debug, Clone)]
pub struct UnqueuedWebhook {
    pub record: super::WebhookRecord,
    pub outcome: super::WebhookOutcome,
    pub now: i64,
}

/// `SenderStore::set_aside_alert`: `alert` goes into a dead message at `now`, under `lease`.
#[derive(Debug, Clone, Copy)]
pub struct SetAside<'a> {
    pub lease: &'a Lease,
    pub alert: &'a super::UnreadableAlert,
    pub now: i64,
}

/// `EscalationStore::note_ladder`: `note` goes into `ladder`'s story at `now`.
#[derive(Debug, Clone, Copy)]
pub struct LadderLine<'a> {
    pub ladder: &'a LadderRow,
    pub note: &'a str,
    pub now: i64,
}

/// `CardStore::claim_card_click` and `claim_callback_signature`: `key` is used at `now`; the
/// first use within `window_ms` claims it.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub key: &'a str,
    pub now: i64,
    pub window_ms: i64,
}

/// `SharedState::claim_scheduled_run`: the run of `job` for `slot` (e.g. the day of the
/// open-issues report), claimed at `now`.
#[derive(Debug, Clone, Copy)]
pub struct ScheduledRun<'a> {
    pub job: &'a str,
    pub slot: i64,
    pub now: i64,
}

/// `SharedState::remember_installation_org`: Sentry installation `installation` belongs to the
/// organization `org`, as learned at `now`.
#[derive(Debug, Clone, Copy)]
pub struct InstallationOrg<'a> {
    pub installation: &'a str,
    pub org: &'a str,
    pub now: i64,
}
