//! DingTalk custom robots: the message body, request signing, and the client that reads errcodes.

pub mod client;
pub mod message;
pub mod outcome;
pub mod sign;

pub use client::DingTalkClient;
pub use message::{Button, Message};
pub use outcome::SendOutcome;

/// DingTalk refuses serialized bodies of 20000 bytes or more (errcode 460101).
pub const MAX_BODY_BYTES: usize = 20_000;
