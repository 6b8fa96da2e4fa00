//! The digest card of a card robot: when more new issues wait than the robot's budget allows,
//! they are folded into one card of their own (`digest:<minute>`), updated as more arrive,
//! instead of each becoming a new card in the chat.
//!
//! The digest is an ordinary card row: its stored alert is a [`DigestCard`] — readable as a
//! `QueuedAlert` too (a summary alert about no issue, so its buttons change nothing at Sentry)
//! — with the issues folded into it.

use crate::domain::alert::{Alert, AlertKind};
use crate::domain::lang::Lang;
use crate::domain::mention::Mentions;
use crate::render::{Envelope, Renderer};
use serde::{Deserialize, Serialize};

/// Card keys of digest cards start with this.
pub const DIGEST_PREFIX: &str = "digest:";
/// A digest card gathers the issues of one such window.
pub const DIGEST_WINDOW_MS: i64 = 60_000;
/// Issues the card lists (the rest are counted); the card's markdown is cut at 1 KB anyway.
const LISTED: usize = 20;
/// Issue keys remembered per digest (later alerts of those issues join the digest).
const KEYS_KEPT: usize = 1_000;

/// The card key of the digest card for `now`.
pub fn digest_key(now: i64) -> String {
    format!("{DIGEST_PREFIX}{}", now - now.rem_euclid(DIGEST_WINDOW_MS))
}

pub fn is_digest_key(key: &str) -> bool {
    key.starts_with(DIGEST_PREFIX)
}

/// What a digest card's row stores as its alert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestCard {
    /// The summary the card's plain variables come from (`title` "N new issues", ...).
    pub alert: Alert,
    #[serde(default)]
    pub at: Mentions,
    /// Issues folded into the card.
    #[serde(default)]
    pub total: usize,
    /// The card keys of the folded issues (the first [`KEYS_KEPT`]).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The first [`LISTED`] issues, as their latest alert, slimmed.
    #[serde(default)]
    pub issues: Vec<Alert>,
}

impl DigestCard {
    pub fn empty(lang: Lang) -> Self {
        let mut d = DigestCard {
            alert: Alert::new(AlertKind::Issue, "created"),
            at: Mentions::default(),
            total: 0,
            keys: Vec::new(),
            issues: Vec::new(),
        };
        d.retitle(lang);
        d
    }

    /// The digest stored in a card row, or a fresh one when it is not readable.
    pub fn parse(stored: &str, lang: Lang) -> Self {
        serde_json::from_str(stored).unwrap_or_else(|_| Self::empty(lang))
    }

    pub fn holds(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Folds the issue `key` (its latest alert `alert`) in; a known issue is refreshed.
    pub fn fold(&mut self, key: &str, alert: &Alert, lang: Lang) {
        let slim = alert.clone().for_listing();
        if self.holds(key) {
            if let Some(pos) = self.issues.iter().position(|a| same_issue(a, alert)) {
                self.issues[pos] = slim;
            }
            return;
        }
        self.total += 1;
        if self.keys.len() < KEYS_KEPT {
            self.keys.push(key.to_string());
        }
        if self.issues.len() < LISTED {
            self.issues.push(slim);
        }
        if alert.level > self.alert.level || self.total == 1 {
            self.alert.level = alert.level;
        }
        self.retitle(lang);
    }

    fn retitle(&mut self, lang: Lang) {
        self.alert.title = match lang {
            Lang::Zh => format!("{} 个新问题", self.total),
            _ if self.total == 1 => "1 new issue".to_string(),
            _ => format!("{} new issues", self.total),
        };
    }

    /// The card's `markdown`: the folded issues as the batch template lists them.
    pub fn markdown(&self, env: &Envelope, renderer: &Renderer) -> String {
        let listed = &self.issues;
        let text = match listed.len() {
            0 => return self.alert.title.clone(),
            1 => renderer
                .render_alert(&listed[0], env)
                .ok()
                .map(|m| m.markdown.text),
            _ => renderer
                .render_batch(listed, env)
                .ok()
                .map(|(m, _)| m.markdown.text),
        };
        let mut text = text.unwrap_or_else(|| {
            listed
                .iter()
                .map(|a| format!("- {}", a.title))
                .collect::<Vec<_>>()
                .join("\n")
        });
        let more = self.total.saturating_sub(self.issues.len());
        if more > 0 {
            text.push_str(&format!("\n\n(+{more})"));
        }
        text
    }
}

fn same_issue(a: &Alert, b: &Alert) -> bool {
    a.issue_id.is_some() && a.issue_id == b.issue_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_minute_and_folding_counts_issues_once() {
        assert_eq!(digest_key(125_000), "digest:120000");
        assert!(is_digest_key(&digest_key(1)));
        let mut d = DigestCard::empty(Lang::En);
        let mut a = Alert::new(AlertKind::Issue, "created");
        a.issue_id = Some("1".into());
        a.title = "A".into();
        d.fold("issue:1", &a, Lang::En);
        d.fold("issue:1", &a, Lang::En);
        a.issue_id = Some("2".into());
        d.fold("issue:2", &a, Lang::En);
        assert_eq!((d.total, d.issues.len()), (2, 2));
        assert_eq!(d.alert.title, "2 new issues");
        assert!(d.alert.issue_id.is_none(), "a digest is about no one issue");
        let back = DigestCard::parse(&serde_json::to_string(&d).expect("JSON"), Lang::En);
        assert!(back.holds("issue:2"));
    }
}
