//! The markdown message DingTalk receives. `timestamp`/`sign` travel in the query, not here.

use crate::domain::mention::Mentions;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markdown {
    pub title: String,
    pub text: String,
}

/// A button of an actionCard: DingTalk opens `url` when it is tapped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Button {
    pub title: String,
    #[serde(rename = "actionURL")]
    pub url: String,
}

/// A message: markdown, or an actionCard (the same title and text, with buttons) when it has
/// buttons. DingTalk's actionCard cannot @-mention, so a message that mentions has no buttons.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub markdown: Markdown,
    pub at: Mentions,
    pub buttons: Vec<Button>,
    /// Stable per delivery: DingTalk drops a repeat with the same id, so a retry cannot post twice.
    pub msg_uuid: String,
}

#[derive(Serialize)]
#[serde(tag = "msgtype")]
enum Wire<'a> {
    #[serde(rename = "markdown")]
    Markdown {
        markdown: &'a Markdown,
        at: &'a Mentions,
        #[serde(rename = "msgUuid")]
        msg_uuid: &'a str,
    },
    #[serde(rename = "actionCard")]
    ActionCard {
        #[serde(rename = "actionCard")]
        card: Card<'a>,
        #[serde(rename = "msgUuid")]
        msg_uuid: &'a str,
    },
}

#[derive(Serialize)]
struct Card<'a> {
    title: &'a str,
    text: &'a str,
    /// "1": buttons side by side.
    #[serde(rename = "btnOrientation")]
    orientation: &'static str,
    btns: &'a [Button],
}

impl Message {
    pub fn markdown(title: String, text: String, at: Mentions, msg_uuid: String) -> Self {
        Self {
            markdown: Markdown { title, text },
            at,
            buttons: Vec::new(),
            msg_uuid,
        }
    }

    pub fn msgtype(&self) -> &'static str {
        if self.buttons.is_empty() {
            "markdown"
        } else {
            "actionCard"
        }
    }

    /// The exact request body DingTalk receives.
    pub fn to_json(&self) -> String {
        let wire = if self.buttons.is_empty() {
            Wire::Markdown {
                markdown: &self.markdown,
                at: &self.at,
                msg_uuid: &self.msg_uuid,
            }
        } else {
            let card = Card {
                title: &self.markdown.title,
                text: &self.markdown.text,
                orientation: "1",
                btns: &self.buttons,
            };
            Wire::ActionCard {
                card,
                msg_uuid: &self.msg_uuid,
            }
        };
        serde_json::to_string(&wire)
            .unwrap_or_else(|_| unreachable!("plain strings always serialize"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_dingtalks_field_names() {
        let at = Mentions {
            mobiles: vec!["13800001111".into()],
            user_ids: vec!["u1".into()],
            all: false,
        };
        let json = Message::markdown("t".into(), "x".into(), at.clone(), "id-1".into()).to_json();
        assert!(json.contains(r#""msgtype":"markdown""#));
        assert!(
            json.contains(r#""atMobiles":["13800001111"]"#)
                && json.contains(r#""atUserIds":["u1"]"#)
        );
        assert!(json.contains(r#""isAtAll":false"#) && json.contains(r#""msgUuid":"id-1""#));
        assert_eq!(at.text_line(), "@13800001111 @u1");
        let mut card =
            Message::markdown("t".into(), "x".into(), Mentions::default(), "id-2".into());
        card.buttons.push(Button {
            title: "Resolve".into(),
            url: "https://relay/actions/abc".into(),
        });
        let json: serde_json::Value = serde_json::from_str(&card.to_json()).expect("json");
        assert_eq!(json["msgtype"], "actionCard");
        assert_eq!(
            json["actionCard"]["btns"][0]["actionURL"],
            "https://relay/actions/abc"
        );
        assert_eq!(json["actionCard"]["text"], "x");
        assert!(json.get("at").is_none(), "actionCard has no at");
    }
}
