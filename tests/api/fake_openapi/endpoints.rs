//! The fake's endpoints: every request logged and answered after the configured delay; card
//! and DING requests pass the gate (injected failures, a live token, the quota) before their
//! own checks.

use super::rules::{check_create, check_update};
use super::{APP_KEY, APP_SECRET, Received, Reply, Shared, State, ding, error};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Logs the request, waits the configured delay, and answers.
async fn respond(
    state: &Shared,
    req: &HttpRequest,
    token: Option<String>,
    (status, code, body): Reply,
) -> HttpResponse {
    let delay = {
        let mut st = state.lock().expect("state");
        st.log.push(Received {
            method: req.method().to_string(),
            path: req.path().to_string(),
            status,
            code,
            token,
        });
        st.delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or_default();
    HttpResponse::build(status).json(body)
}

pub(super) async fn access_token(
    req: HttpRequest,
    body: web::Bytes,
    state: Shared,
) -> HttpResponse {
    let answer = {
        let mut st = state.lock().expect("state");
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let key = v.get("appKey").and_then(Value::as_str);
        let secret = v.get("appSecret").and_then(Value::as_str);
        if st.fail_next > 0 {
            st.fail_next -= 1;
            error(500, "ServiceUnavailable", "injected failure")
        } else if (key, secret) != (Some(APP_KEY), Some(APP_SECRET)) {
            error(400, "invalidClientIdOrSecret", "无效的 appKey 或 appSecret")
        } else {
            let token = format!(
                "fake-token-{}-{}",
                st.issued.len() + 1,
                uuid::Uuid::new_v4()
            );
            // A lifetime of "for ever" (u64::MAX) is kept as ten years here.
            let until = Instant::now() + Duration::from_secs(st.lifetime_secs.min(315_360_000));
            st.tokens.insert(token.clone(), until);
            st.issued.push(token.clone());
            let body = json!({"accessToken": token, "expireIn": st.lifetime_secs});
            (200, String::new(), body)
        }
    };
    respond(&state, &req, None, answer).await
}

/// The checks every card request passes first: injected failures, then the token.
fn gate(st: &mut State, token: Option<&str>) -> Option<Reply> {
    if st.fail_next > 0 {
        st.fail_next -= 1;
        return Some(error(500, "ServiceUnavailable", "injected failure"));
    }
    let live = token
        .and_then(|t| st.tokens.get(t))
        .is_some_and(|until| Instant::now() < *until);
    if !live || st.refuse_every_token {
        return Some(error(401, "InvalidAuthentication", "不合法的access_token"));
    }
    if st.quota.is_some_and(|q| st.log.len() >= q) {
        return Some(error(400, "90020", "您的企业本月api调用量已超过限制"));
    }
    if st.throttle_next > 0 {
        st.throttle_next -= 1;
        return Some(error(
            403,
            "Forbidden.AccessDenied.QpsLimitForApi",
            "调用频率超过限制",
        ));
    }
    None
}

fn header_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("x-acs-dingtalk-access-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(super) async fn create_and_deliver(
    req: HttpRequest,
    body: web::Bytes,
    state: Shared,
) -> HttpResponse {
    card_call(req, body, state, |st, v, _| check_create(st, v)).await
}

pub(super) async fn update(req: HttpRequest, body: web::Bytes, state: Shared) -> HttpResponse {
    card_call(req, body, state, |st, v, _| check_update(st, v)).await
}

pub(super) async fn ding_send(req: HttpRequest, body: web::Bytes, state: Shared) -> HttpResponse {
    card_call(req, body, state, ding::check_ding).await
}

async fn card_call(
    req: HttpRequest,
    body: web::Bytes,
    state: Shared,
    check: fn(&mut State, &Value, &str) -> Result<Value, Reply>,
) -> HttpResponse {
    let token = header_token(&req);
    let answer = {
        let mut st = state.lock().expect("state");
        match gate(&mut st, token.as_deref()) {
            Some(refusal) => refusal,
            None => match serde_json::from_slice::<Value>(&body) {
                Err(_) => error(400, "invalidParameter", "body is not JSON"),
                Ok(v) => match check(&mut st, &v, token.as_deref().unwrap_or_default()) {
                    Ok(ok) => (200, String::new(), ok),
                    Err(refusal) => refusal,
                },
            },
        }
    };
    respond(&state, &req, token, answer).await
}
