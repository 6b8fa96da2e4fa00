use super::*;
use serde_json::json;

fn base() -> LinkBase {
    LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: Some("acme".into()),
        learned_org: None,
    }
}

#[test]
fn issue_without_web_url_gets_a_built_link() {
    let v = json!({"action": "resolved", "data": {"issue": {"id": "42", "title": "Boom", "level": "fatal"}}});
    let Parsed::Alert(a) = parse_integration("issue", &v, &base()) else {
        panic!("not an alert")
    };
    assert_eq!(
        a.link.as_deref(),
        Some("https://sentry.io/organizations/acme/issues/42/")
    );
    assert_eq!((a.level, a.title.as_str()), (Level::Fatal, "Boom"));
}

#[test]
fn unknown_resources_and_actions_are_ignored_and_installation_acknowledged() {
    let v = json!({"action": "root_cause_completed", "data": {}});
    assert!(matches!(
        parse_integration("seer", &v, &base()),
        Parsed::Ignored { .. }
    ));
    let v = json!({"action": "frobbed", "data": {"issue": {}}});
    assert!(matches!(
        parse_integration("issue", &v, &base()),
        Parsed::Ignored { .. }
    ));
    let v = json!({"action": "created", "data": {"installation": {}}});
    assert!(matches!(
        parse_integration("installation", &v, &base()),
        Parsed::Installation { .. }
    ));
}

#[test]
fn empty_payload_still_makes_an_alert() {
    for resource in ["issue", "event_alert", "error"] {
        let action = if resource == "event_alert" {
            "triggered"
        } else {
            "created"
        };
        let v = json!({ "action": action });
        assert!(matches!(
            parse_integration(resource, &v, &LinkBase::default()),
            Parsed::Alert(_)
        ));
    }
}

#[test]
fn shapes_are_told_apart() {
    assert_eq!(
        detect_shape(&json!({"event": {}, "url": "x", "triggering_rules": []})),
        Shape::Legacy
    );
    assert_eq!(detect_shape(&json!({"event_id": "x"})), Shape::BareEvent);
    let s = detect_shape(&json!({"action": "triggered", "data": {"event": {}}}));
    assert_eq!(
        s,
        Shape::Integration {
            resource: "event_alert".into()
        }
    );
    assert!(parse_json(b"[1]").is_err() && parse_json(b"{").is_err());
}

#[test]
fn project_and_org_come_from_api_urls() {
    let url = "https://sentry.io/api/0/projects/acme/payments-api/events/abc/";
    assert_eq!(
        project_from_api_url(Some(url.into())).as_deref(),
        Some("payments-api")
    );
    let v = json!({"data": {"event": {"web_url": "https://sentry.io/organizations/zed/issues/1/events/2/"}}});
    assert_eq!(org_from_urls(&v).as_deref(), Some("zed"));
}

#[test]
fn a_learned_org_builds_links_when_nothing_else_names_one() {
    let learned = LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: None,
        learned_org: Some("zed".into()),
    };
    let v = json!({"action": "resolved", "data": {"issue": {"id": "42"}}});
    let Parsed::Alert(a) = parse_integration("issue", &v, &learned) else {
        panic!("not an alert")
    };
    assert_eq!(
        a.link.as_deref(),
        Some("https://sentry.io/organizations/zed/issues/42/")
    );
    let metric = json!({"action": "critical", "data": {"metric_alert": {"identifier": "17",
        "alert_rule": {"id": "42"}}}});
    let Parsed::Alert(m) = parse_integration("metric_alert", &metric, &learned) else {
        panic!("not an alert")
    };
    assert_eq!(
        m.link.as_deref(),
        Some("https://sentry.io/organizations/zed/alerts/rules/details/42/?alert=17")
    );
    let Parsed::Alert(none) = parse_integration("issue", &v, &LinkBase::default()) else {
        panic!("not an alert")
    };
    assert_eq!(none.link, None);
}

#[test]
fn no_string_of_a_payload_keeps_a_nul() {
    let body = br#"{"action":"created","data":{"issue":{"id":"4\u00002","shortId":"PAY-1\u0000","title":"a\u0000b","tags":[["k\u0000","v\u0000"]]},"x\u0000":1}}"#;
    let v = parse_json(body).expect("parsed");
    let text = serde_json::to_string(&v).expect("json");
    assert!(!text.contains("\\u0000"), "{text}");
    assert_eq!(v["data"]["issue"]["shortId"], "PAY-1");
    assert_eq!(v["data"]["x"], 1);
}
