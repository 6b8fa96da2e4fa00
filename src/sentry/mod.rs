//! Everything that speaks Sentry: the webhook signature and the payload shapes.

pub mod alert_rule_action;
pub mod api;
pub mod api_auth;
pub mod api_event;
mod bounds;
pub mod breadcrumbs;
pub mod event;
pub mod installation;
pub mod integration_schema;
pub mod json;
pub mod metric;
pub mod payload;
pub mod samples;
pub mod shape;
pub mod signature;
pub mod stack;
pub mod time;

pub const HEADER_RESOURCE: &str = "Sentry-Hook-Resource";
pub const HEADER_SIGNATURE: &str = "Sentry-Hook-Signature";
pub const HEADER_TIMESTAMP: &str = "Sentry-Hook-Timestamp";
pub const HEADER_REQUEST_ID: &str = "Request-ID";
/// UI-component requests (select options, rule saved) are signed under this name instead.
pub const HEADER_APP_SIGNATURE: &str = "Sentry-App-Signature";
