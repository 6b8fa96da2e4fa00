//! The relay's `alert-rule-action` in Sentry's alert-rule editor: the field names, the values a
//! rule carries in its webhooks, and the checks a value must pass.
//!
//! The same checks run when Sentry saves a rule (so a person sees the problem where they
//! typed it) and when an alert arrives (the configuration may have changed since).

pub use crate::domain::rule_choice::RuleChoice;
use serde_json::Value;

mod checks;
pub use checks::{Known, is_cn_mobile, parse_min_level, validate};

/// Field names in the schema, and so in every webhook's settings list.
pub const FIELD_ROBOT: &str = "robot";
pub const FIELD_MOBILES: &str = "mobiles";
pub const FIELD_USER_IDS: &str = "user_ids";
/// Names of the relay's `[[people]]`.
pub const FIELD_PEOPLE: &str = "people";
/// Names of the relay's `[[oncall]]` rotas: whoever is on call when the alert comes.
pub const FIELD_ONCALL: &str = "oncall";
pub const FIELD_MIN_LEVEL: &str = "min_level";
pub const FIELD_NOTE: &str = "note";

/// Where Sentry asks for the robot select's options (GET) and posts a rule being saved.
pub const OPTIONS_PATH: &str = "/sentry/alert-rule/robots";
pub const VALIDATE_PATH: &str = "/sentry/alert-rule/validate";

/// `data.issue_alert` of an `event_alert` webhook; present only for actions with settings.
pub fn from_issue_alert(issue_alert: Option<&Value>) -> Option<RuleChoice> {
    let ia = issue_alert.filter(|v| v.is_object())?;
    let rule_id = scalar(ia.get("id"));
    let mut choice = from_settings(ia.get("settings"));
    choice.test = rule_id.as_deref() == Some("-1");
    choice.rule_id = rule_id;
    Some(choice)
}

/// `data.metric_alert`: the settings of this integration's action among the rule's triggers.
/// The trigger named like the action (`critical`, `warning`) is preferred; a resolution takes
/// whichever trigger carries it.
pub fn from_metric_alert(metric_alert: &Value, action: &str) -> Option<RuleChoice> {
    let rule = metric_alert.get("alert_rule")?;
    let triggers = rule.get("triggers").and_then(Value::as_array)?;
    let ours = |t: &&Value| {
        t.get("actions")
            .and_then(Value::as_array)
            .and_then(|acts| acts.iter().find(|a| is_our_action(a)))
            .cloned()
    };
    let named = triggers
        .iter()
        .filter(|t| t.get("label").and_then(Value::as_str) == Some(action))
        .find_map(|t| ours(&t));
    let found = named.or_else(|| triggers.iter().find_map(|t| ours(&t)))?;
    let mut choice = from_settings(found.get("settings"));
    choice.rule_id = scalar(rule.get("id"));
    Some(choice)
}

/// A Sentry-app action (`type`/`targetType` `sentry_app`) whose settings carry our robot
/// field: other integrations' actions on the same trigger have their own field names.
fn is_our_action(a: &Value) -> bool {
    let sentry_app = ["type", "targetType", "target_type"]
        .iter()
        .any(|k| a.get(*k).and_then(Value::as_str) == Some("sentry_app"));
    sentry_app && settings_pairs(a.get("settings")).any(|(n, _)| n == FIELD_ROBOT)
}

/// `[{"name", "value"}, …]` (also tolerated: a plain object) → name/value pairs.
pub fn settings_pairs(v: Option<&Value>) -> Box<dyn Iterator<Item = (String, String)> + '_> {
    match v {
        Some(Value::Array(items)) => Box::new(items.iter().filter_map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            Some((name, scalar(f.get("value")).unwrap_or_default()))
        })),
        Some(Value::Object(map)) => Box::new(
            map.iter()
                .map(|(k, v)| (k.clone(), scalar(Some(v)).unwrap_or_default())),
        ),
        _ => Box::new(std::iter::empty()),
    }
}

fn from_settings(v: Option<&Value>) -> RuleChoice {
    let mut c = RuleChoice::default();
    for (name, value) in settings_pairs(v) {
        let value = value.trim().to_string();
        match name.as_str() {
            FIELD_ROBOT => c.robot = Some(value).filter(|s| !s.is_empty()),
            FIELD_MOBILES => c.mobiles = split_list(&value),
            FIELD_USER_IDS => c.user_ids = split_list(&value),
            FIELD_PEOPLE => c.people = split_list(&value),
            FIELD_ONCALL => c.oncall = split_list(&value),
            FIELD_MIN_LEVEL => c.min_level = Some(value).filter(|s| !s.is_empty()),
            FIELD_NOTE => c.note = Some(value).filter(|s| !s.is_empty()),
            _ => {}
        }
    }
    c
}

/// A string or number as text; Sentry sends select values as strings, ids as numbers.
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// People type lists with commas (also full-width), semicolons, spaces or new lines.
pub fn split_list(s: &str) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    let parts =
        s.split(|c: char| c == ',' || c == '，' || c == ';' || c == '；' || c.is_whitespace());
    for part in parts.filter(|p| !p.is_empty()) {
        if list.len() == MAX_LIST {
            break;
        }
        if !list.iter().any(|seen| seen == part) {
            list.push(part.to_string());
        }
    }
    list
}

/// The most entries one field of a rule gives (mobiles, user ids, people, rotas), each once:
/// a message mentions a team, not a crowd, and every entry is compared with the others when
/// each alert of the rule is routed.
pub const MAX_LIST: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Level;
    use serde_json::json;

    #[test]
    fn issue_alert_settings_and_the_test_notification() {
        let ia = json!({"id": -1, "title": "t", "settings": [
            {"name": "robot", "value": "oncall"}, {"name": "mobiles", "value": "13800001111, 13900002222"},
            {"name": "note", "value": " 看一下 "}, {"name": "other", "value": "x"}]});
        let c = from_issue_alert(Some(&ia)).expect("choice");
        assert_eq!(c.robot.as_deref(), Some("oncall"));
        assert_eq!(c.mobiles, ["13800001111", "13900002222"]);
        assert_eq!((c.note.as_deref(), c.test), (Some("看一下"), true));
        assert!(!from_issue_alert(Some(&json!({"id": 7}))).expect("c").test);
        assert_eq!(from_issue_alert(Some(&json!("x"))), None);
        assert_eq!(from_issue_alert(None), None);
    }

    #[test]
    fn metric_alert_takes_our_action_of_the_matching_trigger() {
        let action = |robot: &str| json!({"type": "sentry_app", "settings": [{"name": "robot", "value": robot}]});
        let m = json!({"alert_rule": {"id": 9, "triggers": [
            {"label": "critical", "actions": [{"type": "slack", "settings": null}, action("crit")]},
            {"label": "warning", "actions": [
                {"type": "sentry_app", "settings": [{"name": "channel", "value": "#x"}]}, action("warn")]}]}});
        let robot = |a: &str| from_metric_alert(&m, a).and_then(|c| c.robot);
        assert_eq!(robot("warning").as_deref(), Some("warn"));
        assert_eq!(robot("critical").as_deref(), Some("crit"));
        assert_eq!(robot("resolved").as_deref(), Some("crit"));
        assert_eq!(
            from_metric_alert(&json!({"alert_rule": {"triggers": []}}), "critical"),
            None
        );
    }

    #[test]
    fn people_and_rotas_are_read_and_checked_against_the_relays() {
        let ia = json!({"id": 3, "settings": [{"name": "robot", "value": "ops"},
            {"name": "people", "value": "zhangsan, lisi"}, {"name": "oncall", "value": "backend"}]});
        let c = from_issue_alert(Some(&ia)).expect("choice");
        assert_eq!(
            (c.people, c.oncall),
            (
                vec!["zhangsan".to_owned(), "lisi".to_owned()],
                vec!["backend".to_owned()]
            )
        );
        let known = Known {
            robots: &["ops"],
            people: &["zhangsan", "lisi"],
            rotas: &["backend"],
        };
        let fields = |name: &str, value: &str| {
            vec![
                ("robot".to_owned(), "ops".to_owned()),
                (name.to_owned(), value.to_owned()),
            ]
        };
        assert_eq!(validate(&fields("people", "lisi，zhangsan"), known), Ok(()));
        let e = validate(&fields("people", "lisi, wangwu"), known).expect_err("unknown person");
        assert!(
            e.contains("unknown person `wangwu` (field `people`); the relay has: zhangsan, lisi"),
            "{e}"
        );
        let e = validate(&fields("oncall", "frontend"), known).expect_err("unknown rota");
        assert!(e.contains("unknown on-call rota `frontend`"), "{e}");
        let none = Known {
            rotas: &[],
            ..known
        };
        let e = validate(&fields("oncall", "backend"), none).expect_err("no rotas");
        assert!(e.contains("none are configured"), "{e}");
    }

    #[test]
    fn mobiles_and_levels() {
        assert!(is_cn_mobile("13800001111") && is_cn_mobile("19912345678"));
        for bad in [
            "1380000111",
            "12800001111",
            "1380000111a",
            "+8613800001111",
            "138000011112",
        ] {
            assert!(!is_cn_mobile(bad), "{bad}");
        }
        assert_eq!(split_list("a，b; c\nd"), ["a", "b", "c", "d"]);
        assert_eq!(split_list("a,b,a,,b"), ["a", "b"]);
        let crowd: Vec<String> = (0..10_000).map(|n| format!("u{n}")).collect();
        let list = split_list(&crowd.join(","));
        assert_eq!(list.len(), MAX_LIST);
        assert_eq!(list[..], crowd[..MAX_LIST]);
        assert_eq!(parse_min_level("Error"), Some(Level::Error));
        assert_eq!(parse_min_level("critical"), None);
    }
}
