//! The variables of an issue's live card (`cardParamMap`): what the card template shows.
//!
//! Plain variables carry payload text as it came, for the template's text components, which
//! show text as text. `markdown` is the rendered alert — already escaped — for a template that
//! shows one markdown block.

use super::{Renderer, labels, time};
use crate::dingtalk::openapi::CardParams;
use crate::domain::alert::Alert;
use crate::domain::card_status::CardStatus;

/// The open API takes values of about 1 KB at most; longer ones are cut at a character
/// boundary with an ellipsis. The names of the variables are the card template's contract.
pub const MAX_VALUE_BYTES: usize = 1000;

pub const VARIABLES: &[&str] = &[
    "title",
    "level",
    "level_label",
    "project",
    "environment",
    "status",
    "count",
    "first_seen",
    "last_seen",
    "link",
    "assignee",
    "claimed_by",
    "markdown",
];

/// What the relay knows about the card beyond the alert in hand.
#[derive(Debug, Clone, Copy)]
pub struct CardFacts<'a> {
    /// Alerts this relay has seen for the issue, this one included.
    pub count: u64,
    pub status: CardStatus,
    /// When the relay first and last saw the issue, in the reader's zone; when `None`, the
    /// alert's own times, put in the renderer's zone (`ALERT_TIMEZONE`) as the markdown has them.
    pub first_seen: Option<&'a str>,
    pub last_seen: Option<&'a str>,
    pub claimed_by: Option<&'a str>,
    /// The alert as rendered for a custom robot.
    pub markdown: &'a str,
}

/// Every variable in [`VARIABLES`], each a string (empty when unknown), each within
/// [`MAX_VALUE_BYTES`].
pub fn card_params(alert: &Alert, facts: &CardFacts<'_>, renderer: &Renderer) -> CardParams {
    let lang = renderer.lang();
    let or_empty = |v: Option<&str>| v.unwrap_or("").to_string();
    let seen = |fact: Option<&str>, raw: Option<&str>| match fact {
        Some(shown) => shown.to_string(),
        None => raw
            .map(|raw| time::local(raw, renderer.timezone()).unwrap_or_else(|| raw.to_string()))
            .unwrap_or_default(),
    };
    let title = if alert.title.trim().is_empty() {
        labels::label(lang, "no_title").to_string()
    } else {
        alert.title.clone()
    };
    let level = alert.level.as_str();
    let project = alert.project.as_deref().or(alert.project_name.as_deref());
    let values = [
        ("title", title),
        ("level", level.to_string()),
        ("level_label", labels::level(lang, level).to_string()),
        ("project", or_empty(project)),
        ("environment", or_empty(alert.environment.as_deref())),
        ("status", facts.status.as_str().to_string()),
        ("count", facts.count.to_string()),
        (
            "first_seen",
            seen(facts.first_seen, alert.first_seen.as_deref()),
        ),
        (
            "last_seen",
            seen(facts.last_seen, alert.last_seen.as_deref()),
        ),
        // A link cut short would lead somewhere else: one that does not fit is left out.
        (
            "link",
            or_empty(alert.link.as_deref().filter(|l| l.len() <= MAX_VALUE_BYTES)),
        ),
        ("assignee", or_empty(alert.assignee.as_deref())),
        ("claimed_by", or_empty(facts.claimed_by)),
        ("markdown", facts.markdown.to_string()),
    ];
    let mut params = CardParams::new();
    for (key, value) in values {
        params.insert(key, cut(value));
    }
    params
}

fn cut(s: String) -> String {
    let mut s = super::escape::without_hidden(&s);
    if s.len() <= MAX_VALUE_BYTES {
        return s;
    }
    let ellipsis = "…";
    let mut end = MAX_VALUE_BYTES - ellipsis.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str(ellipsis);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{AlertKind, Level};
    use crate::domain::lang::Lang;

    fn alert() -> Alert {
        let mut a = Alert::new(AlertKind::Issue, "created");
        a.title = "ZeroDivisionError: division by zero".into();
        a.level = Level::Error;
        a.project = Some("payments-api".into());
        a.link = Some("https://sentry.io/organizations/acme/issues/42/".into());
        a.first_seen = Some("2025-11-20T06:21:37Z".into());
        a.last_seen = Some("2025-11-20T06:21:37Z".into());
        a
    }

    fn renderer(lang: Lang) -> Renderer {
        Renderer::load(None, lang).expect("built-in templates")
    }

    /// A new card's facts: one alert, firing, nobody on it.
    fn firing(markdown: &str) -> CardFacts<'_> {
        CardFacts {
            count: 1,
            status: CardStatus::Firing,
            first_seen: None,
            last_seen: None,
            claimed_by: None,
            markdown,
        }
    }

    #[test]
    fn the_alerts_own_times_are_shown_in_the_alert_timezone() {
        let facts = firing("");
        let mut a = alert();
        a.last_seen = Some("2025-11-20T06:30:00.000000Z".into());
        let berlin = renderer(Lang::En).with_timezone(Some(chrono_tz::Europe::Berlin));
        let p = card_params(&a, &facts, &berlin);
        assert_eq!(
            p.get("first_seen"),
            Some("2025-11-20 07:21:37 (Europe/Berlin)")
        );
        assert_eq!(
            p.get("last_seen"),
            Some("2025-11-20 07:30:00 (Europe/Berlin)")
        );
    }

    /// The `markdown` variable is escaped before it is cut: the cut keeps the escaper's guards,
    /// or a payload's `http://…` and `@mobile` would be live on the card.
    #[test]
    fn the_markdown_keeps_the_escapers_guards() {
        let escaped = super::super::escape::markdown("see http://phish.example and @13800001111");
        assert!(escaped.contains(super::super::escape::JOINER));
        let p = card_params(&alert(), &firing(&escaped), &renderer(Lang::Zh));
        assert_eq!(p.get("markdown"), Some(escaped.as_str()));
    }

    #[test]
    fn every_variable_is_there_as_a_string() {
        let facts = CardFacts {
            count: 4,
            status: CardStatus::Claimed,
            first_seen: None,
            last_seen: Some("2025-11-20T07:00:00Z"),
            claimed_by: Some("张三"),
            markdown: "### 🔴 新问题",
        };
        let p = card_params(&alert(), &facts, &renderer(Lang::Zh));
        let keys: Vec<&str> = p.iter().map(|(k, _)| k).collect();
        let mut want = VARIABLES.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want);
        let get = |k| p.get(k).unwrap_or("<missing>");
        assert_eq!(get("title"), "ZeroDivisionError: division by zero");
        assert_eq!((get("level"), get("level_label")), ("error", "错误"));
        assert_eq!((get("status"), get("count")), ("claimed", "4"));
        assert_eq!(get("first_seen"), "2025-11-20 14:21:37 (Asia/Shanghai)");
        assert_eq!(get("last_seen"), "2025-11-20T07:00:00Z");
        assert_eq!((get("environment"), get("assignee")), ("", ""));
        assert_eq!(get("claimed_by"), "张三");
        assert_eq!(
            get("link"),
            "https://sentry.io/organizations/acme/issues/42/"
        );
        let en = card_params(
            &Alert::new(AlertKind::Issue, "created"),
            &facts,
            &renderer(Lang::En),
        );
        assert_eq!(
            (en.get("title"), en.get("level_label")),
            (Some("(no title)"), Some("Info"))
        );
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary_and_long_links_dropped() {
        let mut a = alert();
        a.title = "错".repeat(2000);
        a.link = Some(format!("https://sentry.io/{}", "x".repeat(2000)));
        let md = "m".repeat(5000);
        let facts = firing(&md);
        let p = card_params(&a, &facts, &renderer(Lang::Zh));
        for (k, v) in p.iter() {
            assert!(v.len() <= MAX_VALUE_BYTES, "{k}: {} bytes", v.len());
        }
        assert!(
            p.get("title")
                .is_some_and(|t| t.ends_with('…') && t.starts_with("错错"))
        );
        assert_eq!(p.get("link"), Some(""));
    }
}
