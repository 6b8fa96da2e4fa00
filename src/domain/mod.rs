//! The relay's own vocabulary: what an alert is, who it mentions, in which language. Nothing
//! here knows configuration files, storage, HTTP or tokio.

pub mod alert;
pub mod card_status;
pub mod escalation;
pub mod field_error;
pub mod lang;
pub mod mention;
pub mod mute_window;
pub mod oncall;
pub mod quota;
pub mod rule_choice;
pub mod silence;
pub mod storm;
pub mod tally;
pub mod until;
