//! What is wrong with something asked for, naming the field it is about (`duration`,
//! `matchers`, `project`, …): a silence's matchers, a silence, an on-call override. The API,
//! the commands and the console all say which field to fix.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
