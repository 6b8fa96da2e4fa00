//! A TOML error as the operator may see it: where (line and column) and what, never the text
//! of the line. The `toml` crate's own `Display` quotes the offending line, and serde's
//! messages quote the offending value (`invalid type: string "SEC…"`), so a robot token or a
//! `SEC…` key on that line would reach `check`'s output, the `/-/reload` answer and the log.

/// `line L, column C (key): <problem>`, with every quoted value in the problem withheld; the
/// key is named when the problem does not name it already, and a duration written as a number
/// gets the form it needs.
pub fn describe(err: &toml::de::Error, text: &str) -> String {
    let problem = withhold_values(err.message());
    let Some(span) = err.span() else {
        return problem;
    };
    let (line, column) = position(text, span.start);
    let key = key_before(text, span.start).filter(|k| !problem.contains(&format!("`{k}`")));
    let Some(key) = key else {
        return format!("line {line}, column {column}: {problem}");
    };
    let hint = if is_duration(&key) && problem.contains("expected a string") {
        " (a duration is a string such as \"30m\", \"2h\")"
    } else {
        ""
    };
    format!("line {line}, column {column} ({key}): {problem}{hint}")
}

/// The key whose value starts at `offset`: the last `key =` on its line before it (an `=`
/// inside a string does not count). Only a key-like name is returned, never other text.
fn key_before(text: &str, offset: usize) -> Option<String> {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let line = &text[text[..end].rfind('\n').map_or(0, |i| i + 1)..end];
    let mut in_string = false;
    let mut last_equals = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '=' if !in_string => last_equals = Some(i),
            _ => {}
        }
    }
    let before = line[..last_equals?].trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .map_or(0, |i| i + 1);
    let key = &before[start..];
    shown(key)
        .then(|| key.to_string())
        .filter(|k| k.chars().any(|c| c != '_'))
}

/// The keys that take a duration (`group_window`, `repeat_interval`, `escalate_after`, …).
fn is_duration(key: &str) -> bool {
    [
        "_window",
        "_pause",
        "_quiet",
        "_interval",
        "_after",
        "_since",
    ]
    .iter()
    .any(|end| key.ends_with(end))
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// serde and toml put values between `"…"` (strings, Debug-escaped) and names or literals
/// between backticks. A double-quoted part is always a value from the file: it is withheld.
/// A backticked part stays only when it is a key-like name (lowercase letters and `_`, as
/// every key of the file is) or punctuation (`=`, `]`); anything else — a token, a number,
/// a `SEC…` key written where a key belongs — is withheld.
pub fn withhold_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
                out.push_str("\"…\"");
            }
            '`' => {
                let inner: String = chars.by_ref().take_while(|c| *c != '`').collect();
                out.push('`');
                out.push_str(if shown(&inner) { &inner } else { "…" });
                out.push('`');
            }
            c => out.push(c),
        }
    }
    out
}

fn shown(inner: &str) -> bool {
    let key_like = (1..=32).contains(&inner.len())
        && inner.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    let punctuation = inner.chars().count() <= 3 && !inner.chars().any(char::is_alphanumeric);
    key_like || punctuation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            rate: Option<u32>,
            unmatched: Option<String>,
            group_window: Option<String>,
            mention: Option<M>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct M {
            mobiles: Vec<String>,
        }
        let e = toml::from_str::<T>(text).expect_err("refused");
        describe(&e, text)
    }

    #[test]
    fn syntax_errors_say_where_but_not_the_line() {
        let text = "rate = 1\nwebhook = https://x/robot/send?access_token=abc123 SECdeadbeef\n";
        let e = error(text);
        assert!(e.starts_with("line 2, column "), "{e}");
        assert!(!e.contains("abc123") && !e.contains("SEC"), "{e}");
    }

    #[test]
    fn values_in_type_errors_and_unknown_names_are_withheld() {
        let e = error("rate = \"SECdeadbeef\"\n");
        assert!(e.contains("line 1") && e.contains("invalid type"), "{e}");
        assert!(!e.contains("SECdeadbeef"), "{e}");
        let e = error("SECdeadbeef = 1\n");
        assert!(!e.contains("SECdeadbeef"), "{e}");
        let e = error("colour = 1\n");
        assert!(e.contains("unknown field `colour`"), "{e}");
        assert!(e.contains("`rate`"), "the expected keys are named: {e}");
    }

    #[test]
    fn type_errors_name_their_key_and_a_duration_its_form() {
        let e = error("rate = 1\nunmatched = 3\n");
        assert!(
            e.starts_with("line 2, column 13 (unmatched): invalid type"),
            "{e}"
        );
        let e = error("group_window = 30\n");
        assert!(e.contains("(group_window)") && e.contains("\"30m\""), "{e}");
        let e = error("mention = { mobiles = \"138\" }\n");
        assert!(e.contains("(mobiles)") && !e.contains("138"), "{e}");
        // A value with `=` in it does not pass for a key, nor does a secret where a key goes.
        let e = error("unmatched = \"a=b\"\nrate = \"x=SECdeadbeef\"\n");
        assert!(e.contains("(rate)") && !e.contains("SEC"), "{e}");
        let e = error("SECdeadbeef = 1\n");
        assert!(!e.contains("SECdeadbeef") && !e.contains('('), "{e}");
    }

    #[test]
    fn escaped_quotes_do_not_end_the_withheld_value() {
        let out = withhold_values(r#"invalid type: string "a\"SECx\"b", expected u32"#);
        assert_eq!(out, "invalid type: string \"…\", expected u32");
    }

    #[test]
    fn positions_count_characters_and_survive_odd_offsets() {
        assert_eq!(position("ab\n京x", 6), (2, 2));
        assert_eq!(position("ab", 99), (1, 3));
        assert_eq!(position("京", 1), (1, 1));
    }
}
