//! What an open-API answer means. Errors come back as HTTP 4xx/5xx with
//! `{"code": "…", "message": "…", "requestid": "…"}`; reasons keep those three and nothing
//! from the request, so they never carry a token or a secret.

use serde_json::Value;

/// What an open-API call came to: the classes of a robot's answer, where the per-second limit,
/// 5xx and network errors are `Retryable`, the monthly quota `Throttled`, bad parameters or a
/// missing permission `Permanent`, and only this API answers `AlreadyExists`.
pub type CardOutcome = crate::dingtalk::outcome::SendOutcome;

/// One answer, before the caller decides what its body means.
#[derive(Debug)]
pub(super) enum Answer {
    /// HTTP 2xx with a JSON body.
    Ok(Value),
    /// The access token was refused: fetch a new one and try once more.
    TokenRefused(String),
    Failed(CardOutcome),
}

/// `known`: the credentials the request carried (its token, the app secret), which an echo in
/// the reason must not bring back.
pub(super) fn classify(status: u16, body: &str, known: &[&str]) -> Answer {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (code, message) = (field("code"), field("message"));
    if (200..300).contains(&status) {
        return match json {
            Some(v) => Answer::Ok(v),
            None => Answer::Failed(CardOutcome::Retryable(format!(
                "HTTP {status} with a body that is not JSON"
            ))),
        };
    }
    let reason = describe(status, [&code, &message, &field("requestid")], known);
    let lower = format!("{code} {message}").to_lowercase();
    // Rate limits are checked first: the per-second limit comes back as 403, which must not be
    // mistaken for a refused token.
    if code == "90020" || message.contains("调用量已超过限制") || lower.contains("quota") {
        return Answer::Failed(CardOutcome::Throttled(reason));
    }
    if status == 429
        || lower.contains("qpslimit")
        || lower.contains("throttl")
        || message.contains("限流")
    {
        return Answer::Failed(CardOutcome::Retryable(reason));
    }
    if status >= 500 {
        return Answer::Failed(CardOutcome::Retryable(reason));
    }
    if status == 401 || status == 403 || code == "InvalidAuthentication" {
        return Answer::TokenRefused(reason);
    }
    // The wording of "this outTrackId exists" is not documented; these are the forms seen.
    let duplicate = ["already", "duplicat", "重复", "已存在"]
        .iter()
        .any(|w| lower.contains(w));
    if lower.contains("outtrackid") && duplicate {
        return Answer::Failed(CardOutcome::AlreadyExists(reason));
    }
    Answer::Failed(CardOutcome::Permanent(reason))
}

fn describe(status: u16, [code, message, request_id]: [&str; 3], known: &[&str]) -> String {
    use crate::dingtalk::redact::{quoted, without_secrets};
    let cut = |s: &str| quoted(&without_secrets(s, known));
    let mut out = format!("HTTP {status}");
    if !code.is_empty() {
        out.push_str(&format!(" {}", cut(code)));
    }
    if !message.is_empty() {
        out.push_str(&format!(": {}", cut(message)));
    }
    if !request_id.is_empty() {
        out.push_str(&format!(" (requestid {})", cut(request_id)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(status: u16, body: &str) -> &'static str {
        match classify(status, body, &[]) {
            Answer::Ok(_) => "ok",
            Answer::TokenRefused(_) => "token",
            Answer::Failed(o) => o.label(),
        }
    }

    #[test]
    fn every_kind_of_answer_lands_in_its_class() {
        let err = |code: &str, msg: &str| {
            format!(r#"{{"code":"{code}","message":"{msg}","requestid":"r1"}}"#)
        };
        let cases: Vec<(u16, String, &str)> = vec![
            (200, r#"{"success":true,"result":true}"#.into(), "ok"),
            (200, "<html>gateway</html>".into(), "retryable"),
            (500, err("ServiceUnavailable", "系统繁忙"), "retryable"),
            (502, "<html>bad gateway</html>".into(), "retryable"),
            (429, String::new(), "retryable"),
            (
                403,
                err("Forbidden.AccessDenied.QpsLimitForApi", "qps limit"),
                "retryable",
            ),
            (
                403,
                err("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "limit"),
                "retryable",
            ),
            (
                400,
                err("90020", "您的企业本月api调用量已超过限制"),
                "throttled",
            ),
            (
                401,
                err("InvalidAuthentication", "不合法的access_token"),
                "token",
            ),
            (400, err("InvalidAuthentication", "token expired"), "token"),
            (
                403,
                err(
                    "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                    "no permission",
                ),
                "token",
            ),
            (
                400,
                err("param.outTrackIdDuplicated", "outTrackId already exists"),
                "already_exists",
            ),
            (
                400,
                err("invalidParameter", "cardTemplateId is invalid"),
                "permanent",
            ),
            (404, err("card.notFound", "card not found"), "permanent"),
            (
                400,
                err("invalidParameter", "outTrackId does not exist"),
                "permanent",
            ),
        ];
        for (status, body, want) in &cases {
            assert_eq!(label(*status, body), *want, "{status} {body}");
        }
    }

    #[test]
    fn reasons_keep_code_message_and_request_id() {
        let Answer::Failed(o) = classify(
            400,
            r#"{"code":"bad","message":"no","requestid":"r9"}"#,
            &[],
        ) else {
            panic!("not a failure");
        };
        assert_eq!(
            o,
            CardOutcome::Permanent("HTTP 400 bad: no (requestid r9)".into())
        );
    }
}
