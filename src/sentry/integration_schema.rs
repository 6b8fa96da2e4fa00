//! `sentry-dingtalk schema`: the JSON pasted into the internal integration's Schema field. Its
//! one `alert-rule-action` element puts a robot select (options served by the relay), mentions,
//! a minimum level and a note into Sentry's issue- and metric-alert editors.

use super::alert_rule_action::{
    FIELD_MIN_LEVEL, FIELD_MOBILES, FIELD_NOTE, FIELD_ONCALL, FIELD_PEOPLE, FIELD_ROBOT,
    FIELD_USER_IDS, OPTIONS_PATH, VALIDATE_PATH,
};
use serde_json::{Value, json};

pub fn schema() -> Value {
    let levels: Vec<Value> = ["debug", "info", "warning", "error", "fatal"]
        .iter()
        .map(|l| json!([l, l]))
        .collect();
    json!({"elements": [{
        "type": "alert-rule-action",
        "title": "Send to DingTalk",
        "settings": {
            "type": "alert-rule-settings",
            // Sentry puts these paths on the scheme and host of the webhook URL.
            "uri": VALIDATE_PATH,
            "description": "Posts the alert to a DingTalk group robot of sentry-dingtalk, @-mentioning the people you list. 钉钉群机器人通知。",
            "required_fields": [{
                "type": "select",
                "name": FIELD_ROBOT,
                "label": "DingTalk robot (group) · 钉钉机器人",
                "uri": OPTIONS_PATH,
            }],
            "optional_fields": [
                {
                    "type": "text",
                    "name": FIELD_MOBILES,
                    "label": "@ mobiles, comma-separated (13800001111, …) · @手机号（逗号分隔）",
                },
                {
                    "type": "text",
                    "name": FIELD_USER_IDS,
                    "label": "@ DingTalk user ids, comma-separated · @用户 ID",
                },
                {
                    "type": "text",
                    "name": FIELD_PEOPLE,
                    "label": "@ people by their name in the relay's [[people]], comma-separated · @人员（配置中的 name）",
                },
                {
                    "type": "text",
                    "name": FIELD_ONCALL,
                    "label": "@ whoever is on call, by rota name · @值班（轮值名）",
                },
                {
                    "type": "select",
                    "name": FIELD_MIN_LEVEL,
                    "label": "Only from this level up · 最低级别",
                    "options": levels,
                },
                {
                    "type": "textarea",
                    "name": FIELD_NOTE,
                    "label": "Note added to the message · 附言",
                },
            ],
        },
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentry refuses a schema whose description is longer.
    const MAX_DESCRIPTION: usize = 140;

    #[test]
    fn description_fits_and_paths_are_relative() {
        let s = schema();
        let settings = &s["elements"][0]["settings"];
        let d = settings["description"].as_str().expect("description");
        assert!(
            d.chars().count() <= MAX_DESCRIPTION,
            "{}",
            d.chars().count()
        );
        assert!(settings["uri"].as_str().is_some_and(|u| u.starts_with('/')));
    }
}
