//! What the fake open API requires of a card request, from the documented shapes.

use super::{Card, MAX_VALUE_BYTES, ROBOT_CODE, Reply, State, error};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `cardData.cardParamMap`: an object whose values are all strings of at most about 1 KB.
fn param_map(v: &Value) -> Result<BTreeMap<String, String>, Reply> {
    let map: &Map<String, Value> = v
        .pointer("/cardData/cardParamMap")
        .and_then(Value::as_object)
        .ok_or_else(|| error(400, "MissingcardData", "cardData.cardParamMap is required"))?;
    let mut out = BTreeMap::new();
    for (k, val) in map {
        let Some(s) = val.as_str() else {
            return Err(error(
                400,
                "invalidParameter",
                &format!("cardParamMap.{k} must be a string"),
            ));
        };
        if s.len() > MAX_VALUE_BYTES {
            return Err(error(
                400,
                "invalidParameter",
                &format!("cardParamMap.{k} is too long"),
            ));
        }
        out.insert(k.clone(), s.to_string());
    }
    Ok(out)
}

pub(super) fn check_create(st: &mut State, v: &Value) -> Result<Value, Reply> {
    let missing = |f: &str| error(400, &format!("Missing{f}"), &format!("{f} is required"));
    let out_track_id = text(v, "/outTrackId").ok_or_else(|| missing("outTrackId"))?;
    let template_id = text(v, "/cardTemplateId").ok_or_else(|| missing("cardTemplateId"))?;
    let space = text(v, "/openSpaceId").ok_or_else(|| missing("openSpaceId"))?;
    let conversation = space
        .strip_prefix("dtv1.card//IM_GROUP.")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            error(
                400,
                "invalidParameter",
                "openSpaceId is not an IM_GROUP space",
            )
        })?;
    if !v.get("imGroupOpenSpaceModel").is_some_and(Value::is_object) {
        return Err(missing("imGroupOpenSpaceModel"));
    }
    let robot =
        text(v, "/imGroupOpenDeliverModel/robotCode").ok_or_else(|| missing("robotCode"))?;
    if robot != ROBOT_CODE {
        return Err(error(400, "invalidParameter.robotCode", "robot not found"));
    }
    match v.get("callbackType").and_then(Value::as_str) {
        None | Some("STREAM") => {}
        Some("HTTP") if text(v, "/callbackRouteKey").is_some() => {}
        Some(_) => {
            return Err(error(
                400,
                "invalidParameter",
                "bad callbackType or callbackRouteKey",
            ));
        }
    }
    let params = param_map(v)?;
    // A map of userId → name, both strings; anything else is refused as the real API does.
    let at_user_ids = match v.pointer("/imGroupOpenDeliverModel/atUserIds") {
        None => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| v.as_str().map(|name| (k.clone(), name.to_string())))
            .collect::<Option<BTreeMap<_, _>>>()
            .filter(|m| m.keys().all(|k| !k.is_empty()))
            .ok_or_else(|| error(400, "invalidParameter", "atUserIds must map userId to name"))?,
        Some(_) => {
            return Err(error(
                400,
                "invalidParameter",
                "atUserIds must be an object",
            ));
        }
    };
    if st.cards.contains_key(out_track_id) {
        return Err(error(
            400,
            "param.outTrackIdDuplicated",
            "outTrackId already exists",
        ));
    }
    st.cards.insert(
        out_track_id.to_string(),
        Card {
            template_id: template_id.to_string(),
            open_space_id: space.to_string(),
            robot_code: robot.to_string(),
            params,
            at_user_ids,
            updates: 0,
        },
    );
    let result = json!({"outTrackId": out_track_id, "deliverResults": [
        {"spaceType": "IM_GROUP", "spaceId": conversation, "success": true, "carrierId": "fake-carrier"}
    ]});
    Ok(json!({"success": true, "result": result}))
}

pub(super) fn check_update(st: &mut State, v: &Value) -> Result<Value, Reply> {
    let out_track_id = text(v, "/outTrackId")
        .ok_or_else(|| error(400, "MissingoutTrackId", "outTrackId is required"))?;
    if v.pointer("/cardUpdateOptions/updateCardDataByKey") != Some(&Value::Bool(true)) {
        return Err(error(
            400,
            "invalidParameter",
            "this fake takes updateCardDataByKey: true only",
        ));
    }
    let params = param_map(v)?;
    let card = st
        .cards
        .get_mut(out_track_id)
        .ok_or_else(|| error(400, "invalidParameter.card.notFound", "card not found"))?;
    card.params.extend(params);
    card.updates += 1;
    Ok(json!({"success": true, "result": true}))
}
