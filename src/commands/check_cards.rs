//! `check --online` for card robots: fetch an access token for each, so a wrong AppKey or
//! AppSecret shows up before the first alert. Neither the secret nor the token is printed.

use crate::config::Settings;
use crate::dingtalk::openapi::{CardOutcome, OpenApiClient};
use std::fmt::Write;
use std::time::Duration;

/// The report lines, and whether every card robot got a token.
pub async fn run(settings: &Settings) -> anyhow::Result<(String, bool)> {
    let mut out = String::new();
    let mut all_ok = true;
    let cards: Vec<_> = settings
        .robots
        .iter()
        .filter_map(|r| r.card.as_ref().map(|c| (r.name.as_str(), c)))
        .collect();
    if cards.is_empty() {
        return Ok((out, true));
    }
    let api = OpenApiClient::new(&settings.dingtalk_api_url, Duration::from_secs(10));
    for (name, card) in cards {
        match api.check_credentials(&card.app).await {
            Ok(lifetime) => writeln!(
                out,
                "card robot {name}: access token fetched from {} (valid {} s)",
                settings.dingtalk_api_url,
                lifetime.as_secs()
            )?,
            Err(outcome) => {
                all_ok = false;
                let why = match outcome {
                    CardOutcome::Permanent(r) => {
                        format!("{r} (check app_key and app_secret)")
                    }
                    other => format!("{other} (DINGTALK_API_URL {})", settings.dingtalk_api_url),
                };
                writeln!(out, "card robot {name}: no access token: {why}")?;
            }
        }
    }
    Ok((out, all_ok))
}
