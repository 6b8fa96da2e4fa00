use super::*;

fn alert(project: &str, level: Level) -> Alert {
    let mut a = Alert::new(AlertKind::Issue, "created");
    a.project = Some(project.into());
    a.environment = Some("production".into());
    a.level = level;
    a.title = "TypeError: Cannot read property 'x' of Undefined".into();
    a.issue_id = Some("4242".into());
    a.short_id = Some("WEB-12".into());
    a
}

fn m(json: serde_json::Value) -> Result<Matcher, FieldError> {
    serde_json::from_value::<Matchers>(json)
        .expect("valid")
        .compile()
}

#[test]
fn each_matcher_holds_what_it_names_and_nothing_else() {
    let a = alert("web-frontend", Level::Error);
    let held = |json: serde_json::Value| m(json).expect("valid").matches(&a, "ops");
    // Per matcher: a value that holds the alert, and one that does not.
    let each = [
        ("project", "web-*", "api"),
        ("environment", "prod*", "staging"),
        ("level", "error", "warning"),
        ("issue", "4242", "4243"),
        ("issue", "web-12", "4243"),
        ("title", "cannot READ", "timeout"),
        ("robot", "ops", "dev"),
    ];
    for (field, holds, passes) in each {
        assert!(
            held(serde_json::json!({ field: holds })),
            "{field} = {holds}"
        );
        assert!(
            !held(serde_json::json!({ field: passes })),
            "{field} = {passes}"
        );
    }
    assert!(held(serde_json::json!({"all": true})));
    // Several: every one must hold.
    assert!(!held(
        serde_json::json!({"project": "web-*", "level": "warning"})
    ));
    assert!(held(
        serde_json::json!({"project": "web-*", "level": "fatal"})
    ));
}

#[test]
fn level_holds_that_level_and_below_and_never_a_comment() {
    let warn = m(serde_json::json!({"level": "warning"})).expect("valid");
    for (level, held) in [
        (Level::Debug, true),
        (Level::Info, true),
        (Level::Warning, true),
        (Level::Error, false),
        (Level::Fatal, false),
    ] {
        assert_eq!(warn.matches(&alert("p", level), "r"), held, "{level:?}");
    }
    let mut comment = alert("p", Level::Info);
    comment.kind = AlertKind::Comment;
    assert!(!warn.matches(&comment, "r"));
}

#[test]
fn a_field_the_alert_lacks_is_not_matched() {
    let mut a = alert("p", Level::Error);
    a.environment = None;
    assert!(
        !m(serde_json::json!({"environment": "*"}))
            .expect("valid")
            .matches(&a, "r")
    );
}

#[test]
fn bad_matchers_name_their_field() {
    let cases = [
        (serde_json::json!({}), "matchers"),
        (serde_json::json!({"all": false}), "matchers"),
        (
            serde_json::json!({"all": true, "project": "x"}),
            "matchers.all",
        ),
        (serde_json::json!({"project": "[oops"}), "matchers.project"),
        (
            serde_json::json!({"environment": "{a"}),
            "matchers.environment",
        ),
        (serde_json::json!({"level": "loud"}), "matchers.level"),
        (serde_json::json!({"title": "  "}), "matchers.title"),
    ];
    for (json, field) in cases {
        let err = m(json.clone()).expect_err("invalid");
        assert_eq!(err.field, field, "{json}");
    }
    let unknown = serde_json::from_value::<Matchers>(serde_json::json!({"projekt": "x"}));
    assert!(
        unknown
            .expect_err("unknown matcher")
            .to_string()
            .contains("projekt")
    );
}

#[test]
fn holds_round_trip_through_their_key() {
    for hold in [Hold::Silence(7), Hold::MuteWindow("nights".into())] {
        assert_eq!(Hold::parse(&hold.key()), Some(hold.clone()));
    }
    assert_eq!(Hold::parse("silence:x"), None);
    assert_eq!(Hold::parse("other"), None);
    assert_eq!(Hold::Silence(3).describe(), "silenced by #3");
}

#[test]
fn matchers_read_back_as_written() {
    let written = Matchers {
        project: Some("web-*".into()),
        level: Some("warning".into()),
        ..Default::default()
    };
    let json = serde_json::to_string(&written).expect("json");
    assert_eq!(json, r#"{"project":"web-*","level":"warning"}"#);
    assert_eq!(
        serde_json::from_str::<Matchers>(&json).expect("valid"),
        written
    );
    assert_eq!(written.describe(), "project=web-*, level≤warning");
}

/// An event alert or an error carries the numeric issue id only: a silence of the short id
/// holds it once the id the short id is known by is given.
#[test]
fn a_short_id_silence_holds_alerts_that_carry_only_the_numeric_id() {
    let mut a = alert("web-frontend", Level::Error);
    a.short_id = None;
    let short = m(serde_json::json!({"issue": "web-12"})).expect("valid");
    assert_eq!(short.short_issue_id(), Some("web-12"));
    assert!(!short.clone().matches(&a, "ops"), "not known yet");
    assert!(
        short
            .clone()
            .known_as(Some("4242".into()))
            .matches(&a, "ops")
    );
    assert!(!short.known_as(Some("4243".into())).matches(&a, "ops"));
    let numeric = m(serde_json::json!({"issue": "4242"})).expect("valid");
    assert_eq!(numeric.short_issue_id(), None);
}
