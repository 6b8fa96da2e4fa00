//! What the fake open API requires of a DING (`POST /v1.0/robot/ding/send`), from the
//! documented shape: the app robot's `robotCode`, `remindType` 1 (app), 2 (SMS) or 3 (call),
//! a non-empty `receiverUserIdList` of user ids (at most 20), and a non-empty `content`.

use super::{ROBOT_CODE, Reply, State, error};
use serde_json::{Value, json};

/// A DING the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct SentDing {
    pub remind_type: i64,
    pub user_ids: Vec<String>,
    pub content: String,
    /// The access token it carried.
    pub token: String,
}

pub(super) fn check_ding(st: &mut State, v: &Value, token: &str) -> Result<Value, Reply> {
    if let Some(refusal) = st.refuse_dings.clone() {
        return Err(refusal);
    }
    if v.get("robotCode").and_then(Value::as_str) != Some(ROBOT_CODE) {
        return Err(error(400, "invalidParameter.robotCode", "robotCode 不存在"));
    }
    let remind_type = v
        .get("remindType")
        .and_then(Value::as_i64)
        .filter(|t| (1..=3).contains(t))
        .ok_or_else(|| {
            error(
                400,
                "invalidParameter.remindType",
                "remindType must be 1, 2 or 3",
            )
        })?;
    let users: Vec<String> = v
        .get("receiverUserIdList")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let listed = v
        .get("receiverUserIdList")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if users.is_empty() || users.len() != listed || users.len() > 20 {
        return Err(error(
            400,
            "invalidParameter.receiverUserIdList",
            "receiverUserIdList must hold 1 to 20 user ids",
        ));
    }
    let content = v
        .get("content")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| error(400, "invalidParameter.content", "content is required"))?;
    st.dings.push(SentDing {
        remind_type,
        user_ids: users,
        content: content.to_owned(),
        token: token.to_owned(),
    });
    Ok(json!({"openDingId": format!("fake-ding-{}", st.dings.len())}))
}
