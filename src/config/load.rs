//! Settings from the environment (and `.env`), and the configuration file they name.

use super::env_values::{
    Env, check_robot_url, database_url, invalid, listen_addr, token, trusted_proxies,
};
use super::{
    ConfigError, DEFAULT_CONFIG_FILE, DEFAULT_ROBOT, LogFormat, RetryConfig, RobotConfig, Settings,
    file,
};
use crate::domain::lang::Lang;
use crate::routing::Unmatched;
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

impl Settings {
    /// Reads the process environment, after loading `.env` when one is present.
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv()?;
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The environment is passed in so tests never mutate the process's own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(&get);
        let client_secrets = env
            .var("SENTRY_CLIENT_SECRET")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(Secret::new)
                    .collect()
            })
            .unwrap_or_default();
        let webhook = env.var("DINGTALK_WEBHOOK").map(Secret::new);
        if let Some(url) = &webhook {
            check_robot_url(url.expose())?;
        }
        let robot = RobotConfig {
            name: DEFAULT_ROBOT.to_string(),
            description: None,
            webhook,
            card: None,
            secret: env.var("DINGTALK_SECRET").map(Secret::new),
            keyword: env.var("DINGTALK_KEYWORD"),
            rate_per_minute: env.parse_or("DINGTALK_RATE_PER_MINUTE", 18)?,
            group_window: env.seconds("DINGTALK_GROUP_WINDOW", 30.0)?,
            throttle_pause: env.seconds("DINGTALK_THROTTLE_PAUSE", 600.0)?,
            storm: Default::default(),
        };
        if robot.rate_per_minute == 0 {
            return Err(invalid("DINGTALK_RATE_PER_MINUTE", "must be at least 1"));
        }
        let lang = env.one_of("ALERT_LANG", Lang::Zh, [("zh", Lang::Zh), ("en", Lang::En)])?;
        let timezone = match env.var("ALERT_TIMEZONE") {
            None => None,
            Some(name) => Some(name.parse::<chrono_tz::Tz>().map_err(|_| {
                invalid(
                    "ALERT_TIMEZONE",
                    format!("`{name}` is not an IANA time zone such as Asia/Shanghai or UTC"),
                )
            })?),
        };
        let log_words = [("json", LogFormat::Json), ("pretty", LogFormat::Pretty)];
        let log_format = env.one_of("LOG_FORMAT", LogFormat::Pretty, log_words)?;
        let dingtalk_api_url = env
            .var("DINGTALK_API_URL")
            .unwrap_or_else(|| crate::dingtalk::openapi::DEFAULT_API_URL.into());
        match url::Url::parse(&dingtalk_api_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => return Err(invalid("DINGTALK_API_URL", "must be an http(s) URL")),
        }
        let sentry_url = env
            .var("SENTRY_URL")
            .unwrap_or_else(|| "https://sentry.io".into());
        url::Url::parse(&sentry_url).map_err(|e| invalid("SENTRY_URL", e.to_string()))?;
        let config_file = match env.var("CONFIG_FILE") {
            Some(p) => Some(PathBuf::from(p)),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let body_limit = env.parse_or("BODY_LIMIT_BYTES", 4 * 1024 * 1024)?;
        let inflight_body_limit = env.parse_or("INFLIGHT_BODY_LIMIT_BYTES", 64 * 1024 * 1024)?;
        if inflight_body_limit < body_limit {
            return Err(invalid(
                "INFLIGHT_BODY_LIMIT_BYTES",
                format!("must be at least BODY_LIMIT_BYTES ({body_limit})"),
            ));
        }
        let body_read_timeout = env.seconds("BODY_READ_TIMEOUT", 10.0)?;
        if body_read_timeout.is_zero() {
            return Err(invalid("BODY_READ_TIMEOUT", "must be more than 0 seconds"));
        }
        let env_robot = robot.clone();
        let zone = timezone.unwrap_or(crate::render::time::default_zone(lang));
        let file = match &config_file {
            None => file::FileSettings {
                robots: vec![robot],
                routes: Vec::new(),
                unmatched: Unmatched::Default,
                digest_schedule: None,
                mute_times: Vec::new(),
                team: Default::default(),
            },
            Some(path) => with_file(robot, path, &get, zone)?,
        };
        let file::FileSettings {
            robots,
            routes,
            unmatched,
            digest_schedule,
            mute_times,
            team,
        } = file;
        Ok(Self {
            client_secrets,
            robots,
            routes,
            unmatched,
            config_file,
            admin_token: token("ADMIN_TOKEN", env.var("ADMIN_TOKEN"))?,
            env_robot,
            dingtalk_api_url: dingtalk_api_url.trim_end_matches('/').to_string(),
            digest_schedule,
            mute_times,
            team,
            listen_addr: listen_addr(env.var("LISTEN_ADDR"))?,
            data_dir: PathBuf::from(env.var("DATA_DIR").unwrap_or_else(|| "./data".into())),
            database_url: database_url(env.var("DATABASE_URL"))?,
            templates_dir: env.var("TEMPLATES_DIR").map(PathBuf::from),
            lang,
            timezone,
            sentry_url: sentry_url.trim_end_matches('/').to_string(),
            sentry_org: env.var("SENTRY_ORG"),
            legacy_token: token("LEGACY_WEBHOOK_TOKEN", env.var("LEGACY_WEBHOOK_TOKEN"))?,
            sentry_api_token: env.var("SENTRY_API_TOKEN").map(Secret::new),
            sentry_api_key: env.var("SENTRY_API_KEY").map(Secret::new),
            public_url: match env.var("PUBLIC_URL") {
                None => None,
                Some(u) => {
                    url::Url::parse(&u).map_err(|e| invalid("PUBLIC_URL", e.to_string()))?;
                    Some(u.trim_end_matches('/').to_string())
                }
            },
            body_limit,
            body_read_timeout,
            inflight_body_limit,
            trusted_proxies: trusted_proxies(env.var("TRUSTED_PROXIES"))?,
            shutdown_timeout: env.seconds("SHUTDOWN_TIMEOUT", 10.0)?,
            request_timeout: Duration::from_secs(10),
            retry: RetryConfig::default(),
            log_format,
        })
    }

    /// The same settings with the config file read again (what a reload changes).
    pub fn reloaded(&self) -> Result<Self, ConfigError> {
        let mut next = self.clone();
        if let Some(path) = &self.config_file {
            let file = with_file(
                self.env_robot.clone(),
                path,
                &|k| std::env::var(k).ok(),
                self.alert_zone(),
            )?;
            next.robots = file.robots;
            next.routes = file.routes;
            next.unmatched = file.unmatched;
            next.digest_schedule = file.digest_schedule;
            next.mute_times = file.mute_times;
            next.team = file.team;
        }
        Ok(next)
    }
}

/// Robots and routes from the TOML file, next to the environment's `default` robot.
fn with_file(
    env_robot: RobotConfig,
    path: &std::path::Path,
    get: &dyn Fn(&str) -> Option<String>,
    default_zone: chrono_tz::Tz,
) -> Result<file::FileSettings, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let parsed = file::parse(&text, &shown, get, &env_robot, default_zone)?;
    let err = |reason: String| ConfigError::File {
        path: shown.clone(),
        reason,
    };
    let mut robots = parsed.robots;
    match robots.iter().position(|r| r.name == DEFAULT_ROBOT) {
        Some(_) if env_robot.webhook.is_some() => {
            return Err(err(
                "robot `default` is defined both here and by DINGTALK_WEBHOOK".into(),
            ));
        }
        Some(_) => {}
        None => robots.insert(0, env_robot),
    }
    for route in &parsed.routes {
        for name in &route.robots {
            if !robots.iter().any(|r| &r.name == name) {
                return Err(err(format!(
                    "route {}: robot `{name}` is not defined",
                    route.name
                )));
            }
        }
    }
    Ok(file::FileSettings { robots, ..parsed })
}

/// Loads `.env` when there is one. A line that cannot be read stops the start (exit 2): the
/// loader had dropped it and every line after it without a word. The line itself is never
/// shown: it may well hold a secret.
fn load_dotenv() -> Result<(), ConfigError> {
    let reason = match dotenvy::dotenv() {
        Ok(_) => return Ok(()),
        Err(e) if e.not_found() => return Ok(()),
        Err(dotenvy::Error::LineParse(_, at)) => format!(
            "a line cannot be read (at its character {at}); it and the lines after it were not \
             loaded. Each line is NAME=value, a value with spaces in quotes"
        ),
        Err(dotenvy::Error::Io(e)) => format!("cannot read it: {e}"),
        Err(_) => "a value in it is not UTF-8".to_owned(),
    };
    Err(ConfigError::File {
        path: ".env".to_owned(),
        reason,
    })
}
