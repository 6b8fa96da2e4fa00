//! The one message a robot posts when a silence or a mute window that held its alerts ends:
//! what held them, how many alerts of how many issues, and the issues, most alerts first, as
//! many as fit (`silence_summary.md.tera`).

use super::view::batch_line;
use super::{Envelope, RenderError, Renderer, escape, finish, labels, time};
use crate::dingtalk::Message;
use crate::domain::alert::Alert;
use crate::domain::lang::Lang;
use crate::domain::silence::Silence;
use serde_json::{Value, json};

/// What held the alerts.
#[derive(Debug, Clone)]
pub enum HeldBy {
    Silence(Silence),
    /// A mute window, and when its held alerts came in (first, last).
    MuteWindow {
        name: String,
        from: i64,
        until: i64,
    },
}

/// One issue's held alerts: the latest of them, and how many.
#[derive(Debug, Clone)]
pub struct HeldIssue {
    pub latest: Alert,
    pub count: usize,
}

/// What a hold kept back, for its summary.
#[derive(Debug, Clone)]
pub struct HoldSummary {
    pub held_by: HeldBy,
    pub alerts: usize,
    /// Most alerts first.
    pub issues: Vec<HeldIssue>,
}

/// `2 h 30 min`, `45 min`, `3 d 2 h`; under a minute in seconds (a 7 s silence said "1 min").
pub(super) fn duration(ms: i64) -> String {
    if ms < 60_000 {
        return format!("{} s", (ms / 1_000).max(1));
    }
    let minutes = (ms.max(0) + 59_999) / 60_000;
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "min")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if parts.is_empty() {
        "0 min".into()
    } else {
        parts.join(" ")
    }
}

impl Renderer {
    fn hold_view(&self, held_by: &HeldBy) -> Value {
        let tz = self.tz;
        match held_by {
            HeldBy::Silence(s) => json!({
                "kind": "silence",
                "id": s.id,
                "matchers": s.matchers.describe(),
                "comment": s.comment,
                "created_by": s.created_by,
                "from": time::local_ms(s.starts_at, tz),
                "until": time::local_ms(s.ends_at, tz),
                "duration": duration(s.ends_at - s.starts_at),
            }),
            HeldBy::MuteWindow { name, from, until } => json!({
                "kind": "mute",
                "window": name,
                "from": time::local_ms(*from, tz),
                "until": time::local_ms(*until, tz),
                "duration": duration(until - from),
            }),
        }
    }

    /// The summary of a hold that ended, under DingTalk's size limit: the issues with the
    /// most alerts that fit, the rest counted.
    pub fn render_hold_summary(
        &self,
        summary: &HoldSummary,
        env: &Envelope,
    ) -> Result<Message, RenderError> {
        let word = |k: &str| labels::label(self.lang, k);
        let title = match &summary.held_by {
            HeldBy::Silence(s) => format!("🔕 {} #{}", word("silence_ended"), s.id),
            HeldBy::MuteWindow { name, .. } => format!("🔕 {} · {name}", word("mute_ended")),
        };
        let (msg, _) = super::fit::fit_lines(summary.issues.len(), |shown| {
            let issues: Vec<Value> = summary.issues[..shown]
                .iter()
                .map(|i| {
                    let mut line = batch_line(&i.latest, self.lang);
                    line["held"] = json!(i.count);
                    line
                })
                .collect();
            let mut ctx = self.base_context(env);
            ctx.insert("hold", &self.hold_view(&summary.held_by));
            ctx.insert("total", &summary.alerts);
            ctx.insert("issue_count", &summary.issues.len());
            ctx.insert("issues", &issues);
            ctx.insert("remaining", &(summary.issues.len() - shown));
            let text = self.template("silence_summary.md.tera", &ctx)?;
            Ok(finish(title.clone(), text, env))
        })?;
        Ok(msg)
    }
}

impl Renderer {
    /// The short message after a silence made from the chat: who silenced what, until when.
    /// `who` and `what` are payload-like text and escaped here.
    pub fn render_silence_notice(
        &self,
        who: &str,
        what: &str,
        silence: &Silence,
        env: &Envelope,
    ) -> Message {
        let until = time::local_ms(silence.ends_at, self.tz);
        let (who, what) = (escape::markdown(who), escape::markdown(what));
        let (title, text) = match self.lang {
            Lang::Zh => (
                format!("🔕 {who} 静默了 {what}"),
                format!(
                    "🔕 **{who}** 静默了 {what}，至 {until}（静默 #{}）",
                    silence.id
                ),
            ),
            Lang::En => (
                format!("🔕 {who} silenced {what}"),
                format!(
                    "🔕 **{who}** silenced {what} until {until} (silence #{})",
                    silence.id
                ),
            ),
        };
        finish(title, text, env)
    }

    /// The short message after someone claimed an issue from the chat (it is assigned to them
    /// in Sentry). `who` and `what` are escaped here.
    pub fn render_claim_notice(&self, who: &str, what: &str, env: &Envelope) -> Message {
        let (who, what) = (escape::markdown(who), escape::markdown(what));
        let (title, text) = match self.lang {
            Lang::Zh => (
                format!("🙋 {who} 认领了 {what}"),
                format!("🙋 **{who}** 认领了 {what}（已在 Sentry 中指派）"),
            ),
            Lang::En => (
                format!("🙋 {who} claimed {what}"),
                format!("🙋 **{who}** claimed {what} (assigned in Sentry)"),
            ),
        };
        finish(title, text, env)
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(3_600_000), "1 h");
        assert_eq!(duration(90 * 60_000), "1 h 30 min");
        assert_eq!(duration(26 * 3_600_000), "1 d 2 h");
        assert_eq!(duration(1), "1 s");
        assert_eq!(duration(7_000), "7 s");
        assert_eq!(duration(59_999), "59 s");
        assert_eq!(duration(60_000), "1 min");
    }
}
