//! The files in `deploy/` that watch the relay: the Grafana dashboard and the Prometheus rules
//! name only metrics the relay exports, and the rules pass `promtool`.

use crate::helpers::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Named by issue 22 for card robots' open-API quota and exported by that work (branch
/// `quota`), not by this one: until both are merged the names are taken on trust here.
const EXPORTED_ELSEWHERE: &[&str] = &[
    "sentry_dingtalk_open_api_calls",
    "sentry_dingtalk_open_api_calls_quota",
];

/// Every metric family the source registers: the names given to the constructors (the
/// registry adds the `sentry_dingtalk_` prefix), and those written out by hand (`# TYPE`).
fn registered() -> BTreeSet<String> {
    let made =
        regex_lite::Regex::new(r#"(?:counter|Opts::new|IntGauge::new|Gauge::new)\(\s*"([a-z_]+)""#)
            .expect("re");
    let typed = regex_lite::Regex::new(r"# TYPE (sentry_dingtalk_[a-z_]+)").expect("re");
    let mut names = BTreeSet::new();
    let mut dirs = vec![repo_path("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for c in made.captures_iter(&text) {
                    names.insert(format!("sentry_dingtalk_{}", &c[1]));
                }
                for c in typed.captures_iter(&text) {
                    names.insert(c[1].to_owned());
                }
            }
        }
    }
    names
}

/// The exported names, checked against a running relay's scrape so that the source parse
/// cannot silently miss a family.
async fn exported() -> BTreeSet<String> {
    let names = registered();
    let app = spawn_app().await;
    let scrape = app.metrics().await;
    let live: BTreeSet<&str> = scrape
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(live.len() >= 10, "{scrape}");
    for name in &live {
        assert!(
            names.contains(*name),
            "{name} is exported but the parse missed it"
        );
    }
    let mut all = names;
    all.extend(EXPORTED_ELSEWHERE.iter().map(|n| (*n).to_owned()));
    all
}

/// The metric names in a PromQL text; a histogram's series name its family.
fn metrics_in(expr: &str) -> Vec<String> {
    let re = regex_lite::Regex::new(r"sentry_dingtalk_[a-z_]+").expect("re");
    re.find_iter(expr)
        .map(|m| {
            let name = m.as_str();
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name)
                .to_owned()
        })
        .collect()
}

fn exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr", Value::String(e)) => out.push(e.clone()),
                    _ => exprs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_dashboard_is_json_whose_every_query_names_exported_metrics() {
    let text = std::fs::read_to_string(repo_path("deploy/grafana/sentry-dingtalk.json"))
        .expect("dashboard");
    let dashboard: Value = serde_json::from_str(&text).expect("valid JSON");
    let mut queries = Vec::new();
    exprs(&dashboard["panels"], &mut queries);
    let exported = exported().await;
    let mut used = BTreeSet::new();
    for q in &queries {
        let names = metrics_in(q);
        assert!(!names.is_empty(), "a query without a relay metric: {q}");
        for name in names {
            assert!(exported.contains(&name), "{name} (in {q}) is not exported");
            used.insert(name);
        }
    }
    // What the dashboard is for: webhooks, deliveries, waiting, latency, escalations,
    // silences, storms.
    for want in [
        "webhooks_total",
        "deliveries_total",
        "outbox_messages",
        "oldest_waiting_seconds",
        "dingtalk_request_duration_seconds",
        "escalations_total",
        "alerts_silenced_total",
        "storms_total",
    ] {
        let name = format!("sentry_dingtalk_{want}");
        assert!(used.contains(&name), "no panel shows {name}");
    }
}

#[tokio::test]
async fn the_alert_rules_name_exported_metrics() {
    let rules = std::fs::read_to_string(repo_path("deploy/prometheus/rules.yml")).expect("rules");
    let exported = exported().await;
    let names = metrics_in(&rules);
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        assert!(exported.contains(&name), "{name} is not exported");
    }
}

/// `promtool check rules` and the rules' unit tests (`deploy/prometheus/rules.test.yml`).
#[test]
#[ignore = "needs promtool"]
fn promtool_checks_and_tests_the_alert_rules() {
    let promtool = Command::new("promtool").arg("--version").output();
    needs(
        promtool.is_ok_and(|o| o.status.success()),
        "promtool (Debian's prometheus package)",
    );
    let dir = repo_path("deploy/prometheus");
    for args in [
        ["check", "rules", "rules.yml"],
        ["test", "rules", "rules.test.yml"],
    ] {
        let out = Command::new("promtool")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("promtool");
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
