//! Making payload text inert in DingTalk markdown: no links, images, headings, HTML or @-mentions.
//!
//! DingTalk's renderer differs between PC and phone, so nothing here relies on a single escape
//! being honoured: characters that could start markup get a backslash, and the three that
//! matter most even when backslashes are ignored (`<`, `>`, `@`) become their full-width forms.

/// Escapes one value for DingTalk markdown; used as Tera's escape function for every `{{ }}`.
pub fn markdown(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    let mut line_start = true;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => continue,
            '\n' => {
                // A lone newline is not a break in DingTalk; two trailing spaces make one.
                out.push_str("  \n");
                line_start = true;
                continue;
            }
            '<' => out.push('＜'),
            '>' => out.push('＞'),
            '@' => out.push('＠'),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            // Lists start with `-`, `+` or `1.` at the beginning of a line.
            '-' | '+' if line_start => {
                out.push('\\');
                out.push(c);
            }
            // `://` and `www.` would let a client auto-link a bare URL.
            ':' if chars.peek() == Some(&'/') => out.push_str(":\\/"),
            '/' if out.ends_with(":\\/") => out.push_str("\\/"),
            '.' if out.ends_with("www") => out.push_str("\\."),
            _ => out.push(c),
        }
        if c == ':' && chars.peek() == Some(&'/') {
            chars.next();
        }
        line_start = line_start && c.is_whitespace();
    }
    escape_ordered_list_marker(out)
}

/// `12. text` at the start of the value would become an ordered list.
fn escape_ordered_list_marker(s: String) -> String {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(". ") {
        format!("{}\\{}", &s[..digits], &s[digits..])
    } else {
        s
    }
}

/// Plain text for places that are not markdown (the message title): one line, bounded.
pub fn one_line(input: &str, max_chars: usize) -> String {
    let flat: String = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let mut cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Cuts to at most `max_chars` characters (on a char boundary), marking the cut.
pub fn truncate(input: &str, max_chars: usize) -> String {
    if input.chars().count() <= max_chars {
        return input.to_string();
    }
    let mut cut: String = input.chars().take(max_chars).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_make_markup() {
        let cases = [
            (
                "[x](http://evil.example)",
                "\\[x\\]\\(http:\\/\\/evil.example\\)",
            ),
            ("<font color=red>hi</font>", "＜font color=red＞hi＜/font＞"),
            ("@all please", "＠all please"),
            ("# heading", "\\# heading"),
            (
                "![img](https://e/x.png)",
                "\\!\\[img\\]\\(https:\\/\\/e/x.png\\)",
            ),
            ("- item", "\\- item"),
            ("1. first", "1\\. first"),
            ("visit www.evil.example", "visit www\\.evil.example"),
            ("a\n# b", "a  \n\\# b"),
            ("a\n- b", "a  \n\\- b"),
            ("snake_case *bold*", "snake\\_case \\*bold\\*"),
            ("plain 中文 text-1", "plain 中文 text-1"),
        ];
        for (input, want) in cases {
            assert_eq!(markdown(input), want, "input: {input}");
        }
    }

    #[test]
    fn cuts_on_char_boundaries() {
        assert_eq!(truncate("中文字符串", 2), "中文…");
        assert_eq!(one_line("a\n\n b  c", 10), "a b c");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }
}
