//! Verify + parse + render, per built-in sample payload: the work a webhook costs before and
//! after the outbox (signature and parse in the handler, render in the worker).
//! Run: cargo bench --bench pipeline

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sentry_dingtalk::payload::{self, LinkBase, Parsed};
use sentry_dingtalk::{Envelope, Lang, Renderer, SAMPLES, Secret, interpret, signature};

fn pipeline(c: &mut Criterion) {
    let renderer = Renderer::load(None, Lang::Zh).expect("templates");
    let secrets = [Secret::new("bench-client-secret")];
    let base = LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: Some("acme".into()),
        learned_org: None,
    };
    let env = Envelope {
        msg_uuid: "bench".into(),
        ..Default::default()
    };
    let mut group = c.benchmark_group("verify_parse_render");
    for (name, body) in SAMPLES {
        let bytes = body.as_bytes().to_vec();
        let sig = signature::sign(&bytes, &secrets[0]);
        group.bench_function(name.trim_end_matches(".json"), |b| {
            b.iter(|| {
                assert!(signature::verify(black_box(&bytes), &sig, &secrets));
                let value = payload::parse_json(&bytes).expect("json");
                if let (_, Parsed::Alert(alert)) = interpret(&value, None, None, &base) {
                    black_box(
                        renderer
                            .render_alert(&alert, &env)
                            .expect("render")
                            .to_json(),
                    );
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = pipeline
}
criterion_main!(benches);
