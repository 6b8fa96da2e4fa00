//! What an escalation step posts: a short follow-up in the route's group that names the issue
//! and @-mentions whoever the step reaches; the alert itself, headed "escalated", in another
//! group; and the few words of a DING. Payload text is escaped here, as everywhere.

use super::{Envelope, Renderer, escape, finish};
use crate::dingtalk::Message;
use crate::domain::alert::Alert;
use crate::domain::lang::Lang;

/// One step's facts.
#[derive(Debug, Clone, Copy)]
pub struct EscalationNotice<'a> {
    pub alert: &'a Alert,
    /// How long nobody acted: since the alert was stored.
    pub waited_ms: i64,
    /// Who the step reaches, as shown (display names); empty for `all`.
    pub people: &'a [String],
    /// The rota they are on call for, when the step named one.
    pub rota: Option<&'a str>,
}

/// Minutes as people say them, rounded down: "15 min", "1 h 5 min"; seconds under a minute
/// (a ladder of `30s` read "0 min").
pub fn waited(ms: i64) -> String {
    let ms = ms.max(0);
    let minutes = ms / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, 0) => format!("{} s", ms / 1_000),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The issue in words: its own title, without the message title's marker, action and project
/// (a DING may be read out loud; the follow-up sits under the alert it follows).
fn issue_title(alert: &Alert, lang: Lang) -> String {
    match alert.title.trim() {
        "" => super::labels::label(lang, "no_title").to_string(),
        title => escape::one_line(title, 200),
    }
}

/// `[title](link)` (or the title alone), escaped and cut to a readable length.
fn issue_link(alert: &Alert, lang: Lang) -> String {
    let title = escape::markdown(&escape::truncate(&issue_title(alert, lang), 120));
    match &alert.link {
        Some(link) => format!("[{title}]({link})"),
        None => title,
    }
}

impl Renderer {
    /// The follow-up in the route's group; `env.at` carries the mentions.
    pub fn render_escalation(&self, n: &EscalationNotice<'_>, env: &Envelope) -> Message {
        let issue = issue_link(n.alert, self.lang);
        let waited = waited(n.waited_ms);
        let who: Vec<String> = n.people.iter().map(|p| escape::markdown(p)).collect();
        let who = who.join(", ");
        let (title, head, reach) = match self.lang {
            Lang::Zh => (
                format!("⏫ {waited} 无人处理"),
                format!("### ⏫ {waited} 无人处理"),
                match n.rota {
                    Some(rota) => format!("请值班（{}）处理：{who}", escape::markdown(rota)),
                    None if who.is_empty() => "请大家关注".to_owned(),
                    None => format!("请处理：{who}"),
                },
            ),
            Lang::En => (
                format!("⏫ Nobody acted for {waited}"),
                format!("### ⏫ Nobody acted for {waited}"),
                match n.rota {
                    Some(rota) => {
                        format!("On call ({}), please act: {who}", escape::markdown(rota))
                    }
                    None if who.is_empty() => "Everyone, please look".to_owned(),
                    None => format!("Please act: {who}"),
                },
            ),
        };
        let text = format!("{head}\n\n{issue}\n\n{reach}");
        finish(title, text, env)
    }

    /// The alert in another group, headed by why it came there. Falls back to the title and
    /// link when the robot's templates cannot render it.
    pub fn render_escalated_alert(
        &self,
        n: &EscalationNotice<'_>,
        from: &str,
        env: &Envelope,
    ) -> Message {
        let waited = waited(n.waited_ms);
        let from = escape::markdown(from);
        let head = match self.lang {
            Lang::Zh => format!("### ⏫ 升级：{from} 群 {waited} 无人处理"),
            Lang::En => format!("### ⏫ Escalated: nobody in {from} acted for {waited}"),
        };
        let mut message = self
            .render_alert(n.alert, env)
            .unwrap_or_else(|_| super::plain_fallback(n.alert, env, self.lang));
        message.markdown.text = format!("{head}\n\n{}", message.markdown.text);
        message.markdown.title = format!("⏫ {}", message.markdown.title);
        message
    }

    /// A DING's words: plain text, short (DingTalk shows it in a pop-up or reads it out).
    pub fn ding_content(&self, alert: &Alert, waited_ms: i64) -> String {
        let title = escape::truncate(&issue_title(alert, self.lang), 100);
        let waited = waited(waited_ms);
        match self.lang {
            Lang::Zh => format!("Sentry 告警 {waited} 无人处理：{title}"),
            Lang::En => format!("Sentry alert, nobody acted for {waited}: {title}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::waited;

    #[test]
    fn waits_read_in_whole_minutes_or_seconds_under_one() {
        assert_eq!(waited(15 * 60_000 + 40_000), "15 min");
        assert_eq!(waited(65 * 60_000), "1 h 5 min");
        assert_eq!(waited(120 * 60_000), "2 h");
        assert_eq!(waited(2_000), "2 s");
        assert_eq!(waited(59_999), "59 s");
        assert_eq!(waited(60_000), "1 min");
    }
}
