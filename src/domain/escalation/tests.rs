use super::*;

fn alert(kind: AlertKind, action: &str) -> Alert {
    let mut a = Alert::new(kind, action);
    a.issue_id = Some("42".into());
    a.level = Level::Error;
    a
}

#[test]
fn steps_read_as_written_and_print_back() {
    for text in [
        "oncall:backend",
        "person:wangwu",
        "all",
        "robot:ops-leads",
        "ding:oncall:backend",
        "ding:person:wangwu",
    ] {
        let step = EscalationStep::parse(text).expect("as written");
        assert_eq!(step.to_string(), text);
    }
    assert_eq!(
        EscalationStep::parse("ding:person:wangwu").expect("as written"),
        EscalationStep::Ding(Reach::Person("wangwu".into()))
    );
    assert_eq!(
        EscalationStep::parse("robot:x").expect("as written").kind(),
        "robot"
    );
}

#[test]
fn bad_steps_say_what_is_wrong() {
    for (text, says) in [
        ("pager:x", "is not oncall:ROTA"),
        ("oncall:", "is not oncall:ROTA"),
        ("robot:", "names no robot"),
        ("ding:all", "DING needs people"),
        ("ding:robot:x", "is not oncall:ROTA"),
    ] {
        let e = EscalationStep::parse(text).expect_err("an error");
        assert!(e.contains(says), "{text}: {e}");
    }
}

#[test]
fn new_and_regressed_issues_start_ladders_and_repeats_only_once() {
    for (kind, action, want) in [
        (AlertKind::Issue, "created", Some(LadderStart::Again)),
        (AlertKind::Issue, "unresolved", Some(LadderStart::Again)),
        (
            AlertKind::EventAlert,
            "triggered",
            Some(LadderStart::IfUnseen),
        ),
        (AlertKind::Error, "created", Some(LadderStart::IfUnseen)),
        (AlertKind::Issue, "resolved", None),
        (AlertKind::Issue, "assigned", None),
        (AlertKind::Comment, "created", None),
    ] {
        assert_eq!(
            ladder_start(&alert(kind, action)),
            want,
            "{kind:?} {action}"
        );
    }
}

#[test]
fn metric_alerts_start_when_critical_and_are_kept_by_incident() {
    let mut a = Alert::new(AlertKind::MetricAlert, "critical");
    assert_eq!(
        ladder_start(&a),
        None,
        "no incident: nothing to keep it under"
    );
    a.metric = Some(crate::domain::alert::Metric {
        incident_id: Some("7".into()),
        ..Default::default()
    });
    assert_eq!(ladder_start(&a), Some(LadderStart::Again));
    assert_eq!(ladder_key(&a).as_deref(), Some("incident:7"));
    a.action = "warning".into();
    assert_eq!(ladder_start(&a), None);
    a.action = "resolved".into();
    assert_eq!(act_of(&a).as_deref(), Some("metric alert resolved"));
}

#[test]
fn the_minimum_level_keeps_lower_alerts_off_the_ladder() {
    let ladder = Escalation {
        after_ms: 60_000,
        steps: vec![EscalationStep::Mention(Reach::All)],
        min_level: Some(Level::Error),
        ding_robot: None,
        ding_type: DingType::App,
        runner: "ops".into(),
    };
    let mut a = alert(AlertKind::Issue, "created");
    assert!(ladder.start_for(&a).is_some());
    a.level = Level::Warning;
    assert!(ladder.start_for(&a).is_none());
}

#[test]
fn what_sentry_says_someone_did() {
    let mut a = alert(AlertKind::Issue, "assigned");
    a.assignee = Some("Zhang San".into());
    assert_eq!(
        act_of(&a).as_deref(),
        Some("assigned to Zhang San in Sentry")
    );
    assert_eq!(
        act_of(&alert(AlertKind::Issue, "resolved")).as_deref(),
        Some("resolved in Sentry")
    );
    assert_eq!(
        act_of(&alert(AlertKind::Issue, "ignored")).as_deref(),
        Some("ignored in Sentry")
    );
    assert_eq!(act_of(&alert(AlertKind::Issue, "created")), None);
    assert_eq!(act_of(&alert(AlertKind::EventAlert, "triggered")), None);
}

#[test]
fn ding_types_are_dingtalks_remind_types() {
    assert_eq!(DingType::parse("app").expect("as written").remind_type(), 1);
    assert_eq!(DingType::parse("sms").expect("as written").remind_type(), 2);
    assert_eq!(
        DingType::parse("call").expect("as written").remind_type(),
        3
    );
    assert_eq!(DingType::parse("pager"), None);
}
