//! Interactive cards in a group: create and deliver one, then update it in place by its
//! `outTrackId`. A given `outTrackId` names one card for good, so a retried create can never
//! post a second card: DingTalk refuses it, and the caller updates instead.

use super::answer::CardOutcome;
use super::{AppCredentials, CallTally, OpenApiClient};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `cardParamMap`: the template's variables. The open API takes strings only, so that is all
/// this can hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardParams(BTreeMap<String, String>);

impl CardParams {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<BTreeMap<String, String>> for CardParams {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

/// A card to create in a group.
#[derive(Debug, Clone)]
pub struct NewCard {
    /// Stable per card (e.g. per robot and Sentry issue): what later updates name.
    pub out_track_id: String,
    pub card_template_id: String,
    /// The group (`cid…==`).
    pub open_conversation_id: String,
    /// The app robot that posts it (usually the AppKey).
    pub robot_code: String,
    pub params: CardParams,
    /// The `callbackRouteKey` registered for this app's card callbacks: button clicks are
    /// POSTed to its URL. `None`: the card's buttons call nothing back.
    pub callback_route_key: Option<String>,
    /// userId → name, @-mentioned when the card is delivered.
    pub at_user_ids: BTreeMap<String, String>,
}

/// The card space of a group chat.
pub fn open_space_id(open_conversation_id: &str) -> String {
    format!("dtv1.card//IM_GROUP.{open_conversation_id}")
}

impl NewCard {
    fn body(&self) -> Value {
        let mut deliver = json!({"robotCode": self.robot_code});
        if !self.at_user_ids.is_empty() {
            deliver["atUserIds"] = json!(self.at_user_ids);
        }
        let mut body = json!({
            "cardTemplateId": self.card_template_id,
            "outTrackId": self.out_track_id,
            "cardData": {"cardParamMap": self.params},
            "openSpaceId": open_space_id(&self.open_conversation_id),
            "imGroupOpenSpaceModel": {"supportForward": true},
            "imGroupOpenDeliverModel": deliver,
            "userIdType": 1,
        });
        if let Some(key) = &self.callback_route_key {
            body["callbackType"] = json!("HTTP");
            body["callbackRouteKey"] = json!(key);
        }
        body
    }
}

fn update_body(out_track_id: &str, params: &CardParams) -> Value {
    json!({
        "outTrackId": out_track_id,
        "cardData": {"cardParamMap": params},
        "cardUpdateOptions": {"updateCardDataByKey": true},
    })
}

impl OpenApiClient {
    /// `POST /v1.0/card/instances/createAndDeliver`. `AlreadyExists` when the `outTrackId`
    /// names a card already (an earlier try went through although its answer was lost).
    pub async fn create_and_deliver(
        &self,
        app: &AppCredentials,
        tally: &CallTally,
        card: &NewCard,
    ) -> CardOutcome {
        let path = "/v1.0/card/instances/createAndDeliver";
        let answer = match self
            .call(app, tally, reqwest::Method::POST, path, &card.body())
            .await
        {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        if answer.get("success").and_then(Value::as_bool) == Some(false) {
            return CardOutcome::Permanent("createAndDeliver answered success: false".into());
        }
        // Created, but the group did not get it: typically the robot is not in the group.
        let results = answer
            .pointer("/result/deliverResults")
            .and_then(Value::as_array);
        for r in results.into_iter().flatten() {
            if r.get("success").and_then(Value::as_bool) == Some(false) {
                let why = r
                    .get("errorMsg")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                let why: String = why.chars().take(200).collect();
                return CardOutcome::Permanent(format!(
                    "card created but not delivered to the group (is the app's robot in it?): {why}"
                ));
            }
        }
        CardOutcome::Sent
    }

    /// `PUT /v1.0/card/instances`: only the keys in `params` change, for everyone in the group.
    pub async fn update(
        &self,
        app: &AppCredentials,
        tally: &CallTally,
        out_track_id: &str,
        params: &CardParams,
    ) -> CardOutcome {
        let body = update_body(out_track_id, params);
        match self
            .call(
                app,
                tally,
                reqwest::Method::PUT,
                "/v1.0/card/instances",
                &body,
            )
            .await
        {
            Ok(v) if v.get("success").and_then(Value::as_bool) == Some(false) => {
                CardOutcome::Permanent("card update answered success: false".into())
            }
            Ok(_) => CardOutcome::Sent,
            Err(outcome) => outcome,
        }
    }

    /// Creates the card, or, when it exists already, updates it with the same variables: the
    /// group ends up with exactly one card showing `card.params`. Never `AlreadyExists`.
    pub async fn create_or_update(
        &self,
        app: &AppCredentials,
        tally: &CallTally,
        card: &NewCard,
    ) -> CardOutcome {
        match self.create_and_deliver(app, tally, card).await {
            CardOutcome::AlreadyExists(_) => {
                self.update(app, tally, &card.out_track_id, &card.params)
                    .await
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_documented_shape() {
        let mut params = CardParams::new();
        params.insert("count", "3");
        let card = NewCard {
            out_track_id: "t1".into(),
            card_template_id: "tpl.schema".into(),
            open_conversation_id: "cid1==".into(),
            robot_code: "dingabc".into(),
            params: params.clone(),
            callback_route_key: Some("route".into()),
            at_user_ids: BTreeMap::new(),
        };
        let body = card.body();
        assert_eq!(body["openSpaceId"], "dtv1.card//IM_GROUP.cid1==");
        assert_eq!(
            body["imGroupOpenDeliverModel"],
            json!({"robotCode": "dingabc"})
        );
        assert_eq!(body["cardData"]["cardParamMap"], json!({"count": "3"}));
        assert_eq!(
            (
                body["callbackType"].as_str(),
                body["callbackRouteKey"].as_str()
            ),
            (Some("HTTP"), Some("route"))
        );
        let update = update_body("t1", &params);
        assert_eq!(update["cardUpdateOptions"]["updateCardDataByKey"], true);
        assert_eq!(update["outTrackId"], "t1");
    }
}
