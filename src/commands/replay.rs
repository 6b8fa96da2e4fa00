//! `replay`: render (`--dry-run`), post to a running relay (`--to`), or deliver through the
//! outbox and its rate limit.

use crate::commands::cli::ReplayArgs;
use crate::commands::output;
use crate::commands::queueing::Queueing;
use crate::config::Settings;
use crate::intake::{self, Outcome};
use crate::live::Live;
use crate::outbox::Enqueued;
use crate::render::{Envelope, Renderer};
use crate::sentry::payload::{self, LinkBase, Parsed, Shape};
use crate::sentry::shape::{inferred, interpret, wrap_event};
use crate::sentry::{
    HEADER_REQUEST_ID, HEADER_RESOURCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, signature,
};
use anyhow::{Context, bail};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// One payload file, read and parsed.
pub struct Sample {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub value: Value,
}

/// Files as given; folders expand to their `*.json`, sorted. Errors name the file.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<Vec<Sample>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("{}: cannot read folder", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("{}: cannot read file", path.display()))?;
            let value = payload::parse_json(&bytes)
                .with_context(|| format!("{}: not a JSON payload", path.display()))?;
            Ok(Sample { path, bytes, value })
        })
        .collect()
}

pub async fn run(args: ReplayArgs, settings: Settings) -> anyhow::Result<()> {
    let samples = load(&args.paths)?;
    let base = settings.link_base();
    if args.dry_run {
        return dry_run(&samples, &args, &settings, &base);
    }
    if let Some(url) = &args.to {
        return post_to_relay(&samples, &args, &settings, url).await;
    }
    deliver(&samples, &args, settings, &base).await
}

/// The sample as the relay reads it, `--resource` and `--action` applied: its resource, and
/// what it parses to.
fn read(sample: &Sample, args: &ReplayArgs, base: &LinkBase) -> (String, Parsed) {
    interpret(
        &sample.value,
        args.resource.as_deref(),
        args.action.as_deref(),
        base,
    )
}

fn dry_run(
    samples: &[Sample],
    args: &ReplayArgs,
    settings: &Settings,
    base: &LinkBase,
) -> anyhow::Result<()> {
    let renderer = Renderer::load(settings.templates_dir.as_deref(), settings.lang)?
        .with_timezone(settings.timezone);
    for sample in samples {
        let (resource, parsed) = read(sample, args, base);
        let Parsed::Alert(alert) = parsed else {
            eprintln!(
                "{}: {resource} payload is acknowledged without a message",
                sample.path.display()
            );
            continue;
        };
        for mut target in settings.route(&alert) {
            let keyword = settings
                .robot(&target.robot)
                .and_then(|r| r.keyword.clone());
            // Whoever the rotation has on call now (overrides live in the store, not read).
            let now = crate::clock::now_ms();
            let mut alert = alert.clone();
            alert.oncall =
                crate::oncall::mention_on_call(settings, &mut target.at, &target.oncall, &[], now);
            let env = Envelope {
                at: target.at,
                keyword,
                msg_uuid: uuid::Uuid::new_v4().to_string(),
                ..Default::default()
            };
            let msg = renderer
                .render_alert(&alert, &env)
                .with_context(|| format!("{}", sample.path.display()))?;
            output::line(msg.to_json())?;
        }
    }
    Ok(())
}

/// Posts every sample; one that cannot be sent or is refused is named with the reason and the
/// rest still go. Fails at the end when any was not accepted.
async fn post_to_relay(
    samples: &[Sample],
    args: &ReplayArgs,
    settings: &Settings,
    to: &str,
) -> anyhow::Result<()> {
    settings.require_client_secret()?;
    let base = url::Url::parse(to).with_context(|| format!("--to {to}: not a URL"))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut failures = 0;
    for sample in samples {
        match post_one(&client, sample, args, settings, &base).await {
            Ok((resource, status, text)) => {
                output::line(format_args!(
                    "{}: {resource} → HTTP {} {text}",
                    sample.path.display(),
                    status.as_u16()
                ))?;
                failures += usize::from(!status.is_success());
            }
            Err(e) => {
                eprintln!("{}: not sent: {e:#}", sample.path.display());
                failures += 1;
            }
        }
    }
    if failures > 0 {
        bail!("{failures} of {} payloads were not accepted", samples.len());
    }
    Ok(())
}

/// One signed POST as Sentry would make it: the resource, and the relay's status and answer.
async fn post_one(
    client: &reqwest::Client,
    sample: &Sample,
    args: &ReplayArgs,
    settings: &Settings,
    base: &url::Url,
) -> anyhow::Result<(String, reqwest::StatusCode, String)> {
    let mut resource = args
        .resource
        .clone()
        .unwrap_or_else(|| inferred(&sample.value));
    let mut value = sample.value.clone();
    let url = if resource == "legacy" {
        let token = settings
            .legacy_token
            .as_ref()
            .context("a legacy payload needs LEGACY_WEBHOOK_TOKEN for --to")?;
        endpoint(base, &format!("webhooks/sentry/legacy/{}", token.expose()))?
    } else {
        if payload::detect_shape(&value) == Shape::BareEvent {
            if args.resource.is_none() {
                resource = "error".into();
            }
            value = wrap_event(&resource, value);
        }
        endpoint(base, "webhooks/sentry")?
    };
    if let (Some(action), Some(obj)) = (&args.action, value.as_object_mut()) {
        obj.insert("action".into(), Value::String(action.clone()));
    }
    // Unchanged payloads are sent byte for byte, as Sentry would have.
    let body = if value == sample.value {
        sample.bytes.clone()
    } else {
        serde_json::to_vec(&value)?
    };
    let secret = settings
        .client_secrets
        .first()
        .context("SENTRY_CLIENT_SECRET is required for --to")?;
    let resp = client
        .post(url)
        .header("Content-Type", "application/json")
        .header(HEADER_REQUEST_ID, uuid::Uuid::new_v4().simple().to_string())
        .header(HEADER_RESOURCE, &resource)
        .header(
            HEADER_TIMESTAMP,
            (crate::clock::now_ms() / 1000).to_string(),
        )
        .header(HEADER_SIGNATURE, signature::sign(&body, secret))
        .header(
            "User-Agent",
            concat!("sentry-dingtalk-replay/", env!("CARGO_PKG_VERSION")),
        )
        .body(body)
        .send()
        .await
        .context("posting to the relay failed")?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    Ok((resource, status, text))
}

/// `base` may be the relay's root or already a full endpoint.
fn endpoint(base: &url::Url, path: &str) -> anyhow::Result<url::Url> {
    if base.path().trim_matches('/').is_empty() {
        Ok(base.join(path)?)
    } else {
        Ok(base.clone())
    }
}

/// Queue through the outbox and deliver with the same senders, budget and windows as `serve`
/// (beside a running relay on SQLite, the relay sends).
async fn deliver(
    samples: &[Sample],
    args: &ReplayArgs,
    settings: Settings,
    base: &LinkBase,
) -> anyhow::Result<()> {
    let store = Queueing::open(&settings).await?;
    let live = Live::new(settings.clone())?;
    for sample in samples {
        let (resource, parsed) = read(sample, args, base);
        let identity = intake::identity(&sample.bytes, None);
        let received = intake::Received {
            resource: resource.clone(),
            ..Default::default()
        };
        let outcome =
            intake::accept(parsed, identity, &received, &settings, store.outbox()).await?;
        let shown = match outcome {
            Outcome::Stored(Enqueued::Queued { robots }) => {
                format!("queued for {}", robots.join(", "))
            }
            Outcome::Stored(Enqueued::Duplicate) => {
                "duplicate of one queued in the last 24 h".into()
            }
            other => format!("{other:?}").to_lowercase(),
        };
        eprintln!("{}: {resource}: {shown}", sample.path.display());
    }
    store.finish(live).await
}
