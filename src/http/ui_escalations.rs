//! `/ui/escalations`: the issues waiting for someone to act — every open escalation ladder,
//! the next due first: the issue, its route, when it started, the step taken (with what the
//! ladder's story says of it), the next step, whom it would reach now and when it is due.
//! Read-only: acting on the issue (in Sentry, the chat, the card) is what stops a ladder.

use super::AppState;
use super::console::{Clock, unavailable};
use super::gate::Passed;
use super::ui::{UiAccess, render};
use crate::clock::now_ms;
use crate::config::Settings;
use crate::domain::escalation::{EscalationStep, Reach};
use crate::domain::oncall::Override;
use crate::outbox::{LadderRow, QueuedAlert, StoreError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use tera::Context;

/// Ladders shown at most (the next due first).
const SHOWN: usize = 200;

/// A step in words, with whom an on-call step would reach now.
fn step_words(
    settings: &Settings,
    step: &EscalationStep,
    overrides: &[Override],
    now: i64,
) -> String {
    let reach = match step {
        EscalationStep::Mention(r) | EscalationStep::Ding(r) => Some(r),
        EscalationStep::Robot(_) => None,
    };
    let who = match reach {
        Some(Reach::Oncall(rota)) => settings.rota(rota).map(|r| {
            let name = r.on_call(now, overrides).person;
            settings
                .person(&name)
                .map_or(name.clone(), |p| p.shown().to_owned())
        }),
        Some(Reach::Person(name)) => settings.person(name).map(|p| p.shown().to_owned()),
        _ => None,
    };
    match who {
        Some(who) => format!("{step} ({who})"),
        None => step.to_string(),
    }
}

async fn row(
    state: &AppState,
    settings: &Settings,
    ladder: &LadderRow,
    overrides: &[Override],
    clock: &Clock,
) -> Result<Value, StoreError> {
    let alert = serde_json::from_str::<QueuedAlert>(&ladder.alert)
        .ok()
        .map(|q| q.alert);
    let steps = settings
        .routes
        .iter()
        .find(|r| r.name == ladder.route)
        .and_then(|r| r.escalation.as_ref())
        .map(|e| e.steps.clone())
        .unwrap_or_default();
    let index = usize::try_from(ladder.step).unwrap_or(usize::MAX);
    let words = |i: usize| {
        steps
            .get(i)
            .map(|s| step_words(settings, s, overrides, clock.now))
    };
    let taken = index.checked_sub(1).and_then(words);
    // The story's last line for this route says what the step taken did.
    let notes = state.outbox.ladder_notes(&ladder.issue).await?;
    let last = (index > 0)
        .then(|| notes.iter().rev().find(|n| n.route == ladder.route))
        .flatten()
        .map(|n| json!({"note": n.note, "at": clock.time(n.at)}));
    Ok(json!({
        "issue": ladder.issue,
        "short_id": ladder.short_id,
        "title": alert.as_ref().map(|a| a.title.clone()),
        "level": alert.as_ref().map(|a| a.level.as_str()),
        "project": alert.as_ref().and_then(|a| a.project.clone()),
        "link": alert.as_ref().and_then(|a| a.link.clone()),
        "route": ladder.route, "robot": ladder.robot,
        "started": clock.time(ladder.started_at),
        "steps_taken": index.min(steps.len()), "steps": steps.len(),
        "taken": taken, "last": last,
        "next": words(index),
        "due": clock.time(ladder.next_at),
        "overdue": ladder.next_at <= clock.now,
    }))
}

/// `GET /ui/escalations`.
pub async fn list(state: web::Data<AppState>, _: Passed<UiAccess>) -> HttpResponse {
    let now = now_ms();
    let settings = state.live.get().settings.clone();
    let clock = Clock::of(&state, now);
    let rows = async {
        let overrides = crate::oncall::overrides(&state.outbox, now).await?;
        let ladders = state.outbox.open_ladders().await?;
        let mut rows = Vec::new();
        for ladder in ladders.iter().take(SHOWN) {
            rows.push(row(&state, &settings, ladder, &overrides, &clock).await?);
        }
        Ok::<_, StoreError>((rows, ladders.len()))
    }
    .await;
    let Ok((rows, total)) = rows else {
        return unavailable();
    };
    let mut ctx = Context::new();
    ctx.insert("ladders", &rows);
    ctx.insert("total", &total);
    render(&state, StatusCode::OK, "escalations.html.tera", ctx, true)
}
