//! Who an escalation step reaches at the moment it is taken: whoever a rota puts on call
//! (its overrides included), one person, or everyone; how they are @-mentioned and named.

use crate::config::Settings;
use crate::domain::escalation::Reach;
use crate::domain::mention::Mentions;
use crate::domain::oncall::{Override, Person};

/// Who a step reaches now, and the rota that puts them there.
pub(super) struct Reached<'a> {
    pub people: Vec<&'a Person>,
    pub rota: Option<&'a str>,
}

pub(super) fn reach<'a>(
    settings: &'a Settings,
    r: &'a Reach,
    overrides: &[Override],
    now: i64,
) -> Reached<'a> {
    match r {
        Reach::Oncall(rota) => Reached {
            people: crate::oncall::people_on_call(
                settings,
                std::slice::from_ref(rota),
                overrides,
                now,
            ),
            rota: Some(rota),
        },
        Reach::Person(name) => Reached {
            people: settings.person(name).into_iter().collect(),
            rota: None,
        },
        Reach::All => Reached {
            people: Vec::new(),
            rota: None,
        },
    }
}

impl Reached<'_> {
    pub(super) fn names(&self) -> Vec<String> {
        self.people.iter().map(|p| p.shown().to_owned()).collect()
    }

    /// `张三 (on call for backend)`, `王五`, for the trace.
    pub(super) fn described(&self) -> String {
        let names = self.names().join(", ");
        let names = if names.is_empty() {
            "nobody (no person found)".to_owned()
        } else {
            names
        };
        match self.rota {
            Some(rota) => format!("{names} (on call for {rota})"),
            None => names,
        }
    }

    pub(super) fn mentions(&self, all: bool) -> Mentions {
        let mut at = Mentions {
            all,
            ..Default::default()
        };
        for p in &self.people {
            match (&p.dingtalk_user_id, &p.mobile) {
                (Some(id), _) => at.user_ids.push(id.clone()),
                (None, Some(m)) => at.mobiles.push(m.clone()),
                (None, None) => {}
            }
        }
        at
    }
}
