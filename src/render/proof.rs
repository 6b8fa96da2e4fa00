//! Proof that the templates render, before they are put in force: a template can compile and
//! still fail on every alert (an unknown variable or filter, a bad argument). `check` proves
//! both languages; a start and a reload prove the language in use, so such a template is
//! refused there instead of turning every alert into its title and link.

use super::{Envelope, HeldBy, HeldIssue, HoldSummary, RenderError, Renderer};
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::silence::{Matchers, Silence};

/// Renders every sample alert, each as a batch of two, a storm of them, a hold's summary for a
/// silence and for a mute window, and the open-issue digest; the first failure names what it
/// was rendering. Returns how many samples rendered.
pub fn prove(
    renderer: &Renderer,
    samples: &[(&str, Alert)],
    now: i64,
) -> Result<usize, RenderError> {
    let env = Envelope {
        keyword: Some("kw".into()),
        ..Default::default()
    };
    let named = |what: String| {
        move |e: RenderError| RenderError::Proof {
            what,
            cause: Box::new(e),
        }
    };
    for (name, alert) in samples {
        renderer
            .render_alert(alert, &env)
            .map_err(named(format!("sample {name}")))?;
        renderer
            .render_batch(&[alert.clone(), alert.clone()], &env)
            .map_err(named(format!("a batch of {name}")))?;
    }
    let alerts: Vec<Alert> = samples.iter().map(|(_, a)| a.clone()).collect();
    super::storm::sample_storm(renderer, &alerts, now)
        .map_err(named("a storm's summaries".into()))?;
    let issues: Vec<HeldIssue> = alerts
        .iter()
        .map(|a| HeldIssue {
            latest: a.clone(),
            count: 3,
        })
        .collect();
    let silence = Silence {
        id: 1,
        matchers: Matchers {
            all: true,
            ..Default::default()
        },
        starts_at: now - 3_600_000,
        ends_at: now,
        comment: "sample".into(),
        created_by: "check".into(),
        held: 3,
    };
    let mute = HeldBy::MuteWindow {
        name: "night".into(),
        from: now - 3_600_000,
        until: now,
    };
    for held_by in [HeldBy::Silence(silence), mute] {
        let summary = HoldSummary {
            held_by,
            alerts: issues.len() * 3,
            issues: issues.clone(),
        };
        renderer
            .render_hold_summary(&summary, &env)
            .map_err(named("a hold's summary (silence_summary.md.tera)".into()))?;
    }
    // A digest lists issues from Sentry's issue list: the issue samples are what it holds.
    let issues: Vec<Alert> = alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Issue)
        .cloned()
        .collect();
    renderer
        .render_open_issues(&issues, "24h", None, false, &env)
        .map_err(named("the open-issue digest (open_issues.md.tera)".into()))?;
    Ok(samples.len())
}
