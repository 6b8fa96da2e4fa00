//! DingTalk: custom robots (message body, request signing, the client that reads errcodes) and
//! an enterprise app's robot (open API client for interactive cards, card button callbacks).

pub mod card_callback;
pub mod client;
pub mod message;
pub mod openapi;
pub mod outcome;
mod redact;
pub mod sign;

pub use client::DingTalkClient;
pub use message::{Button, Message};
pub use outcome::SendOutcome;

/// DingTalk refuses serialized bodies of 20000 bytes or more (errcode 460101).
pub const MAX_BODY_BYTES: usize = 20_000;
