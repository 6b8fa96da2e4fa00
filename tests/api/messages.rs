//! What an on-call engineer needs from a message, for every platform's payload shape: the
//! crash frame, the exception chain, breadcrumbs, times in their zone, a title led by the error,
//! and a body that fits whatever the payload holds.

use crate::helpers::*;
use sentry_dingtalk::payload::{LinkBase, Parsed};
use sentry_dingtalk::{Alert, Envelope, Lang, MAX_BODY_BYTES, Renderer, interpret};
use serde_json::{Value, json};

fn acme() -> LinkBase {
    LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: Some("acme".into()),
        learned_org: None,
    }
}

fn parse(value: Value, base: &LinkBase) -> Alert {
    match interpret(&value, None, None, base).1 {
        Parsed::Alert(a) => *a,
        other => panic!("not an alert: {other:?}"),
    }
}

fn example_alert(name: &str) -> Alert {
    let value = serde_json::from_slice(&example(name)).expect("example JSON");
    parse(value, &acme())
}

fn text_of(name: &str, lang: Lang) -> String {
    let renderer = Renderer::load(None, lang).expect("templates");
    let msg = renderer
        .render_alert(&example_alert(name), &Envelope::default())
        .expect("render");
    msg.markdown.text
}

#[test]
fn each_platform_shows_its_crash_frame_chain_and_breadcrumbs() {
    let expectations: &[(&str, &[&str])] = &[
        (
            "event_alert-triggered-go.json",
            &[
                "orders/store.go:118 位于 (\\*Store).Load",
                "↳ 原因：\\*fmt.wrapError: query orders:",
                "↳ 原因：\\*net.OpError: dial tcp 10.0.3.12:5432",
                "db · 警告：pgx pool: acquire took 500ms",
            ],
        ),
        (
            "error-created-python.json",
            &[
                "orders/pricing.py:63 位于 price_for",
                "PricingError: no price for sku-77841 in price list 2025-11 (未捕获)  \n↳ 原因：KeyError: 'sku-77841'",
                "falling back to \\_\\_default\\_\\_",
            ],
        ),
        (
            "event_alert-triggered-ruby.json",
            &[
                "app/models/order.rb:131 位于 finalize!",
                "14:27:41 · sql.active_record",
            ],
        ),
        (
            "error-created-javascript-vue.json",
            &[
                "./src/components/CartSummary.vue:42 位于 total",
                "fetch · 错误：POST /api/cart/coupons → 422",
                "navigation：/product/sku-77841 → /cart?coupon=SPRING25",
            ],
        ),
        (
            "event_alert-triggered-rust-native.json",
            &[
                "src/settle.rs:214 位于 order_worker::settle::apply_refund",
                "order-worker 位于 order_worker::settle::run_batch",
                "order-worker 位于 0x55d0c1e4f0a1",
                "libc.so.6 位于 \\_\\_libc_start_main",
            ],
        ),
        (
            "error-created-java-chain.json",
            &[
                "RuntimeException: Failed to load pricing rules",
                "↳ 原因：IOException: Connection reset by peer",
                "RuleLoader.java:88 位于 load",
            ],
        ),
        (
            "legacy-plugin-sentry8.json",
            &["app/services/refunds.py:23 位于 refund"],
        ),
        (
            "legacy-plugin-sentry9.json",
            &[
                "notify/sms.py:134 位于 send",
                "requests：POST https:\u{2060}//sms-gateway.example.com/v3/batches → 429",
            ],
        ),
    ];
    for (name, wanted) in expectations {
        let text = text_of(name, Lang::Zh);
        for want in *wanted {
            assert!(text.contains(want), "{name}: {want:?} missing in\n{text}");
        }
    }
}

#[test]
fn times_are_in_the_configured_zone_to_the_second_and_name_it() {
    let alert = example_alert("event_alert-triggered-go.json");
    let zh = Renderer::load(None, Lang::Zh).expect("templates");
    let en = Renderer::load(None, Lang::En).expect("templates");
    let ny = Renderer::load(None, Lang::En)
        .expect("templates")
        .with_timezone(Some(chrono_tz::America::New_York));
    for (renderer, want) in [
        (&zh, "2025-11-20 14:24:11 (Asia/Shanghai)"),
        (&en, "2025-11-20 06:24:11 (UTC)"),
        (&ny, "2025-11-20 01:24:11 (America/New_York)"),
    ] {
        let text = renderer
            .render_alert(&alert, &Envelope::default())
            .expect("render")
            .markdown
            .text;
        assert!(text.contains(want), "{want} missing in\n{text}");
    }
    let issue = zh
        .render_alert(&example_alert("issue-created.json"), &Envelope::default())
        .expect("render")
        .markdown
        .text;
    assert!(!issue.contains(".412000Z"), "raw UTC time in\n{issue}");
}

#[test]
fn the_error_gets_most_of_the_chat_list_title() {
    let long_error = "KeyError: 'sku-77841' missing from price list 2025-11 while splitting installments for order 1432";
    let alert = parse(
        json!({"action": "triggered", "data": {"event": {
            "title": long_error, "level": "error",
            "url": "https://sentry.io/api/0/projects/acme/a-long-project-name-here-and-more/events/1/"}}}),
        &acme(),
    );
    for lang in [Lang::Zh, Lang::En] {
        let renderer = Renderer::load(None, lang).expect("templates");
        let title = renderer
            .render_alert(&alert, &Envelope::default())
            .expect("render")
            .markdown
            .title;
        assert!(title.chars().count() <= 80, "{title}");
        assert!(title.starts_with("🔴 KeyError: 'sku-77841'"), "{title}");
        let error_part = title.split(" · ").next().unwrap_or_default();
        assert!(error_part.chars().count() >= 50, "{lang:?}: {title}");
        assert!(title.contains("a-long-project"), "{title}");
    }
}

#[test]
fn a_huge_sentry_link_is_rebuilt_short_or_dropped_and_the_body_fits() {
    let issue = "https://sentry.io/organizations/acme/issues/5128840021/";
    let cases = [
        // A query-string monster: the same page without its query.
        (
            format!("{issue}events/9f2c/?q={}", "x".repeat(30_000)),
            acme(),
            Some(format!("{issue}events/9f2c/")),
        ),
        // A path too long to keep: the issue link built from the org instead.
        (
            format!("{issue}{}/", "p".repeat(30_000)),
            acme(),
            Some(issue.to_string()),
        ),
        // Nothing to build from: no link at all, the title still goes out.
        (
            format!("https://sentry.io/{}/", "p".repeat(30_000)),
            LinkBase::default(),
            None,
        ),
    ];
    for (web_url, base, want) in cases {
        let alert = parse(
            json!({"action": "triggered", "data": {"event": {"title": "Boom", "issue_id": "5128840021",
                "web_url": web_url}}}),
            &base,
        );
        assert_eq!(alert.link, want);
        for lang in [Lang::Zh, Lang::En] {
            let renderer = Renderer::load(None, lang).expect("templates");
            let msg = renderer
                .render_alert(&alert, &Envelope::default())
                .expect("render");
            assert!(
                msg.to_json().len() < MAX_BODY_BYTES,
                "{} bytes",
                msg.to_json().len()
            );
            assert!(msg.markdown.text.contains("Boom"));
        }
    }
    // An alert that already holds a huge link (queued before links were bounded) is fixed too.
    let mut queued = parse(
        json!({"action": "triggered", "data": {"event": {"title": "Boom"}}}),
        &LinkBase::default(),
    );
    queued.link = Some(format!("{issue}?q={}", "y".repeat(30_000)));
    let msg = Renderer::load(None, Lang::Zh)
        .expect("templates")
        .render_alert(&queued, &Envelope::default())
        .expect("render");
    assert!(msg.to_json().len() < MAX_BODY_BYTES);
    assert!(msg.markdown.text.contains(&format!("]({issue})")));
}

#[test]
fn metric_alerts_show_value_thresholds_window_projects_and_link_the_rule() {
    let text = text_of("metric_alert-critical-thresholds.json", Lang::Zh);
    for want in [
        "**当前值**：1342 · count() · 时间窗口 10 分钟",
        "**阈值**：严重 > 1000 ｜ 警告 > 500 ｜ 恢复 200",
        "**项目**：checkout, shop-web",
        "**开始时间**：2025-11-20 14:30:00 (Asia/Shanghai)",
        "](https://sentry.io/organizations/acme/alerts/rules/details/57/?alert=23&referrer=metric_alert)",
    ] {
        assert!(text.contains(want), "{want:?} missing in\n{text}");
    }
}

#[test]
fn an_event_without_a_level_is_an_error_and_two_rules_say_which_fired() {
    let alert = parse(
        json!({"action": "triggered", "data": {"event": {"title": "Boom"}}}),
        &acme(),
    );
    let text = Renderer::load(None, Lang::En)
        .expect("templates")
        .render_alert(&alert, &Envelope::default())
        .expect("render")
        .markdown;
    assert!(text.title.starts_with("🔴"), "{}", text.title);
    assert!(text.text.contains("**Level**: Error"), "{}", text.text);
    let a = text_of("event_alert-triggered-two-rules-a.json", Lang::En);
    let b = text_of("event_alert-triggered-two-rules-b.json", Lang::En);
    assert!(a.contains("**Rule**: High-value order failures"), "{a}");
    assert!(
        b.contains("**Rule**: Any unhandled error in payments-api"),
        "{b}"
    );
}
