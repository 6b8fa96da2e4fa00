//! The storage port's conformance suite: every point of the `Outbox` contract as one async
//! check that takes only an `Arc<dyn Outbox>` (fresh and empty) and the times it passes in.
//! Each implementation runs every check: `every_check!(my_runner)` expands `my_runner!(name)`
//! once per check, and the runner makes a `#[tokio::test]` of it (see `postgres.rs`).

mod cards;
mod console;
mod escalation;
mod escalation_ends;
mod escalation_withdraw;
mod fixtures;
mod ingest;
mod leases;
mod oldest;
mod oncall;
mod operators;
mod pg_ingest;
pub(crate) mod postgres;
mod quiet;
mod quota;
mod sender;
mod shared_state;
mod sqlite;
mod storms;
mod trace;

pub use cards::*;
pub use console::*;
pub use escalation::*;
pub use escalation_ends::*;
pub use escalation_withdraw::*;
pub use ingest::*;
pub use leases::*;
pub use oldest::*;
pub use oncall::*;
pub use operators::*;
pub use quiet::*;
pub use quota::*;
pub use sender::*;
pub use shared_state::*;
pub use storms::*;
pub use trace::*;

/// Calls `$run!(check)` for every check of the suite.
macro_rules! every_check {
    ($run:ident) => {
        $run!(enqueue_dedup_window);
        $run!(a_body_seen_before_is_news_after_another_webhook_about_its_issue);
        $run!(an_issues_webhooks_are_stamped_in_the_order_they_were_stored);
        $run!(enqueue_dedup_race);
        $run!(enqueue_duplicate_key_rolls_back_the_others);
        $run!(repeat_suppression);
        $run!(repeat_state_change_passes);
        $run!(repeat_race);
        $run!(waiting_order);
        $run!(create_message_assigns_alerts);
        $run!(due_and_next_due);
        $run!(attempts_history);
        $run!(attempt_counted_before_send);
        $run!(mark_sent_retry_dead);
        $run!(queue_message_ready_made);
        $run!(pause);
        $run!(lease_lifecycle);
        $run!(lease_race_one_winner);
        $run!(stale_fence_write_refused);
        $run!(set_aside_alert);
        $run!(retry_message_dead_and_pending);
        $run!(retry_gives_a_summarys_alerts_back_unheld);
        $run!(stats);
        $run!(oldest_undelivered_counts_waiting_and_pending);
        $run!(prune);
        $run!(claim_action_once);
        $run!(action_key_stable);
        $run!(claim_scheduled_run_once);
        $run!(installation_org);
        $run!(wakeups_after_enqueue);
        $run!(check_writable);
        $run!(trace_routed_alert_fates);
        $run!(trace_duplicate_and_suppressed);
        $run!(trace_dropped_ignored_and_limit);
        $run!(trace_prune);
        $run!(card_notes_keep_one_card);
        $run!(card_clicks_and_fences);
        $run!(a_repeat_noted_after_a_claim_leaves_the_card_claimed);
        $run!(card_click_once_per_window);
        $run!(callback_signature_once);
        $run!(silences_add_list_end);
        $run!(oncall_overrides_add_list_end);
        $run!(open_api_calls_add_up_per_robot_and_month);
        $run!(held_alerts_leave_the_queue_until_a_message_takes_them);
        $run!(storm_summaries_take_held_alerts_and_end_once);
        $run!(storm_writes_need_the_current_lease);
        $run!(ladder_starts_with_the_enqueue);
        $run!(ladder_step_taken_once);
        $run!(act_withdraws_the_follow_ups_not_in_flight);
        $run!(a_ladder_a_silence_ends_withdraws_its_follow_ups);
        $run!(a_follow_up_that_fails_after_an_act_is_withdrawn_not_retried);
        $run!(last_step_ends_the_ladder);
        $run!(ladder_move_needs_the_current_lease);
        $run!(act_ends_the_issues_ladders);
        $run!(ladder_restarts_only_when_ended);
        $run!(postpone_then_end);
        $run!(note_ladder_appends);
        $run!(ended_ladders_are_pruned);
        $run!(tallies_add_up_per_robot_kind_and_bucket);
        $run!(message_issues_name_each_issue_once);
    };
}
pub(crate) use every_check;
