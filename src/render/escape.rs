//! Making payload text inert in DingTalk markdown: no links, images, headings, lists, HTML,
//! code, emphasis or @-mentions, while reading as the original text.
//!
//! Backslashes show up literally in some DingTalk clients, so a character is escaped only where
//! CommonMark would read it as markup where it stands: `split_installments`, `orders/pricing.py`,
//! `李娜 (Li Na)` and `PR #1432` pass unchanged. Links that a client would find by itself (GFM
//! "extended autolinks": `http://host.domain`, `www.x`, `name@host`) are broken with an
//! invisible WORD JOINER (U+2060), which also stops DingTalk's `@mobile` mentions.

/// Invisible, and not a break opportunity: what keeps `http://`, `www.` and `@` inert.
pub const JOINER: char = '\u{2060}';

/// Escapes one value for DingTalk markdown; used as Tera's escape function for every `{{ }}`.
///
/// Newlines become hard breaks (DingTalk ignores single newlines) and blank lines collapse, so a
/// value can never end the block it is written into (a list item, a quote).
pub fn markdown(input: &str) -> String {
    let lines: Vec<String> = input
        .split('\n')
        .map(|l| {
            // Control characters are invisible or break lines in a client: blanks become
            // spaces, the rest go (with the other hidden ones).
            without_hidden(l)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
        })
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    // Outer blanks can matter where the value stands (`t.sep` is ": " in English); one space
    // keeps that and can never indent a line into a code block.
    if input.starts_with(char::is_whitespace) && !lines.is_empty() {
        out.push(' ');
    }
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("  \n");
        }
        escape_line(line, &mut out);
    }
    if input.ends_with(char::is_whitespace) {
        out.push(' ');
    }
    out
}

/// One line without newlines, leading or trailing blanks.
fn escape_line(line: &str, out: &mut String) {
    let chars: Vec<char> = line.chars().collect();
    let brackets = brackets_to_escape(&chars);
    let block_marker = block_marker_at(&chars);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        if Some(i) == block_marker {
            out.push('\\');
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '\\' => {
                // A backslash escapes the punctuation after it, or breaks the line at its end.
                let next = chars.get(i + 1);
                if next.is_none_or(|n| n.is_ascii_punctuation()) {
                    out.push('\\');
                }
                out.push('\\');
            }
            '`' => out.push_str("\\`"),
            // Mentions the end of a heading, ` ##` is a closing sequence and would vanish.
            '#' if (i == 0 || is_blank(prev)) && chars[i..].iter().all(|&x| x == '#') => {
                out.push_str("\\#");
            }
            '[' | ']' if brackets[i] => {
                out.push('\\');
                out.push(c);
            }
            // HTML, autolinks and e-mail autolinks all start with `<` and a non-blank.
            '<' if !is_blank(chars.get(i + 1).copied()) => {
                out.push_str("&lt;");
            }
            '&' if starts_entity(&chars[i + 1..]) => out.push_str("&amp;"),
            '*' | '_' | '~' => {
                let run = chars[i..].iter().take_while(|&&x| x == c).count();
                let next = chars.get(i + run).copied();
                let inert = (is_blank(prev) && is_blank(next))
                    || (c == '_' && is_word(prev) && is_word(next));
                for _ in 0..run {
                    if !inert {
                        out.push('\\');
                    }
                    out.push(c);
                }
                i += run;
                continue;
            }
            '@' if chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()) => {
                out.push('@');
                out.push(JOINER);
            }
            ':' if is_linkable_scheme(&chars, i) => {
                out.push(':');
                out.push(JOINER);
            }
            '.' if is_www(&chars, i) => {
                out.push(JOINER);
                out.push('.');
            }
            _ => out.push(c),
        }
        i += 1;
    }
}

/// Space or tab in the value; the value's own edges are unknown (the template decides), so
/// they count as neither blank nor word.
fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Where a line would start a heading, quote, list, thematic break, setext underline, fence or
/// table delimiter row: the index of the character to escape.
fn block_marker_at(chars: &[char]) -> Option<usize> {
    let first = *chars.first()?;
    let ends_marker = |n: usize| matches!(chars.get(n), None | Some(' ' | '\t'));
    let only = |set: &[char]| {
        chars
            .iter()
            .all(|c| set.contains(c) || matches!(c, ' ' | '\t'))
    };
    let escape_first = match first {
        '#' => {
            let hashes = chars.iter().take_while(|&&c| c == '#').count();
            hashes <= 6 && ends_marker(hashes)
        }
        '>' => true,
        '-' | '+' | '*' => ends_marker(1) || only(&[first]),
        '_' | '=' => only(&[first]),
        '~' | '`' => chars.iter().take_while(|&&c| c == first).count() >= 3,
        '|' | ':' => only(&['|', '-', ':']) && chars.contains(&'-'),
        '0'..='9' => {
            let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
            let marker = digits <= 9
                && matches!(chars.get(digits), Some('.' | ')'))
                && ends_marker(digits + 1);
            return marker.then_some(digits);
        }
        _ => false,
    };
    escape_first.then_some(0)
}

/// `&name;`, `&#123;` and `&#x1F;` would read as the character they name.
fn starts_entity(rest: &[char]) -> bool {
    let body: String = rest.iter().take(34).take_while(|c| **c != ';').collect();
    if rest.get(body.chars().count()) != Some(&';') || body.is_empty() {
        return false;
    }
    if let Some(num) = body.strip_prefix('#') {
        let (digits, hex) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (h, true),
            None => (num, false),
        };
        return !digits.is_empty()
            && digits.chars().all(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            });
    }
    body.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `scheme://host.with.dots` is what GFM and chat clients turn into a link; `http://localhost`
/// (no dot in the host) is not, so it stays as written.
fn is_linkable_scheme(chars: &[char], colon: usize) -> bool {
    if chars.get(colon + 1) != Some(&'/') || chars.get(colon + 2) != Some(&'/') {
        return false;
    }
    let has_scheme = colon > 0 && chars[colon - 1].is_ascii_alphanumeric();
    let host: String = chars[colon + 3..]
        .iter()
        .take_while(|c| !matches!(c, '/' | '?' | '#' | ' ' | '\t'))
        .collect();
    has_scheme && host.contains('.')
}

/// The dot of a `www.` that starts a word.
fn is_www(chars: &[char], dot: usize) -> bool {
    dot >= 3
        && chars[dot - 3..dot]
            .iter()
            .all(|c| c.eq_ignore_ascii_case(&'w'))
        && (dot == 3 || !chars[dot - 4].is_alphanumeric())
}

/// Which brackets must be escaped: every unmatched one (it could swallow or end a link text
/// the template writes around the value), and matched pairs that a `(`, `[` or the end of the
/// value follows (they would become a link or image).
fn brackets_to_escape(chars: &[char]) -> Vec<bool> {
    let mut escape = vec![false; chars.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '[' => open.push(i),
            ']' => match open.pop() {
                Some(start) => {
                    // A pair at the start of the line could be a link reference definition.
                    let live =
                        start == 0 || matches!(chars.get(i + 1), None | Some('(' | '[' | ':'));
                    escape[start] = live;
                    escape[i] = live;
                }
                None => escape[i] = true,
            },
            _ => {}
        }
    }
    for i in open {
        escape[i] = true;
    }
    escape
}

/// The bidirectional formatting characters (embeddings, overrides, isolates, marks): a title
/// with U+202E shows its tail reversed, so `exe.txt` reads as `txt.exe`. Payload text never
/// needs them; they are dropped wherever it is shown.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// The zero-width characters: space, non-joiner, joiner, the invisible operators, the
/// byte-order mark, the Mongolian vowel separator. Between ASCII characters they only hide
/// things — `@\u{200B}13800000000` would slip past the `@` rule, `http\u{200B}://` past the
/// scheme rule, for a client that ignores them — so there they go. Not the WORD JOINER: it is
/// the [`JOINER`] the escaper itself puts in, which card values, cut again after escaping,
/// must keep.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2061}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}'
    )
}

/// `input` without [`is_bidi_control`] characters, control characters other than blanks (a
/// NUL in a title reaches every client that shows it) or zero-width ones. A joiner or non-joiner
/// between two non-ASCII, non-blank characters stays: emoji sequences (👨‍👩‍👧) and some scripts
/// need it.
pub fn without_hidden(input: &str) -> String {
    let visible = |c: &char| !is_bidi_control(*c) && (!c.is_control() || c.is_whitespace());
    // Every escaped value passes here: the common text without zero-width characters goes in
    // one pass, without the buffer the joiner rule needs.
    if !input.chars().any(is_zero_width) {
        return input.chars().filter(visible).collect();
    }
    let shown: Vec<char> = input.chars().filter(visible).collect();
    // The first character after each one that is not zero-width, found in one pass from the
    // end: looking ahead from every joiner made a run of them quadratic (100,000 joiners held
    // a sender for minutes).
    let mut next_seen = vec![None; shown.len()];
    let mut seen = None;
    for (i, c) in shown.iter().enumerate().rev() {
        next_seen[i] = seen;
        if !is_zero_width(*c) {
            seen = Some(*c);
        }
    }
    let mut out = String::with_capacity(input.len());
    for (i, &c) in shown.iter().enumerate() {
        // Judged by the characters that stay, so that a second pass keeps the same ones.
        let joins_non_ascii = || {
            let letter = |c: &char| !c.is_ascii() && !c.is_whitespace();
            out.chars().next_back().is_some_and(|p| letter(&p))
                && next_seen[i].is_some_and(|n| letter(&n))
        };
        if !is_zero_width(c) || (matches!(c, '\u{200C}' | '\u{200D}') && joins_non_ascii()) {
            out.push(c);
        }
    }
    out
}

/// Plain text for places that are not markdown (the message title): one line, bounded.
pub fn one_line(input: &str, max_chars: usize) -> String {
    let flat: String = without_hidden(input)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
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
mod tests;
