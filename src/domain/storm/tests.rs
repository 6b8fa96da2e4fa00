use super::*;

fn alert(issue: &str, project: &str, level: Level, action: &str) -> Alert {
    let mut a = Alert::new(AlertKind::EventAlert, action);
    a.issue_id = Some(issue.into());
    a.project = Some(project.into());
    a.level = level;
    a.title = format!("Error {issue}");
    a
}

#[test]
fn the_threshold_is_a_minute_of_readable_batches() {
    assert_eq!(default_threshold(20), 400);
    assert_eq!(default_threshold(u32::MAX), u32::MAX);
}

#[test]
fn alerts_add_up_per_issue_project_and_level_most_first() {
    let mut t = StormTally::default();
    let mut created = alert("3", "web", Level::Fatal, "created");
    created.kind = AlertKind::Issue;
    t.add(
        1_000,
        [
            (1_000, alert("1", "pay", Level::Error, "triggered")),
            (1_100, alert("2", "pay", Level::Warning, "triggered")),
            (1_200, alert("1", "pay", Level::Fatal, "triggered")),
            (1_300, created),
        ],
    );
    t.add(
        1_000,
        [(1_400, alert("1", "pay", Level::Error, "triggered"))],
    );
    assert_eq!(t.alerts, 5);
    assert_eq!(t.issues[0].key, "1", "most alerts first");
    assert_eq!((t.issues[0].count, t.issues[0].level), (3, Level::Fatal));
    assert_eq!((t.issues[0].first_at, t.issues[0].last_at), (1_000, 1_400));
    assert_eq!(t.by_project.get("pay"), Some(&4));
    assert_eq!(t.by_level.get(&Level::Error), Some(&2));
    assert_eq!(t.new_issues(), 1, "the created issue");
    assert_eq!((t.first_at, t.last_at), (Some(1_000), Some(1_400)));
    assert_eq!(t.top(2), ["1", "2"]);
}

#[test]
fn an_issue_first_seen_during_the_storm_is_new_and_a_resolution_is_remembered() {
    let mut t = StormTally::default();
    let mut fresh = alert("9", "pay", Level::Error, "triggered");
    fresh.first_seen = Some("2026-12-05T10:00:00Z".into());
    let since = chrono::DateTime::parse_from_rfc3339("2026-12-05T09:59:00Z")
        .expect("time")
        .timestamp_millis();
    let mut resolved = alert("8", "pay", Level::Error, "resolved");
    resolved.kind = AlertKind::Issue;
    t.add(
        since,
        [
            (1, fresh),
            (2, alert("8", "pay", Level::Error, "triggered")),
            (3, resolved),
        ],
    );
    assert_eq!(t.new_issues(), 1);
    let unresolved: Vec<&str> = t.unresolved().map(|i| i.key.as_str()).collect();
    assert_eq!(unresolved, ["9"]);
}

#[test]
fn an_issue_is_remembered_by_its_listing_not_its_whole_alert() {
    // A storm of 10,000 issues keeps one alert per issue: kept whole (stack, breadcrumbs,
    // tags) that took a replica to 200 MB in `bench/replicas.sh … storm`.
    let mut a = alert("1", "pay", Level::Error, "triggered");
    a.frames = vec![crate::domain::alert::Frame::default(); 24];
    a.tags = vec![Default::default(); 8];
    let mut t = StormTally::default();
    t.add(1_000, [(1_000, a.clone()), (1_100, a)]);
    let latest = &t.issues[0].latest;
    assert!(latest.frames.is_empty() && latest.tags.is_empty());
    assert_eq!(latest.title, "Error 1", "what a line shows stays");
}

/// A comment webhook names its issue but carries no title, short id, project or level: as the
/// issue's newest alert it keeps the issue's line readable and counts at the issue's level.
#[test]
fn a_comment_as_the_newest_alert_keeps_its_issues_line() {
    let mut issue = alert("7", "pay", Level::Error, "created");
    issue.kind = AlertKind::Issue;
    issue.short_id = Some("PAY-7".into());
    let mut comment = Alert::new(AlertKind::Comment, "created");
    comment.issue_id = Some("7".into());
    let mut t = StormTally::default();
    t.add(1_000, [(1_000, issue.clone()), (1_100, comment.clone())]);
    let line = &t.issues[0];
    assert_eq!(line.count, 2);
    assert_eq!(
        line.latest.kind,
        AlertKind::Comment,
        "still the newest alert"
    );
    assert_eq!(line.latest.title, "Error 7");
    assert_eq!(line.latest.short_id.as_deref(), Some("PAY-7"));
    assert_eq!(t.by_level.get(&Level::Error), Some(&2));
    assert_eq!(
        t.by_level.get(&Level::Info),
        None,
        "a comment has no level of its own"
    );
    assert_eq!(t.by_project.get("pay"), Some(&2));

    // Read in the other order (a comment read before the older alert): the line still fills.
    let mut t = StormTally::default();
    t.add(1_000, [(1_100, comment), (1_000, issue)]);
    assert_eq!(t.issues[0].latest.title, "Error 7");
    assert_eq!(t.issues[0].latest.short_id.as_deref(), Some("PAY-7"));
}
