//! Reading one field of a Sentry JSON body, whatever type it came as.

use serde_json::Value;

/// A string at `path`, accepting numbers and booleans too; `null` and `""` count as absent.
pub fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        // Outer blanks carry no meaning in Sentry's fields and would loosen the markup around.
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn first_text(v: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| text(v, p))
}
