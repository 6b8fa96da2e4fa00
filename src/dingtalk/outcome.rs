//! What a robot's answer means, and an open-API answer too (`openapi::CardOutcome` is this type:
//! both fall into the same classes). Whether and when to try again is the outbox's business.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// Only from the open API: `createAndDeliver` for an `outTrackId` that already names a
    /// card, so an earlier try got through. The card exists; update it instead of creating it.
    AlreadyExists(String),
    /// Network errors, timeouts, HTTP 5xx, bodies that are not DingTalk JSON, errcode -1.
    Retryable(String),
    /// "send too fast": the robot is paused for its throttle window. From the open API: the
    /// organisation's monthly quota is spent.
    Throttled(String),
    /// Security check failed, token unknown, robot disabled, content blocked, …: retrying cannot help.
    Permanent(String),
}

impl fmt::Display for SendOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sent => f.write_str("sent"),
            Self::AlreadyExists(r) => write!(f, "already exists: {r}"),
            Self::Retryable(r) => write!(f, "retryable: {r}"),
            Self::Throttled(r) => write!(f, "throttled: {r}"),
            Self::Permanent(r) => write!(f, "permanent: {r}"),
        }
    }
}

impl SendOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::AlreadyExists(_) => "already_exists",
            Self::Retryable(_) => "retryable",
            Self::Throttled(_) => "throttled",
            Self::Permanent(_) => "permanent",
        }
    }
}

/// Classifies an HTTP answer. DingTalk reports most errors as HTTP 200 with `errcode != 0`,
/// so the body decides; a 200 without an errcode (or HTML) is a failure, not a success.
/// `known`: the credentials the request carried, which an echo must not bring back.
pub fn classify(status: u16, body: &str, known: &[&str]) -> SendOutcome {
    // What is said of the answer is logged and stored: never the robot's credentials.
    let body = &super::redact::without_secrets(body, known);
    let snippet = super::redact::quoted(body);
    if status >= 500 || status == 429 {
        return SendOutcome::Retryable(format!("HTTP {status}: {snippet}"));
    }
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let errcode = json
        .as_ref()
        .and_then(|j| j.get("errcode"))
        .and_then(serde_json::Value::as_i64);
    let errmsg = json
        .as_ref()
        .and_then(|j| j.get("errmsg"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(code) = errcode else {
        if errmsg.contains("too fast") || body.contains("send too fast") {
            return SendOutcome::Throttled(format!("HTTP {status}: {snippet}"));
        }
        return SendOutcome::Retryable(format!("HTTP {status} without errcode: {snippet}"));
    };
    let reason = format!("errcode {code}: {}", super::redact::quoted(&errmsg));
    let lower = errmsg.to_lowercase();
    match code {
        0 if status == 200 => SendOutcome::Sent,
        0 => SendOutcome::Retryable(format!("HTTP {status} with errcode 0")),
        130101 | 410100 => SendOutcome::Throttled(reason),
        _ if lower.contains("too fast") || errmsg.contains("限流") => {
            SendOutcome::Throttled(reason)
        }
        -1 => SendOutcome::Retryable(reason),
        _ if status >= 400 && !(400..500).contains(&status) => SendOutcome::Retryable(reason),
        _ => SendOutcome::Permanent(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_page_is_kept_on_one_line() {
        let page = "<html>\n<h1>502</h1>\r\nWARN forged=line\n</html>";
        let SendOutcome::Retryable(said) = classify(502, page, &[]) else {
            panic!("a 502 is retryable")
        };
        assert!(!said.chars().any(char::is_control), "{said:?}");
    }

    #[test]
    fn every_documented_answer_lands_in_its_class() {
        use SendOutcome::*;
        let cases: &[(u16, &str, &str)] = &[
            (200, r#"{"errcode":0,"errmsg":"ok"}"#, "sent"),
            (
                200,
                r#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#,
                "throttled",
            ),
            (
                200,
                r#"{"errcode":410100,"errmsg":"发送速度太快而限流"}"#,
                "throttled",
            ),
            (
                200,
                r#"{"status":1111,"wait":5,"errmsg":"send too fast"}"#,
                "throttled",
            ),
            (200, r#"{"errcode":-1,"errmsg":"系统繁忙"}"#, "retryable"),
            (500, r#"{"errcode":-1}"#, "retryable"),
            (502, "<html>bad gateway</html>", "retryable"),
            (200, "<html>oops</html>", "retryable"),
            (200, r#"{"ok":true}"#, "retryable"),
            (
                200,
                r#"{"errcode":310000,"errmsg":"sign not match"}"#,
                "permanent",
            ),
            (
                200,
                r#"{"errcode":310000,"errmsg":"keywords not in content"}"#,
                "permanent",
            ),
            (
                200,
                r#"{"errcode":300001,"errmsg":"token is not exist"}"#,
                "permanent",
            ),
            (
                200,
                r#"{"errcode":400102,"errmsg":"机器人已停用"}"#,
                "permanent",
            ),
            (
                200,
                r#"{"errcode":430101,"errmsg":"含有不安全的外链"}"#,
                "permanent",
            ),
            (
                200,
                r#"{"errcode":460101,"errmsg":"message too long"}"#,
                "permanent",
            ),
        ];
        for (status, body, want) in cases {
            let got = classify(*status, body, &[]);
            assert_eq!(got.label(), *want, "{status} {body} → {got}");
        }
        assert_eq!(classify(200, r#"{"errcode":0}"#, &[]), Sent);
    }
}
