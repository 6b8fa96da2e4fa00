//! The markdown message DingTalk receives. `timestamp`/`sign` travel in the query, not here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct At {
    #[serde(rename = "atMobiles", default)]
    pub mobiles: Vec<String>,
    #[serde(rename = "atUserIds", default)]
    pub user_ids: Vec<String>,
    #[serde(rename = "isAtAll", default)]
    pub all: bool,
}

impl At {
    pub fn is_empty(&self) -> bool {
        self.mobiles.is_empty() && self.user_ids.is_empty() && !self.all
    }

    /// DingTalk only notifies a person whose `@…` is also written in the text.
    pub fn text_line(&self) -> String {
        let mut who: Vec<String> = self
            .mobiles
            .iter()
            .chain(&self.user_ids)
            .map(|m| format!("@{m}"))
            .collect();
        if self.all {
            who.push("@所有人".to_string());
        }
        who.join(" ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markdown {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub msgtype: String,
    pub markdown: Markdown,
    pub at: At,
    /// Stable per delivery: DingTalk drops a repeat with the same id, so a retry cannot post twice.
    #[serde(rename = "msgUuid")]
    pub msg_uuid: String,
}

impl Message {
    pub fn markdown(title: String, text: String, at: At, msg_uuid: String) -> Self {
        Self {
            msgtype: "markdown".into(),
            markdown: Markdown { title, text },
            at,
            msg_uuid,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| unreachable!("plain strings always serialize"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_dingtalks_field_names() {
        let at = At {
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
    }
}
