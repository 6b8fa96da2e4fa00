//! Robots chosen inside Sentry: an alert rule whose action names one of our robots sends there,
//! with the mentions it lists, instead of through the routes. Anything unusable (no settings,
//! no robot, a robot this relay does not have) falls back to the routes, and the log says why.

use crate::domain::alert::{Alert, AlertKind};
use crate::domain::mention::Mentions;
use crate::domain::oncall::Person;
use crate::routing::Target;
use crate::sentry::alert_rule_action::{RuleChoice, is_cn_mobile, parse_min_level};
use tracing::{info, warn};

#[derive(Debug, PartialEq)]
pub enum Choice {
    /// The rule's settings decide. Empty when the alert is below the rule's minimum level.
    Chosen(Vec<Target>),
    /// The routes decide, for this reason.
    Routes(String),
}

/// What the choice asks of the configuration: whether a robot exists, and what the routes say.
/// `config::Settings` answers it; the configuration sits above this module, so it is asked
/// through this trait and never imported.
pub trait RobotsAndRoutes {
    fn has_robot(&self, name: &str) -> bool;
    /// One of `[[people]]`, by name.
    fn person(&self, name: &str) -> Option<&Person>;
    /// Whether `[[oncall]]` has a rota of that name.
    fn has_rota(&self, name: &str) -> bool;
    /// The targets the routes give `alert`.
    fn route(&self, alert: &Alert) -> Vec<Target>;
}

/// The robots an alert goes to: the rule's choice when usable, else the routes.
pub fn targets(alert: &Alert, settings: &impl RobotsAndRoutes) -> Vec<Target> {
    match choose(alert, settings) {
        Choice::Chosen(targets) => {
            if targets.is_empty() {
                info!(
                    rule = rule_id(alert),
                    level = alert.level.as_str(),
                    "alert below its rule's min_level: not sent"
                );
            }
            targets
        }
        Choice::Routes(why) => {
            if matches!(alert.kind, AlertKind::EventAlert | AlertKind::MetricAlert) {
                info!(rule = rule_id(alert), "routes apply: {why}");
            }
            settings.route(alert)
        }
    }
}

/// "Send Test Notification" in Sentry's rule editor: never deduplicated or held as a repeat.
pub fn is_test(alert: &Alert) -> bool {
    alert.is_test_notification()
}

pub fn choose(alert: &Alert, settings: &impl RobotsAndRoutes) -> Choice {
    let Some(choice) = &alert.rule_choice else {
        return Choice::Routes("the webhook carries no settings of this integration".into());
    };
    let Some(robot) = &choice.robot else {
        return Choice::Routes("the rule's settings name no robot".into());
    };
    if !settings.has_robot(robot) {
        return Choice::Routes(format!(
            "the rule names robot `{robot}`, which is not configured"
        ));
    }
    if below_min_level(alert, choice) {
        return Choice::Chosen(Vec::new());
    }
    let mobiles: Vec<String> = choice
        .mobiles
        .iter()
        .filter(|m| is_cn_mobile(m))
        .cloned()
        .collect();
    if mobiles.len() < choice.mobiles.len() {
        // Sentry checked them when the rule was saved; a rule saved before can still hold some.
        warn!(
            rule = rule_id(alert),
            dropped = choice.mobiles.len() - mobiles.len(),
            "malformed mobiles in the rule's settings are not mentioned"
        );
    }
    let mut at = Mentions {
        mobiles,
        user_ids: choice.user_ids.clone(),
        all: false,
    };
    let oncall = chosen_people(alert, choice, settings, &mut at);
    let rule = choice.rule_id.as_deref().unwrap_or("?");
    Choice::Chosen(vec![Target {
        robot: robot.clone(),
        at,
        reason: format!("Sentry alert rule {rule} chose it"),
        // No repeat rule: Sentry's rule has its own action interval per issue, set in the same
        // editor; a second interval here would silence alerts the rule's author asked for.
        // The robot's budget and group window still apply.
        repeat: Vec::new(),
        // Muting is the routes' (`mute_times`); a robot the rule's author chose is never held.
        mute: Vec::new(),
        oncall,
        // Ladders are the routes' (`escalation`).
        escalate: Vec::new(),
        storm_exempt: false,
    }])
}

/// The rule's `people` added to `at` (by user id, else mobile) and its `oncall` rotas, which
/// intake resolves to whoever is on call. Names the configuration no longer has are left out
/// with a warning: Sentry checked them when the rule was saved.
fn chosen_people(
    alert: &Alert,
    choice: &RuleChoice,
    settings: &impl RobotsAndRoutes,
    at: &mut Mentions,
) -> Vec<String> {
    for name in &choice.people {
        let Some(person) = settings.person(name) else {
            warn!(rule = rule_id(alert), person = %name, "the rule names a person the relay does not have");
            continue;
        };
        match (&person.dingtalk_user_id, &person.mobile) {
            (Some(id), _) if !at.user_ids.contains(id) => at.user_ids.push(id.clone()),
            (None, Some(m)) if !at.mobiles.contains(m) => at.mobiles.push(m.clone()),
            _ => {}
        }
    }
    let (known, unknown): (Vec<String>, Vec<String>) = choice
        .oncall
        .iter()
        .cloned()
        .partition(|r| settings.has_rota(r));
    if !unknown.is_empty() {
        warn!(rule = rule_id(alert), rotas = ?unknown, "the rule names rotas the relay does not have");
    }
    known
}

/// A resolution always passes (its incident was notified), and so does a test notification.
fn below_min_level(alert: &Alert, choice: &RuleChoice) -> bool {
    let Some(min) = choice.min_level.as_deref().and_then(parse_min_level) else {
        return false;
    };
    !choice.test && alert.action != "resolved" && alert.level < min
}

fn rule_id(alert: &Alert) -> &str {
    alert
        .rule_choice
        .as_ref()
        .and_then(|c| c.rule_id.as_deref())
        .unwrap_or("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Level;
    use crate::routing::{Unmatched, route};

    /// Robots `default` and `oncall`, no routes: everything the routes take goes to `default`.
    /// People zhangsan (a user id) and lisi (a mobile); the rota `backend`.
    struct TwoRobots {
        people: Vec<Person>,
    }

    impl RobotsAndRoutes for TwoRobots {
        fn has_robot(&self, name: &str) -> bool {
            ["default", "oncall"].contains(&name)
        }
        fn person(&self, name: &str) -> Option<&Person> {
            self.people.iter().find(|p| p.name == name)
        }
        fn has_rota(&self, name: &str) -> bool {
            name == "backend"
        }
        fn route(&self, alert: &Alert) -> Vec<Target> {
            route(alert, &[], Unmatched::Default, Some("default"))
        }
    }

    fn settings() -> TwoRobots {
        let person = |name: &str, id: Option<&str>, mobile: Option<&str>| Person {
            name: name.into(),
            display: None,
            dingtalk_user_id: id.map(str::to_owned),
            mobile: mobile.map(str::to_owned),
            sentry: None,
        };
        TwoRobots {
            people: vec![
                person("zhangsan", Some("manager4321"), Some("13800001111")),
                person("lisi", None, Some("13900002222")),
            ],
        }
    }

    #[test]
    fn the_rules_people_are_mentioned_and_its_rotas_kept_for_intake() {
        let a = alert(Some(RuleChoice {
            robot: Some("oncall".into()),
            people: vec!["zhangsan".into(), "lisi".into(), "ghost".into()],
            oncall: vec!["backend".into(), "nope".into()],
            ..Default::default()
        }));
        let Choice::Chosen(targets) = choose(&a, &settings()) else {
            panic!("the rule chose")
        };
        assert_eq!(targets[0].at.user_ids, ["manager4321"], "by user id first");
        assert_eq!(targets[0].at.mobiles, ["13900002222"]);
        assert_eq!(targets[0].oncall, ["backend"], "unknown rotas left out");
    }

    fn alert(choice: Option<RuleChoice>) -> Alert {
        let mut a = Alert::new(AlertKind::EventAlert, "triggered");
        a.level = Level::Warning;
        a.rule_choice = choice;
        a
    }

    fn naming(robot: &str) -> RuleChoice {
        RuleChoice {
            rule_id: Some("7".into()),
            robot: Some(robot.into()),
            mobiles: vec!["13800001111".into(), "12".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_known_robot_is_chosen_with_its_valid_mentions() {
        let Choice::Chosen(t) = choose(&alert(Some(naming("oncall"))), &settings()) else {
            panic!("not chosen")
        };
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].robot.as_str(), t[0].at.mobiles.clone()),
            ("oncall", vec!["13800001111".to_string()])
        );
        assert!(t[0].repeat.is_empty());
    }

    #[test]
    fn unusable_settings_fall_back_to_the_routes() {
        let s = settings();
        for a in [
            alert(None),
            alert(Some(RuleChoice::default())),
            alert(Some(naming("nope"))),
        ] {
            assert!(
                matches!(choose(&a, &s), Choice::Routes(_)),
                "{:?}",
                a.rule_choice
            );
        }
        assert_eq!(
            targets(&alert(Some(naming("nope"))), &s)[0].robot,
            "default"
        );
    }

    #[test]
    fn min_level_holds_back_all_but_resolutions_and_tests() {
        let s = settings();
        let mut c = naming("oncall");
        c.min_level = Some("error".into());
        assert_eq!(
            choose(&alert(Some(c.clone())), &s),
            Choice::Chosen(Vec::new())
        );
        let mut resolved = alert(Some(c.clone()));
        resolved.action = "resolved".into();
        assert!(matches!(choose(&resolved, &s), Choice::Chosen(t) if t.len() == 1));
        c.test = true;
        assert!(matches!(choose(&alert(Some(c)), &s), Choice::Chosen(t) if t.len() == 1));
    }
}
