//! `metric_alert.*`: the incident, its rule's thresholds and the value Sentry measured.

use super::event::http_link;
use super::json::{first_text, text};
use crate::domain::alert::{Alert, AlertKind, Level, Metric, Threshold};
use serde_json::Value;

pub fn metric_alert(data: &Value, action: &str) -> Alert {
    let mut a = Alert::new(AlertKind::MetricAlert, action);
    let m = data.get("metric_alert").unwrap_or(&Value::Null);
    let rule = m.get("alert_rule").unwrap_or(&Value::Null);
    a.level = match action {
        "critical" => Level::Error,
        "warning" => Level::Warning,
        _ => Level::Info,
    };
    // The docs' example carries a literal `\n`; real bodies a newline.
    let description = text(data, &["description_text"]).map(|d| d.replace("\\n", "\n"));
    let projects = strings(m.get("projects")).or_else(|| strings(rule.get("projects")));
    a.metric = Some(Metric {
        title: text(data, &["description_title"]),
        value: description.as_deref().and_then(leading_number),
        description,
        rule: text(rule, &["name"]),
        incident_id: first_text(m, &[&["id"], &["identifier"]]),
        rule_id: text(rule, &["id"]),
        identifier: text(m, &["identifier"]),
        aggregate: text(rule, &["aggregate"]),
        query: text(rule, &["query"]),
        time_window_minutes: rule.get("time_window").and_then(Value::as_u64),
        // Sentry's AlertRuleThresholdType: 0 above, 1 below.
        above: rule
            .get("threshold_type")
            .and_then(Value::as_u64)
            .map(|t| t == 0),
        thresholds: thresholds(rule.get("triggers")),
        resolve_threshold: text(rule, &["resolve_threshold"]),
        projects: projects.clone().unwrap_or_default(),
    });
    a.title = first_text(data, &[&["description_title"]])
        .or_else(|| text(m, &["title"]))
        .unwrap_or_default();
    a.project = projects.and_then(|p| p.into_iter().next());
    a.environment = text(rule, &["environment"]);
    a.first_seen = first_text(m, &[&["date_started"], &["date_detected"]]);
    a.link = http_link(text(data, &["web_url"]));
    a.rule_choice = super::alert_rule_action::from_metric_alert(m, action);
    a
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    let list: Vec<String> = v?
        .as_array()?
        .iter()
        .filter_map(|p| p.as_str().or_else(|| p.get("slug")?.as_str()))
        .map(str::to_string)
        .collect();
    (!list.is_empty()).then_some(list)
}

/// `triggers[]` with a `label` and an `alert_threshold`, critical first.
fn thresholds(v: Option<&Value>) -> Vec<Threshold> {
    let mut list: Vec<Threshold> = v
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .filter_map(|t| {
                    Some(Threshold {
                        label: text(t, &["label"])?,
                        value: text(t, &["alert_threshold"])?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort_by_key(|t| t.label != "critical");
    list
}

/// `523 events in the last 5 minutes` → `523`; `99.1% crash free …` → `99.1%`.
fn leading_number(description: &str) -> Option<String> {
    let first = description.split_whitespace().next()?;
    let digits = first.trim_end_matches('%');
    (!digits.is_empty() && digits.parse::<f64>().is_ok()).then(|| first.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thresholds_window_value_and_projects_are_read() {
        let data = json!({
            "metric_alert": {"id": "3311", "identifier": "17", "projects": ["checkout-web", "payments-api"],
                "alert_rule": {"id": "42", "name": "Checkout errors", "aggregate": "count()", "time_window": 10,
                    "threshold_type": 0, "resolve_threshold": 100,
                    "triggers": [{"label": "warning", "alert_threshold": 300}, {"label": "critical", "alert_threshold": 500}]}},
            "description_text": "523 events in the last 10 minutes\\nThreshold: 500"});
        let a = metric_alert(&data, "critical");
        let m = a.metric.expect("metric");
        assert_eq!(m.value.as_deref(), Some("523"));
        assert_eq!(
            m.thresholds[0],
            Threshold {
                label: "critical".into(),
                value: "500".into()
            }
        );
        assert_eq!((m.time_window_minutes, m.above), (Some(10), Some(true)));
        assert_eq!(m.projects, ["checkout-web", "payments-api"]);
        assert_eq!(a.project.as_deref(), Some("checkout-web"));
        assert_eq!(
            m.description.as_deref(),
            Some("523 events in the last 10 minutes\nThreshold: 500")
        );
    }

    #[test]
    fn a_bare_metric_alert_still_parses() {
        let a = metric_alert(
            &json!({"metric_alert": {"projects": 5, "alert_rule": {"triggers": [1]}}}),
            "resolved",
        );
        let m = a.metric.expect("metric");
        assert!(m.thresholds.is_empty() && m.projects.is_empty() && m.value.is_none());
        assert_eq!(leading_number("99.1% of sessions"), Some("99.1%".into()));
        assert_eq!(leading_number("High error rate"), None);
    }
}
