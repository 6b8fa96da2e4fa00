//! The arguments of the port's calls, one value each, so that a call is written once in its
//! trait and each backend takes it whole. They are small values a caller builds in place, so
//! one table declares them all: `Debug, Clone, Copy`, every field public.

use super::{LadderMove, LadderRow, Lease, UnreadableAlert};

/// Declares argument values: doc comments and extra derives pass through; `Debug, Clone, Copy`
/// and `pub` are added.
macro_rules! call_args {
    ($($(#[$meta:meta])* $name:ident $(<$lt:lifetime>)? {
        $($(#[$field_meta:meta])* $field:ident: $ty:ty),* $(,)?
    })*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name $(<$lt>)? { $($(#[$field_meta])* pub $field: $ty),* }
    )*};
}

call_args! {
    /// `LeaseStore::acquire_lease`: `owner` asks for `robot`'s lease for `term`.
    LeaseAsk<'a> { robot: &'a str, owner: &'a str, term: LeaseTerm }
    /// A lease asked for at `now`, to last `ttl_ms` (see `LeaseStore::acquire_lease`).
    #[derive(PartialEq, Eq)]
    LeaseTerm { now: i64, ttl_ms: i64 }
    /// `SenderStore::create_message`: a message made of `alert_ids`, under `lease`.
    MessageAsk<'a> { lease: &'a Lease, alert_ids: &'a [i64], message: NewMessage<'a> }
    /// A message as it is stored: its body and `msgUuid` never change after, so a retry sends
    /// the same bytes; `now` is when it was made (and first due).
    NewMessage<'a> { body: &'a str, msg_uuid: &'a str, now: i64 }
    /// Message `id`'s failed attempt, tried again at `next_attempt_at`.
    Retry<'a> { id: i64, next_attempt_at: i64, error: &'a str }
    /// `SenderStore::set_aside_alert`: `alert` goes into a dead message at `now`, under `lease`.
    SetAside<'a> { lease: &'a Lease, alert: &'a UnreadableAlert, now: i64 }
    /// `QuotaStore::count_open_api_calls`: `calls` more for `robot` in `month`
    /// (`domain::quota::month_of`), counted at `now`.
    CallCount<'a> { robot: &'a str, month: &'a str, calls: i64, now: i64 }
    /// `QuietStore::held_alerts`: one page of `robot`'s alerts held by `hold` (`Hold::key`:
    /// `silence:ID`, `mute:NAME`), the alert ids after `after`.
    HeldPage<'a> { robot: &'a str, hold: &'a str, after: i64, limit: usize }
    /// `EscalationStore::due_ladders`: at most `limit` ladders of `robot` due at `now`.
    DueLadders<'a> { robot: &'a str, now: i64, limit: usize }
    /// `EscalationStore::move_ladder`: `ladder` as read moves `how` at `now`, under `lease`.
    LadderStep<'a> { lease: &'a Lease, ladder: &'a LadderRow, how: LadderMove<'a>, now: i64 }
    /// `EscalationStore::note_ladder`: `note` goes into `ladder`'s story at `now`.
    LadderLine<'a> { ladder: &'a LadderRow, note: &'a str, now: i64 }
    /// A message a ladder's step queues for a robot.
    QueuedMessage<'a> { robot: &'a str, message: NewMessage<'a> }
    /// `StormStore::storm_message`: a storm's summary takes the held alerts not yet in one
    /// (`alert_ids`) at `now`; `message` is `None` for a card robot, whose storm card took the
    /// alerts already; `top` are the issue keys at its top; `end`: the storm is over.
    StormMessage<'a> {
        storm: i64,
        alert_ids: &'a [i64],
        message: Option<NewMessage<'a>>,
        now: i64,
        top: &'a [String],
        end: bool,
    }
    /// `CardStore::card_clicked`: a button press that changes a card to `status`, claimed by
    /// `claimed_by` when the button was "claim" (`None` keeps the claimer), updated by a
    /// message with `body`; not the DingTalk callback's `CardClick` it follows from.
    CardChange<'a> {
        out_track_id: &'a str,
        status: &'a str,
        claimed_by: Option<&'a str>,
        body: &'a str,
    }
    /// `CardStore::claim_card_click` and `claim_callback_signature`: `key` is used at `now`;
    /// the first use within `window_ms` claims it.
    Claim<'a> { key: &'a str, now: i64, window_ms: i64 }
    /// `SharedState::claim_scheduled_run`: the run of `job` for `slot` (e.g. the day of the
    /// open-issues report), claimed at `now`.
    ScheduledRun<'a> { job: &'a str, slot: i64, now: i64 }
    /// `SharedState::remember_installation_org`: Sentry installation `installation` belongs to
    /// the organization `org`, as learned at `now`.
    InstallationOrg<'a> { installation: &'a str, org: &'a str, now: i64 }
}

/// `IntakeStore::record_webhook`: the trace record of a webhook that queued nothing, how it
/// ended (`Dropped`, `Ignored`) and when.
#[derive(Debug, Clone)]
pub struct UnqueuedWebhook {
    pub record: super::WebhookRecord,
    pub outcome: super::WebhookOutcome,
    pub now: i64,
}
