//! How long a payload may make an alert's names and identifiers. Sentry's own limits are far
//! lower (a project slug is at most 50 characters, an environment 64, a release 250, a tag
//! value 200): a longer one did not come from Sentry, and one such field must not make every
//! message that lists it — a storm summary, a batch — longer than DingTalk takes (20,000
//! bytes), which would refuse them all. Free texts (title, message, exception, comment) are
//! left whole here: rendering cuts them to fit.

use crate::domain::alert::Alert;

/// Sentry's longest name (a release) and then some.
const MOST_CHARS: usize = 256;
/// Sentry keeps far fewer tags on an event.
const MOST_TAGS: usize = 100;

/// Whether `id` can be a Sentry issue id: a number (Sentry's are 64-bit). Anything else names
/// no issue of Sentry's, and would reach its API as a path — `.` made `…/issues/./`, Sentry's
/// bulk update of every issue — and the logs as text (a newline forged a log line).
pub(crate) fn is_issue_id(id: &str) -> bool {
    (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// Cuts every name and identifier of `a` to `MOST_CHARS` characters, and its tags to
/// `MOST_TAGS`; an issue id that is not a number is dropped: the alert is still posted, without
/// what needs its issue (actions, enrichment, escalation).
pub(super) fn bound(a: &mut Alert) {
    if a.issue_id.as_deref().is_some_and(|id| !is_issue_id(id)) {
        a.issue_id = None;
    }
    let mut fields = vec![
        &mut a.project,
        &mut a.project_name,
        &mut a.environment,
        &mut a.release,
        &mut a.platform,
        &mut a.issue_id,
        &mut a.short_id,
        &mut a.event_id,
        &mut a.count,
        &mut a.first_seen,
        &mut a.last_seen,
        &mut a.time,
        &mut a.status,
        &mut a.substatus,
        &mut a.assignee,
        &mut a.actor,
        &mut a.triggered_rule,
    ];
    if let Some(u) = a.user.as_mut() {
        fields.extend([
            &mut u.id,
            &mut u.email,
            &mut u.username,
            &mut u.ip,
            &mut u.geo,
        ]);
    }
    if let Some(r) = a.request.as_mut() {
        fields.push(&mut r.method);
    }
    if let Some(c) = a.comment.as_mut() {
        fields.extend([&mut c.author, &mut c.id]);
    }
    if let Some(m) = a.metric.as_mut() {
        fields.extend([
            &mut m.rule,
            &mut m.incident_id,
            &mut m.rule_id,
            &mut m.identifier,
            &mut m.aggregate,
            &mut m.value,
            &mut m.resolve_threshold,
        ]);
        m.projects.iter_mut().for_each(cut_string);
    }
    for e in a.exception.iter_mut().chain(a.exceptions.iter_mut()) {
        fields.extend([&mut e.ty, &mut e.mechanism]);
    }
    fields.into_iter().for_each(cut);
    a.tags.truncate(MOST_TAGS);
    for tag in &mut a.tags {
        cut_string(&mut tag.key);
        cut_string(&mut tag.value);
    }
}

fn cut(field: &mut Option<String>) {
    if let Some(v) = field.as_mut() {
        cut_string(v);
    }
}

fn cut_string(v: &mut String) {
    if let Some((at, _)) = v.char_indices().nth(MOST_CHARS) {
        v.truncate(at);
        v.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{AlertKind, Tag};

    #[test]
    fn names_and_identifiers_are_cut_and_short_ones_kept() {
        let mut a = Alert::new(AlertKind::Issue, "created");
        a.project = Some("p".repeat(25_000));
        a.environment = Some("生产".repeat(200));
        a.release = Some("web@1.2.3".into());
        a.tags = (0..500)
            .map(|i| Tag {
                key: format!("k{i}"),
                value: "v".repeat(1_000),
            })
            .collect();
        bound(&mut a);
        let project = a.project.expect("kept");
        assert_eq!(project.chars().count(), MOST_CHARS + 1);
        assert!(project.ends_with('…'));
        assert_eq!(a.environment.expect("kept").chars().count(), MOST_CHARS + 1);
        assert_eq!(a.release.as_deref(), Some("web@1.2.3"));
        assert_eq!(a.tags.len(), MOST_TAGS);
        assert!(
            a.tags
                .iter()
                .all(|t| t.value.chars().count() == MOST_CHARS + 1)
        );
    }

    #[test]
    fn only_a_number_is_an_issue_id() {
        for (id, kept) in [
            ("4242", true),
            ("18446744073709551615", true),
            (".", false),
            ("..", false),
            ("42/../", false),
            ("4242\n2026-12-07T11:59:59Z  WARN forged", false),
            ("PROJ-1", false),
            ("", false),
            ("123456789012345678901", false),
        ] {
            let mut a = Alert::new(AlertKind::Issue, "created");
            a.issue_id = Some(id.to_owned());
            bound(&mut a);
            assert_eq!(a.issue_id.is_some(), kept, "{id:?}");
        }
    }
}
