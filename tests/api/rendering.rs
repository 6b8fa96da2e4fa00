//! Rendering against real captured payloads, golden files for our examples, and hostile text.

use crate::helpers::*;
use sentry_dingtalk::cli::replay;
use sentry_dingtalk::payload::{LinkBase, Parsed};
use sentry_dingtalk::{
    Alert, Envelope, Lang, MAX_BODY_BYTES, Mentions, Message, Renderer, escape, interpret,
};
use serde_json::json;

fn base() -> LinkBase {
    LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: Some("acme".into()),
        learned_org: None,
    }
}

fn alerts_in(dir: &std::path::Path) -> Vec<(String, Alert)> {
    let samples = replay::load(&[dir.to_path_buf()]).expect("payloads load");
    samples
        .iter()
        .filter_map(|s| {
            let name = s.path.file_name()?.to_string_lossy().to_string();
            match interpret(&s.value, None, None, &base()).1 {
                Parsed::Alert(a) => Some((name, *a)),
                _ => None,
            }
        })
        .collect()
}

fn envelope() -> Envelope {
    Envelope {
        at: Mentions::default(),
        keyword: None,
        msg_uuid: "00000000-0000-4000-8000-000000000000".into(),
        buttons: Vec::new(),
    }
}

#[test]
#[ignore = "needs ../shared (the shared fixtures)"]
fn every_shared_fixture_renders_with_its_title_and_link() {
    let fixtures = shared_fixtures();
    let renderer = Renderer::load(None, Lang::Zh).expect("templates");
    let alerts = alerts_in(&fixtures);
    assert!(
        alerts.len() >= 12,
        "only {} fixtures became alerts",
        alerts.len()
    );
    for (name, alert) in alerts {
        let msg = renderer.render_alert(&alert, &envelope()).expect(&name);
        let text = &msg.markdown.text;
        let title = alert.title.clone();
        if !title.is_empty() {
            assert!(
                text.contains(&escape::markdown(&title)),
                "{name}: title {title:?} missing in\n{text}"
            );
        }
        let link = alert
            .link
            .clone()
            .unwrap_or_else(|| panic!("{name}: no link"));
        assert!(
            text.contains(&format!("]({link})")),
            "{name}: link {link} missing in\n{text}"
        );
        assert!(msg.to_json().len() < MAX_BODY_BYTES);
    }
}

/// `UPDATE_GOLDEN=1 cargo nextest run golden` rewrites tests/golden after a deliberate change.
#[test]
fn examples_match_their_golden_markdown() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for lang in [Lang::Zh, Lang::En] {
        let renderer = Renderer::load(None, lang).expect("templates");
        for (name, alert) in alerts_in(&repo_path("examples/payloads")) {
            let msg = renderer.render_alert(&alert, &envelope()).expect(&name);
            let got = format!("{}\n\n{}\n", msg.markdown.title, msg.markdown.text);
            let file = repo_path(
                &format!(
                    "tests/golden/{lang:?}/{}.md",
                    name.trim_end_matches(".json")
                )
                .to_lowercase(),
            );
            if update {
                std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
                std::fs::write(&file, &got).expect("write golden");
                continue;
            }
            let want = std::fs::read_to_string(&file)
                .unwrap_or_else(|_| panic!("missing {}", file.display()));
            assert_eq!(
                got,
                want,
                "{} differs (UPDATE_GOLDEN=1 to accept)",
                file.display()
            );
        }
    }
}

#[test]
fn hostile_payload_text_cannot_make_links_html_headings_or_mentions() {
    let hostile = "[x](http://evil.example) <font color=red>red</font> @all @13800001111 ![i](http://evil.example/i.png)\n# heading";
    let event = json!({
        "action": "triggered",
        "data": {"event": {
            "title": hostile, "culprit": hostile, "message": hostile, "environment": hostile,
            "tags": [["evil", hostile]], "user": {"email": hostile}, "request": {"url": hostile},
            "exception": {"values": [{"type": hostile, "value": hostile,
                "stacktrace": {"frames": [{"filename": hostile, "function": hostile, "context_line": hostile}]}}]},
            "web_url": "https://sentry.io/organizations/acme/issues/1/events/2/"
        }}
    });
    let Parsed::Alert(alert) = interpret(&event, None, None, &base()).1 else {
        panic!("alert")
    };
    for lang in [Lang::Zh, Lang::En] {
        let renderer = Renderer::load(None, lang).expect("templates");
        let single = renderer.render_alert(&alert, &envelope()).expect("render");
        let (digest, n) = renderer
            .render_batch(&[(*alert).clone(), (*alert).clone()], &envelope())
            .expect("digest");
        assert_eq!(n, 2);
        for msg in [single, digest] {
            let text = &msg.markdown.text;
            assert!(!text.contains("](http://evil"), "live link in\n{text}");
            assert!(
                !text.contains("![") && !text.contains("<font"),
                "image or HTML in\n{text}"
            );
            assert!(
                !text.contains("@all") && !text.contains("@1380"),
                "mention in\n{text}"
            );
            for line in text.lines().skip(1) {
                assert!(!line.trim_start().starts_with('#'), "heading line {line:?}");
            }
            // The only live links are the ones the relay built, as a markdown parser sees it.
            let links: Vec<String> = pulldown_cmark::Parser::new(text)
                .filter_map(|e| match e {
                    pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link {
                        dest_url, ..
                    }) => Some(dest_url.to_string()),
                    _ => None,
                })
                .collect();
            assert!(
                !links.is_empty() && links.iter().all(|l| l.starts_with("https://sentry.io/")),
                "links {links:?} in\n{text}"
            );
        }
    }
}

#[test]
fn oversized_alerts_are_trimmed_under_the_limit_and_keep_their_link() {
    let renderer = Renderer::load(None, Lang::Zh).expect("templates");
    let frames: Vec<_> = (0..200)
        .map(|i| json!({"filename": format!("file_{i}.py"), "lineno": i, "function": "f", "context_line": "中".repeat(400), "in_app": true}))
        .collect();
    let event = json!({"action": "triggered", "data": {"event": {
        "title": "Huge", "message": "长".repeat(30_000),
        "exception": {"values": [{"type": "E", "value": "值".repeat(20_000), "stacktrace": {"frames": frames}}]},
        "web_url": "https://sentry.io/organizations/acme/issues/9/events/1/"}}});
    let Parsed::Alert(alert) = interpret(&event, None, None, &base()).1 else {
        panic!("alert")
    };
    let msg: Message = renderer.render_alert(&alert, &envelope()).expect("render");
    assert!(
        msg.to_json().len() < MAX_BODY_BYTES,
        "{} bytes",
        msg.to_json().len()
    );
    assert!(
        msg.markdown
            .text
            .contains("(https://sentry.io/organizations/acme/issues/9/events/1/)")
    );
    assert!(
        msg.markdown.text.contains("file_199.py"),
        "the crashing frame survives trimming"
    );
}

/// A field no cut reached (the exception's type) with a tag just over its cut once made every
/// render try again forever — the tag, cut to 100 characters and an ellipsis, was "cut" again
/// on every pass — and hung the robot's sender for good (the alert stays queued). The type is
/// now cut at ingest and when rendering. Rendered on a thread: a loop fails the test instead
/// of hanging it.
#[test]
fn a_huge_exception_type_with_a_long_tag_renders_under_the_limit() {
    let event = json!({"action": "triggered", "data": {"event": {
        "title": "Huge type",
        "exception": {"values": [{"type": "T".repeat(19_500), "value": "v"}]},
        "tags": [["long", "x".repeat(101)]],
        "web_url": "https://sentry.io/organizations/acme/issues/9/events/1/"}}});
    let Parsed::Alert(mut alert) = interpret(&event, None, None, &base()).1 else {
        panic!("alert")
    };
    let ty = |a: &Alert| {
        a.exception
            .as_ref()
            .and_then(|e| e.ty.clone())
            .unwrap_or_default()
    };
    let cut = ty(&alert).chars().count();
    assert!(cut <= 257, "the type is cut at ingest (256 and …): {cut}");
    // As queued before that cut (or built another way): the render must still end.
    if let Some(e) = alert.exception.as_mut() {
        e.ty = Some("T".repeat(19_500));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let renderer = Renderer::load(None, Lang::Zh).expect("templates");
        let _ = tx.send(renderer.render_alert(&alert, &envelope()));
    });
    let msg = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the render ends")
        .expect("render");
    let size = msg.to_json().len();
    assert!(size < MAX_BODY_BYTES, "{size} bytes");
    assert!(
        msg.markdown.text.contains("Huge type"),
        "{}",
        msg.markdown.text
    );
}

/// A batch lists each alert on one line: a newline in a payload's title or rule does not
/// break its item in two.
#[test]
fn a_batch_line_stays_one_line_whatever_the_title_holds() {
    let renderer = Renderer::load(None, Lang::Zh).expect("templates");
    let mut first = Alert::new(sentry_dingtalk::AlertKind::EventAlert, "triggered");
    first.title = "first line\nsecond line".into();
    first.triggered_rule = Some("rule\r\nnext".into());
    let mut second = Alert::new(sentry_dingtalk::AlertKind::EventAlert, "triggered");
    second.title = "other".into();
    let (msg, n) = renderer
        .render_batch(&[first, second], &envelope())
        .expect("render");
    assert_eq!(n, 2);
    let text = &msg.markdown.text;
    let item = text
        .lines()
        .find(|l| l.starts_with("1. "))
        .expect("the first item");
    assert!(item.contains("first line second line"), "{text}");
    assert!(item.contains("rule next"), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("second line")),
        "{text}"
    );
}

#[test]
fn mentions_and_keyword_are_written_into_the_text() {
    let renderer = Renderer::load(None, Lang::En).expect("templates");
    let (_, alert) = alerts_in(&repo_path("examples/payloads"))
        .into_iter()
        .next()
        .expect("an example");
    let env = Envelope {
        at: Mentions {
            mobiles: vec!["13800001111".into()],
            user_ids: vec!["manager01".into()],
            all: false,
        },
        keyword: Some("Sentry".into()),
        msg_uuid: "u".into(),
        buttons: Vec::new(),
    };
    let msg = renderer.render_alert(&alert, &env).expect("render");
    assert!(msg.markdown.text.contains("@13800001111 @manager01"));
    assert!(msg.markdown.text.contains("Sentry"));
    assert_eq!(msg.at.mobiles, ["13800001111"]);
}

/// A storm's summaries read in their language: full-width brackets in Chinese, ASCII ones in
/// English.
#[test]
fn storm_summaries_use_the_brackets_of_their_language() {
    let event = serde_json::from_slice(&example("event_alert-triggered.json")).expect("JSON");
    let Parsed::Alert(alert) = interpret(&event, None, None, &base()).1 else {
        panic!("alert")
    };
    let now = sentry_dingtalk::now_ms();
    for lang in [Lang::Zh, Lang::En] {
        let renderer = Renderer::load(None, lang).expect("templates");
        let summaries =
            sentry_dingtalk::sample_storm(&renderer, &[*alert.clone()], now).expect("renders");
        for (summary, msg) in summaries {
            let text = &msg.markdown.text;
            // Times carry " (Asia/Shanghai)" in both languages; the asides are what differ.
            let full_width = text.contains('（') || text.contains('）');
            assert_eq!(
                full_width,
                lang == Lang::Zh,
                "{lang:?} {summary:?}:\n{text}"
            );
        }
    }
}

/// A storm over many projects, with names no Sentry makes (a payload built to break the
/// header, or a row stored before names were bounded): every summary still fits DingTalk's
/// limit, naming the ten largest projects and counting the rest.
#[test]
fn a_storm_over_many_long_project_names_still_fits() {
    let event = serde_json::from_slice(&example("event_alert-triggered.json")).expect("JSON");
    let Parsed::Alert(alert) = interpret(&event, None, None, &base()).1 else {
        panic!("alert")
    };
    let alerts: Vec<Alert> = (0..60)
        .map(|i| {
            let mut a = *alert.clone();
            a.issue_id = Some(format!("{}", 1000 + i));
            a.short_id = Some(format!("P-{i}"));
            a.project = Some(format!("project-{i:02}-{}", "x".repeat(25_000)));
            a
        })
        .collect();
    let now = sentry_dingtalk::now_ms();
    for lang in [Lang::Zh, Lang::En] {
        let renderer = Renderer::load(None, lang).expect("templates");
        let summaries = sentry_dingtalk::sample_storm(&renderer, &alerts, now).expect("renders");
        for (summary, msg) in summaries {
            let size = msg.to_json().len();
            assert!(size <= MAX_BODY_BYTES, "{lang:?} {summary:?}: {size} bytes");
            let others = if lang == Lang::Zh {
                "其他项目（50）"
            } else {
                "other projects (50)"
            };
            assert!(msg.markdown.text.contains(others), "{lang:?} {summary:?}");
            // Issue lines cut the name too, so issues are still listed.
            assert!(msg.markdown.text.contains("P-0"), "{lang:?} {summary:?}");
        }
    }
}

/// Tags the message already shows (level, environment, release, …) are not repeated; when they
/// are all there is, no empty "标签：" line is left behind.
#[test]
fn a_tags_line_only_when_a_tag_is_left_to_show() {
    let event = |tags: serde_json::Value| {
        json!({"action": "created", "data": {"error": {
            "title": "Boom", "level": "error", "environment": "prod", "tags": tags,
            "web_url": "https://sentry.io/organizations/acme/issues/1/events/x/"}}})
    };
    let renderer = Renderer::load(None, Lang::Zh).expect("templates");
    let text = |v: serde_json::Value| match interpret(&v, Some("error"), None, &base()).1 {
        Parsed::Alert(a) => {
            renderer
                .render_alert(&a, &envelope())
                .expect("renders")
                .markdown
                .text
        }
        _ => panic!("an alert"),
    };
    let shown_only = text(event(json!([["environment", "prod"], ["level", "error"]])));
    assert!(!shown_only.contains("标签"), "{shown_only}");
    let one_more = text(event(json!([
        ["level", "error"],
        ["region", "cn-hangzhou"]
    ])));
    assert!(
        one_more.contains("**标签**：region=cn-hangzhou"),
        "{one_more}"
    );
}
