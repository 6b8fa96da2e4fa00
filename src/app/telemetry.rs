//! Logging: `RUST_LOG` filter, `LOG_FORMAT=json` or pretty, to stderr so `replay --dry-run`
//! keeps stdout for the request bodies.
//!
//! Below `info`, only the relay's own events pass, whatever `RUST_LOG` says. The crates under
//! it log what they carry at debug and trace: tokio-postgres each statement's parameters (the
//! action-link key once was one), reqwest and hyper request URLs (a robot URL holds its access
//! token), rustls and h2 their frames. A list of such crates would miss the next one, and an
//! `EnvFilter` directive can be out-ranked by a more specific one in `RUST_LOG`
//! (`tokio_postgres::query=trace` beats `tokio_postgres=info`), so the cap is a second filter
//! that every event must also pass.

use crate::config::LogFormat;
use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// The relay's own targets: the library's modules and the binary's.
const OWN_TARGET: &str = "sentry_dingtalk";

/// `default` is the level when `RUST_LOG` is unset: `info` for `serve`, whose log is its
/// record; `warn` for the other commands, whose output is what they print.
pub fn init(format: LogFormat, default: &str) {
    // A `RUST_LOG` that is no filter is said once logging runs, not silently replaced.
    let (asked, refused) = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => match EnvFilter::try_new(&v) {
            Ok(f) => (f, None),
            Err(e) => (EnvFilter::new(default), Some(e.to_string())),
        },
        _ => (EnvFilter::new(default), None),
    };
    let filter = asked.and(filter_fn(may_log));
    let layer = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .boxed(),
        // Colours only on a terminal: a log redirected to a file stays plain text.
        LogFormat::Pretty => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
    if let Some(error) = refused {
        tracing::warn!(%error, "RUST_LOG is not a filter; logging at {default} instead");
    }
}

/// The last words of a command that fails (`error: configuration: …`), on stderr. With
/// `LOG_FORMAT=json` they are one JSON object like every log line: the line that explains a
/// crash loop must not be the one a JSON log pipeline drops. Read from the environment
/// itself, since the settings may be what failed.
pub fn fatal(text: &str) {
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f.trim() == "json") {
        let timestamp = chrono::DateTime::from_timestamp_millis(crate::clock::now_ms())
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            .unwrap_or_default();
        let line = serde_json::json!({
            "timestamp": timestamp,
            "level": "ERROR",
            "message": text,
            "target": OWN_TARGET,
        });
        eprintln!("{line}");
    } else {
        eprintln!("error: {text}");
    }
}

/// actix's HTTP/1 connection handler: it logs what one client connection did wrong — a
/// request line that is no HTTP, a reset, a half-sent body — as ERROR (`stream error: …`),
/// after it answered 400 or the client left. The client's fault, not the relay's: it would
/// page whoever alerts on ERROR lines each time a scanner knocks, so it is not logged.
const CONNECTION_HANDLER: &str = "actix_http::h1::dispatcher";

/// Info and above from anyone but the connection handler; debug and trace from the relay's
/// own code only.
pub fn may_log(meta: &Metadata<'_>) -> bool {
    let level_passes = *meta.level() <= Level::INFO || is_own(meta.target());
    level_passes && meta.target() != CONNECTION_HANDLER
}

fn is_own(target: &str) -> bool {
    target
        .strip_prefix(OWN_TARGET)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

#[cfg(test)]
mod tests {
    use super::is_own;

    #[test]
    fn only_the_relays_own_targets_are_its_own() {
        assert!(is_own("sentry_dingtalk"));
        assert!(is_own("sentry_dingtalk::outbox::postgres"));
        assert!(!is_own("sentry_dingtalk_plugin"));
        assert!(!is_own("tokio_postgres::query"));
        assert!(!is_own("reqwest::connect"));
    }
}
