//! One environment value each: parsed, checked, and refused with the variable's name (never
//! a secret's value); and `${VAR}` in the TOML file replaced by the variable's value.

use super::{ConfigError, MIN_TOKEN_CHARS};
use crate::secret::Secret;
use std::time::Duration;

/// A token that is the only thing between a stranger and an endpoint (`ADMIN_TOKEN`,
/// `LEGACY_WEBHOOK_TOKEN`): long enough not to be guessed.
pub(super) fn token(name: &'static str, v: Option<String>) -> Result<Option<Secret>, ConfigError> {
    match v {
        Some(t) if t.chars().count() < MIN_TOKEN_CHARS => Err(invalid(
            name,
            format!(
                "too short: use at least {MIN_TOKEN_CHARS} random characters (e.g. `openssl rand -hex 24`)"
            ),
        )),
        other => Ok(other.map(Secret::new)),
    }
}

/// Only PostgreSQL URLs; the value itself (it may hold a password) is never echoed.
pub(super) fn database_url(v: Option<String>) -> Result<Option<Secret>, ConfigError> {
    let Some(v) = v else { return Ok(None) };
    if !(v.starts_with("postgres://") || v.starts_with("postgresql://")) {
        return Err(invalid(
            "DATABASE_URL",
            "write postgres://user:password@host:5432/database (the value is not shown)",
        ));
    }
    Ok(Some(Secret::new(v)))
}

pub(super) fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}

/// The environment as `Settings::from_lookup` reads it: a value is trimmed, and an empty one
/// is unset. Each reader below takes the variable's name once, to read it and to name it in
/// the error.
pub(super) struct Env<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub(super) fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { get }
    }

    pub(super) fn var(&self, var: &str) -> Option<String> {
        (self.get)(var)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn parse_or<T: std::str::FromStr>(
        &self,
        var: &'static str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.var(var) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .map_err(|e: T::Err| invalid(var, format!("`{s}`: {e}"))),
        }
    }

    /// One of two words, each standing for its value; unset is `default`.
    pub(super) fn one_of<T: Copy>(
        &self,
        var: &'static str,
        default: T,
        words: [(&str, T); 2],
    ) -> Result<T, ConfigError> {
        let Some(v) = self.var(var) else {
            return Ok(default);
        };
        let [(first, _), (second, _)] = words;
        words
            .iter()
            .find(|(word, _)| *word == v)
            .map(|(_, value)| *value)
            .ok_or_else(|| invalid(var, format!("`{v}` is not `{first}` or `{second}`")))
    }

    /// Seconds (fractions allowed, so tests can shrink windows without changing the logic) or
    /// a duration as the file writes it (`5m`, `1h 30m`); unset is `default` seconds.
    pub(super) fn seconds(&self, var: &'static str, default: f64) -> Result<Duration, ConfigError> {
        let Some(s) = self.var(var) else {
            return Ok(Duration::from_secs_f64(default));
        };
        let read = match s.parse::<f64>() {
            Ok(secs) => Duration::try_from_secs_f64(secs).map_err(|_| {
                format!("`{s}`: must be a non-negative number of seconds or a duration")
            }),
            Err(_) => humantime::parse_duration(&s).map_err(|_| {
                format!("`{s}` is not seconds (30, 0.5) nor a duration (30s, 5m, 1h)")
            }),
        };
        read.and_then(|d| at_most_longest(d, &s))
            .map_err(|reason| invalid(var, reason))
    }
}

/// The error never repeats the URL: its query holds the robot's access token.
pub(super) fn check_robot_url(raw: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw)
        .map_err(|e| invalid("DINGTALK_WEBHOOK", format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("DINGTALK_WEBHOOK", "must be an http(s) URL"));
    }
    Ok(())
}

/// `${VAR}` → the variable's value; a missing variable is an error that names it.
pub(super) fn expand(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| "unclosed `${`".to_string())?;
        let var = &after[..end];
        let value = env(var).ok_or_else(|| format!("environment variable {var} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `TRUSTED_PROXIES`: comma-separated CIDRs or single addresses.
pub(super) fn trusted_proxies(v: Option<String>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    v.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        "TRUSTED_PROXIES",
                        format!("{s:?} is not an address or a CIDR (10.0.0.0/8)"),
                    )
                })
        })
        .collect()
}

/// A duration as written in the file (`30s`, `10m`, `1h`); `default` when absent.
pub(super) fn duration(v: Option<String>, default: Duration) -> Result<Duration, String> {
    match v {
        None => Ok(default),
        Some(s) => humantime::parse_duration(s.trim())
            .map_err(|e| format!("`{s}`: {e} (write e.g. 30s, 10m, 1h)"))
            .and_then(|d| at_most_longest(d, &s)),
    }
}

/// The longest duration any setting takes. A window, pause or step longer than a year is a
/// typo; and one of thousands of years (`999999999999h` was accepted) no longer fits the
/// milliseconds that times are kept in, so "the window ends at" would wrap into the past.
pub(super) const LONGEST: Duration = Duration::from_secs(366 * 24 * 3600);

pub(super) fn at_most_longest(d: Duration, written: &str) -> Result<Duration, String> {
    if d > LONGEST {
        return Err(format!("`{written}` is longer than a year (366d)"));
    }
    Ok(d)
}

/// `LISTEN_ADDR`: a host (a name, an IPv4 address or `[IPv6]`) and a port, checked here so a
/// typo is a configuration error (exit 2) rather than a failed bind.
pub(super) fn listen_addr(v: Option<String>) -> Result<String, ConfigError> {
    let addr = v.unwrap_or_else(|| "0.0.0.0:8080".into());
    let port = addr.rsplit_once(':').filter(|(host, _)| !host.is_empty());
    match port.map(|(_, p)| p.parse::<u16>()) {
        Some(Ok(_)) => Ok(addr),
        _ => Err(invalid(
            "LISTEN_ADDR",
            format!("{addr:?} is not a host and a port (0.0.0.0:8080, [::]:8080)"),
        )),
    }
}
