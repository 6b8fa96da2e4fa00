//! A robot of `kind = "card"`: an enterprise internal app's robot that posts interactive cards
//! through the open API, instead of a custom robot's webhook.

use super::file::expand;
use crate::dingtalk::openapi::AppCredentials;
use crate::secret::Secret;
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct CardRobot {
    pub app_key: String,
    pub app_secret: Secret,
    /// The app robot's code; the AppKey unless the file says otherwise.
    pub robot_code: String,
    pub card_template_id: String,
    /// The group the cards go to (`cid…==`).
    pub open_conversation_id: String,
    /// The `apiSecret` registered for the app's card callbacks; signs button clicks.
    pub callback_secret: Secret,
    /// The `callbackRouteKey` the app's card callback was registered with: cards created with
    /// it send their button clicks to this relay. `None`: the cards' buttons call nothing back.
    pub callback_route_key: Option<String>,
}

impl CardRobot {
    pub fn credentials(&self) -> AppCredentials {
        AppCredentials {
            app_key: self.app_key.clone(),
            app_secret: self.app_secret.clone(),
        }
    }
}

/// By hand, so the secrets' absence from `Debug` does not depend on another type.
impl fmt::Debug for CardRobot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardRobot")
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .field("robot_code", &self.robot_code)
            .field("card_template_id", &self.card_template_id)
            .field("open_conversation_id", &self.open_conversation_id)
            .field("callback_secret", &"<redacted>")
            .field("callback_route_key", &self.callback_route_key)
            .finish()
    }
}

/// The card keys of one `[[robots]]` entry, as written.
#[derive(Debug, Default)]
pub(super) struct CardKeys {
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    pub robot_code: Option<String>,
    pub card_template_id: Option<String>,
    pub open_conversation_id: Option<String>,
    pub callback_secret: Option<String>,
    pub callback_route_key: Option<String>,
}

impl CardKeys {
    /// The keys that are set, for "a custom robot does not take …".
    pub fn present(&self) -> Vec<&'static str> {
        [
            ("app_key", &self.app_key),
            ("app_secret", &self.app_secret),
            ("robot_code", &self.robot_code),
            ("card_template_id", &self.card_template_id),
            ("open_conversation_id", &self.open_conversation_id),
            ("callback_secret", &self.callback_secret),
            ("callback_route_key", &self.callback_route_key),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect()
    }

    /// Every key `${VAR}`-expanded and non-empty; errors name the key (and the variable), never
    /// a value.
    pub fn build(self, env: &dyn Fn(&str) -> Option<String>) -> Result<CardRobot, String> {
        let required = |key: &str, v: Option<String>| -> Result<String, String> {
            let raw = v.ok_or_else(|| format!("{key} is required for kind = \"card\""))?;
            let value = expand(&raw, env).map_err(|e| format!("{key}: {e}"))?;
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(format!("{key} is empty"));
            }
            Ok(value)
        };
        let app_key = required("app_key", self.app_key)?;
        let callback_route_key = match self.callback_route_key {
            Some(key) => Some(required("callback_route_key", Some(key))?),
            None => None,
        };
        let robot_code = match self.robot_code {
            Some(code) => required("robot_code", Some(code))?,
            None => app_key.clone(),
        };
        Ok(CardRobot {
            app_secret: Secret::new(required("app_secret", self.app_secret)?),
            robot_code,
            card_template_id: required("card_template_id", self.card_template_id)?,
            open_conversation_id: required("open_conversation_id", self.open_conversation_id)?,
            callback_secret: Secret::new(required("callback_secret", self.callback_secret)?),
            callback_route_key,
            app_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, RobotConfig, Settings, file};
    use std::collections::HashMap;

    const CARD: &str = r#"
[[robots]]
name = "oncall-cards"
kind = "card"
app_key = "dingappkey"
app_secret = "${APP_SECRET}"
card_template_id = "tpl.schema"
open_conversation_id = "cid123=="
callback_secret = "${CB_SECRET}"
"#;

    fn parse(text: &str) -> Result<Vec<RobotConfig>, ConfigError> {
        let env: HashMap<&str, &str> = [("APP_SECRET", "app-s3cret"), ("CB_SECRET", "cb-s3cret")]
            .into_iter()
            .collect();
        let defaults = Settings::from_lookup(|_| None).expect("defaults").env_robot;
        let get = |k: &str| env.get(k).map(|v| v.to_string());
        file::parse(text, "t.toml", &get, &defaults).map(|f| f.robots)
    }

    fn refused(text: &str) -> String {
        let e = parse(text).expect_err("refused").to_string();
        assert!(!e.contains("s3cret"), "{e}");
        e
    }

    #[test]
    fn a_card_robot_gets_its_keys_expanded_and_robot_code_defaults_to_app_key() {
        let robots = parse(CARD).expect("loads");
        let card = robots[0].card.as_ref().expect("a card robot");
        assert!(robots[0].webhook.is_none() && robots[0].secret.is_none());
        assert_eq!(card.app_secret.expose(), "app-s3cret");
        assert_eq!(card.callback_secret.expose(), "cb-s3cret");
        assert_eq!(card.robot_code, "dingappkey");
        assert_eq!(card.credentials().app_key, "dingappkey");
        let shown = format!("{robots:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let explicit = CARD.replace(
            "kind = \"card\"",
            "kind = \"card\"\nrobot_code = \"dingrobot\"",
        );
        let robots = parse(&explicit).expect("loads");
        assert_eq!(
            robots[0].card.as_ref().map(|c| c.robot_code.as_str()),
            Some("dingrobot")
        );
    }

    #[test]
    fn every_card_key_is_required_and_named_when_missing() {
        for key in [
            "app_key",
            "app_secret",
            "card_template_id",
            "open_conversation_id",
            "callback_secret",
        ] {
            let text: String = CARD
                .lines()
                .filter(|l| !l.starts_with(&format!("{key} ")))
                .collect::<Vec<_>>()
                .join("\n");
            let e = refused(&text);
            assert!(
                e.contains("`oncall-cards`") && e.contains(key),
                "{key}: {e}"
            );
        }
        let e = refused(&CARD.replace("${CB_SECRET}", "${NOT_SET}"));
        assert!(
            e.contains("callback_secret") && e.contains("NOT_SET"),
            "{e}"
        );
        let e = refused(&CARD.replace("\"tpl.schema\"", "\"  \""));
        assert!(e.contains("card_template_id is empty"), "{e}");
    }

    #[test]
    fn custom_and_card_keys_do_not_mix() {
        let e = refused(&CARD.replace(
            "kind = \"card\"",
            "kind = \"card\"\nwebhook = \"https://x/robot/send\"",
        ));
        assert!(e.contains("webhook is for custom robots"), "{e}");
        let e = refused(&CARD.replace("kind = \"card\"", "kind = \"card\"\nsecret = \"SEC1\""));
        assert!(e.contains("secret is for custom robots"), "{e}");
        let custom =
            "[[robots]]\nname = \"c\"\nwebhook = \"https://x/robot/send\"\napp_key = \"k\"\n";
        let e = refused(custom);
        assert!(e.contains("app_key is for kind = \"card\" robots"), "{e}");
        let e = refused("[[robots]]\nname = \"c\"\n");
        assert!(e.contains("webhook is required"), "{e}");
        let e = refused(&CARD.replace("kind = \"card\"", "kind = \"cards\""));
        assert!(e.contains("custom") && e.contains("card"), "{e}");
        let plain = parse(
            "[[robots]]\nname = \"c\"\nkind = \"custom\"\nwebhook = \"https://x/robot/send\"\n",
        )
        .expect("an explicit custom robot loads");
        assert!(plain[0].card.is_none() && plain[0].webhook.is_some());
    }

    #[test]
    fn the_api_url_has_a_default_and_must_be_http() {
        let s = Settings::from_lookup(|_| None).expect("loads");
        assert_eq!(s.dingtalk_api_url, "https://api.dingtalk.com");
        let s = Settings::from_lookup(|k| {
            (k == "DINGTALK_API_URL").then(|| "http://127.0.0.1:9/".into())
        })
        .expect("loads");
        assert_eq!(s.dingtalk_api_url, "http://127.0.0.1:9");
        let e = Settings::from_lookup(|k| (k == "DINGTALK_API_URL").then(|| "ftp://x".into()))
            .expect_err("refused");
        assert!(e.to_string().contains("DINGTALK_API_URL"), "{e}");
    }
}
