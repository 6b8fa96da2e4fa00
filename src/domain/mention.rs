//! Who an alert @-mentions: phones and user ids of the group, or everyone. Serialized with
//! DingTalk's field names because that is what the outbox has always stored.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mentions {
    #[serde(rename = "atMobiles", default)]
    pub mobiles: Vec<String>,
    #[serde(rename = "atUserIds", default)]
    pub user_ids: Vec<String>,
    #[serde(rename = "isAtAll", default)]
    pub all: bool,
}

impl Mentions {
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
