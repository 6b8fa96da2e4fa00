//! A DING (`POST /v1.0/robot/ding/send`): the app's robot reminds people in the app, by SMS or
//! by phone call. It needs a paid DingTalk edition; the caller logs and counts a refusal and
//! goes on.

use super::{AppCredentials, CallTally, CardOutcome, OpenApiClient};
use serde_json::{Value, json};

/// One DING: whom, how, and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Ding<'a> {
    /// The app robot's code (`robot_code`, by default the app key).
    pub robot_code: &'a str,
    /// 1 in the app, 2 by SMS, 3 by phone call.
    pub remind_type: u8,
    /// DingTalk user ids (`[[people]].dingtalk_user_id`).
    pub user_ids: &'a [String],
    pub content: &'a str,
}

impl Ding<'_> {
    fn body(&self) -> Value {
        json!({
            "robotCode": self.robot_code,
            "remindType": self.remind_type,
            "receiverUserIdList": self.user_ids,
            "content": self.content,
        })
    }
}

impl OpenApiClient {
    /// Sends a DING; the `openDingId` DingTalk gave it, or what went wrong.
    pub async fn send_ding(
        &self,
        app: &AppCredentials,
        tally: &CallTally,
        ding: &Ding<'_>,
    ) -> Result<String, CardOutcome> {
        let path = "/v1.0/robot/ding/send";
        let answer = self
            .call(app, tally, reqwest::Method::POST, path, &ding.body())
            .await?;
        Ok(answer
            .get("openDingId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Ding;

    #[test]
    fn the_body_is_dingtalks_shape() {
        let ids = vec!["manager4321".to_owned()];
        let ding = Ding {
            robot_code: "dingabc",
            remind_type: 3,
            user_ids: &ids,
            content: "nobody acted",
        };
        assert_eq!(
            ding.body(),
            serde_json::json!({
                "robotCode": "dingabc",
                "remindType": 3,
                "receiverUserIdList": ["manager4321"],
                "content": "nobody acted",
            })
        );
    }
}
