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

/// How long free text kept with a silence or an override (`comment`, `created_by`) may be.
pub const TEXT_CHARS: usize = 500;

/// Free text as kept: trimmed, without NUL characters (PostgreSQL's text cannot hold one),
/// empty when not given, refused past [`TEXT_CHARS`].
pub fn free_text(field: &'static str, v: Option<String>) -> Result<String, FieldError> {
    let v = v.unwrap_or_default().replace('\0', "").trim().to_string();
    if v.chars().count() > TEXT_CHARS {
        return Err(FieldError::new(
            field,
            format!("longer than {TEXT_CHARS} characters"),
        ));
    }
    Ok(v)
}
