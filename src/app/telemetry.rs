//! Logging: `RUST_LOG` filter, `LOG_FORMAT=json` or pretty, to stderr so `replay --dry-run`
//! keeps stdout for the request bodies.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// The HTTP client crates log request URLs at debug and trace level, and a robot URL carries
/// its access token; they are held at info whatever `RUST_LOG` says.
const QUIET_URL_LOGGERS: &[&str] = &[
    "reqwest=info",
    "hyper=info",
    "hyper_util=info",
    "h2=info",
    "rustls=info",
];

/// `default` is the level when `RUST_LOG` is unset: `info` for `serve`, whose log is its
/// record; `warn` for the other commands, whose output is what they print.
pub fn init(format: LogFormat, default: &str) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    for directive in QUIET_URL_LOGGERS {
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
