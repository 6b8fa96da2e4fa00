//! The templates compiled into the binary.

/// The built-in templates, overridable file by file from `TEMPLATES_DIR`.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "issue.md.tera",
        include_str!("../../templates/issue.md.tera"),
    ),
    (
        "comment.md.tera",
        include_str!("../../templates/comment.md.tera"),
    ),
    (
        "event_alert.md.tera",
        include_str!("../../templates/event_alert.md.tera"),
    ),
    (
        "metric_alert.md.tera",
        include_str!("../../templates/metric_alert.md.tera"),
    ),
    (
        "error.md.tera",
        include_str!("../../templates/error.md.tera"),
    ),
    (
        "batch.md.tera",
        include_str!("../../templates/batch.md.tera"),
    ),
    (
        "open_issues.md.tera",
        include_str!("../../templates/open_issues.md.tera"),
    ),
    (
        "_details.md.tera",
        include_str!("../../templates/_details.md.tera"),
    ),
    (
        "_exception.md.tera",
        include_str!("../../templates/_exception.md.tera"),
    ),
    (
        "_breadcrumbs.md.tera",
        include_str!("../../templates/_breadcrumbs.md.tera"),
    ),
];
