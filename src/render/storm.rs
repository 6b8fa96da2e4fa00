//! A storm told as one story (`storm.md.tera`, `storm_end.md.tera`): the first summary, the
//! updates (what changed since the last one), and the end — each under DingTalk's size limit,
//! with as many issues as fit, most alerts first, and the rest counted.

use super::escape::truncate;
use super::summary::duration;
use super::view::batch_line;
use super::{Envelope, RenderError, Renderer, finish, labels, time};
use crate::dingtalk::Message;
use crate::domain::storm::{IssueTally, Storm, StormTally};
use serde_json::{Value, json};

/// Projects named in a summary's header, most alerts first; the rest are counted as one.
const MOST_PROJECTS: usize = 10;
/// A project name in the header is cut here: one name must not fill the message.
const PROJECT_CHARS: usize = 60;

/// Which summary of a storm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StormSummary {
    First,
    Update,
    End,
}

/// What a storm summary tells.
#[derive(Debug, Clone, Copy)]
pub struct StormReport<'a> {
    pub storm: &'a Storm,
    pub summary: StormSummary,
    /// Every alert of the storm so far.
    pub tally: &'a StormTally,
    /// Alerts since the last summary.
    pub fresh: usize,
    pub now: i64,
    /// The storm page's signed link, when `PUBLIC_URL` is set.
    pub page: Option<&'a str>,
}

impl StormReport<'_> {
    /// Issues new since the last summary.
    fn new_since(&self) -> usize {
        let since = self.storm.last_message_at.unwrap_or(i64::MIN);
        self.tally
            .issues
            .iter()
            .filter(|i| i.first_at > since)
            .count()
    }
}

impl Renderer {
    /// The header's projects: the `MOST_PROJECTS` with the most alerts, then "other projects
    /// (N)" with the rest of the count. A storm over hundreds of projects, or a payload with a
    /// project name of 25,000 characters, still makes a summary DingTalk takes.
    fn by_project(tally: &StormTally, word: impl Fn(&str) -> &'static str) -> Vec<Value> {
        let mut projects: Vec<(&String, &usize)> = tally.by_project.iter().collect();
        projects.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let rest = projects.split_off(projects.len().min(MOST_PROJECTS));
        let mut shown: Vec<Value> = projects
            .iter()
            .map(|(name, count)| json!({"name": truncate(name, PROJECT_CHARS), "count": count}))
            .collect();
        if !rest.is_empty() {
            let name = format!(
                "{}{}{}{}",
                word("other_projects"),
                word("paren_open"),
                rest.len(),
                word("paren_close")
            );
            let count: usize = rest.iter().map(|(_, n)| **n).sum();
            shown.push(json!({"name": name, "count": count}));
        }
        shown
    }

    fn issue_line(&self, i: &IssueTally, climbed: bool) -> Value {
        let mut line = batch_line(&i.latest, self.lang);
        line["storm_count"] = json!(i.count);
        line["new"] = json!(i.new);
        line["regressed"] = json!(i.regressed);
        line["climbed"] = json!(climbed);
        line["level"] = json!(i.level.as_str());
        line
    }

    /// The message of one storm summary.
    pub fn render_storm(
        &self,
        r: &StormReport<'_>,
        env: &Envelope,
    ) -> Result<Message, RenderError> {
        let word = |k: &str| labels::label(self.lang, k);
        let end = r.summary == StormSummary::End;
        let listed: Vec<&IssueTally> = if end {
            r.tally.unresolved().collect()
        } else {
            r.tally.issues.iter().collect()
        };
        let title = if end {
            format!("✅ {} #{}", word("storm_over"), r.storm.id)
        } else {
            format!(
                "🌪️ {} #{} · {} {}",
                word("storm"),
                r.storm.id,
                r.tally.alerts,
                word("alerts")
            )
        };
        let by_project = Self::by_project(r.tally, word);
        let by_level: Vec<Value> = r
            .tally
            .by_level
            .iter()
            .rev()
            .map(|(l, n)| json!({"label": labels::level(self.lang, l.as_str()), "count": n}))
            .collect();
        let until = r.tally.last_at.unwrap_or(r.now).max(r.storm.started_at);
        let storm = json!({
            "id": r.storm.id,
            "since": time::local_ms(r.storm.started_at, self.tz),
            "until": time::local_ms(until, self.tz),
            // The end tells the span it shows (start to last alert); the others, so far.
            "duration": duration(if end { until } else { r.now } - r.storm.started_at),
        });
        let template = if end {
            "storm_end.md.tera"
        } else {
            "storm.md.tera"
        };
        let (msg, _) = super::fit::fit_lines(listed.len(), |shown| {
            let issues: Vec<Value> = listed[..shown]
                .iter()
                .map(|i| {
                    self.issue_line(
                        i,
                        !end && !r.storm.top.is_empty() && !r.storm.top.contains(&i.key),
                    )
                })
                .collect();
            let mut ctx = self.base_context(env);
            ctx.insert("storm", &storm);
            ctx.insert("update", &(r.summary == StormSummary::Update));
            ctx.insert("total", &r.tally.alerts);
            ctx.insert("issue_count", &r.tally.issues.len());
            ctx.insert("fresh", &r.fresh);
            ctx.insert("new_since", &r.new_since());
            ctx.insert("new_issues", &r.tally.new_issues());
            ctx.insert("by_project", &by_project);
            ctx.insert("by_level", &by_level);
            ctx.insert("issues", &issues);
            ctx.insert("unresolved_count", &listed.len());
            ctx.insert("remaining", &(listed.len() - shown));
            ctx.insert("page", &r.page);
            let text = self.template(template, &ctx)?;
            Ok(finish(title.clone(), text, env))
        })?;
        Ok(msg)
    }
}

/// A storm made of `alerts`, each `repeat` times, as its three summaries would tell it:
/// for `check` (the storm templates render) and the playground (what they look like).
pub fn sample_storm(
    renderer: &Renderer,
    alerts: &[crate::domain::alert::Alert],
    now: i64,
) -> Result<Vec<(StormSummary, Message)>, RenderError> {
    let started = now - 5 * 60_000;
    let mut tally = StormTally::default();
    for round in 0..3 {
        let at = started + round * 60_000;
        tally.add(started, alerts.iter().map(|a| (at, a.clone())));
    }
    let mut storm = Storm {
        id: 1,
        robot: "default".into(),
        started_at: started,
        ended_at: None,
        last_message_at: None,
        messages: 0,
        top: Vec::new(),
    };
    let env = Envelope {
        msg_uuid: "sample".into(),
        ..Default::default()
    };
    let mut out = Vec::new();
    for summary in [StormSummary::First, StormSummary::Update, StormSummary::End] {
        let report = StormReport {
            storm: &storm,
            summary,
            tally: &tally,
            fresh: alerts.len(),
            now,
            page: Some("https://relay.example/storms/1?exp=0&sig=sample"),
        };
        out.push((summary, renderer.render_storm(&report, &env)?));
        storm.last_message_at = Some(now - 60_000);
        storm.top = tally.top(3);
    }
    Ok(out)
}
