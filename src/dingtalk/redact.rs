//! DingTalk's answers as the relay keeps them (log lines, the outbox's `last_error`) without
//! what would let someone post to the group. A proxy or WAF error page in front of DingTalk
//! may echo the request: its path (`/robot/send?access_token=…&sign=…`), percent-encoded or in
//! capitals, its query as JSON (`"access_token": ["…"]`), or the token request's body
//! (`"appSecret":"…"`). Two guards: the values the relay sent are replaced wherever they
//! appear, in any case and percent-encoded; and anything shaped like a credential is too.
//!
//! One pass over the text: a page of `sign=;sign=;…` cost a full search per match, and a
//! 1 MB answer held a sender for minutes.

/// Keys whose values are credentials, compared in lower case.
const KEYS: [&str; 4] = ["access_token", "sign", "appsecret", "app_secret"];

/// A robot secret is `SEC` and 64 hexadecimal digits; past 16 such characters it is taken for
/// one (an ordinary word after "SEC" is shorter).
const SECRET_PREFIX: &[u8] = b"SEC";
const SECRET_MIN_TAIL: usize = 16;

/// A value sent shorter than this is not looked for: it would match ordinary text.
const MIN_KNOWN: usize = 8;

/// `text` without the `known` values the request carried and without anything shaped like a
/// credential: each replaced by `…`.
pub fn without_secrets(text: &str, known: &[&str]) -> String {
    let lower = text.to_ascii_lowercase();
    let forms: Vec<String> = known
        .iter()
        .filter(|k| k.len() >= MIN_KNOWN)
        .flat_map(|k| {
            let plain = k.to_ascii_lowercase();
            let encoded = url::form_urlencoded::byte_serialize(k.as_bytes())
                .collect::<String>()
                .to_ascii_lowercase();
            [plain, encoded]
        })
        .collect();
    let (bytes, original) = (lower.as_bytes(), text.as_bytes());
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        // Every match starts at an ASCII byte, so `i` is a character boundary there.
        let hidden = forms
            .iter()
            .find(|f| bytes[i..].starts_with(f.as_bytes()))
            .map(|f| (i, i + f.len()))
            .or_else(|| keyed_value(bytes, i))
            .or_else(|| shaped_secret(original, i));
        match hidden {
            Some((start, end)) => {
                out.push_str(&text[copied..start]);
                out.push('…');
                (copied, i) = (end, end.max(i + 1));
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The most of an answer a log line or a stored error quotes.
const QUOTED_CHARS: usize = 200;

/// The start of an answer as it is quoted: [`QUOTED_CHARS`] at most, on one line (an error
/// page's newlines would make one log entry look like many). Give it redacted text.
pub fn quoted(text: &str) -> String {
    text.chars()
        .take(QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A key of [`KEYS`] at `i` followed by its value: where the value starts and ends.
fn keyed_value(lower: &[u8], i: usize) -> Option<(usize, usize)> {
    let key = KEYS.iter().find(|k| lower[i..].starts_with(k.as_bytes()))?;
    let mut at = i + key.len();
    let skip = |at: &mut usize, set: &[u8]| {
        while lower.get(*at).is_some_and(|b| set.contains(b)) {
            *at += 1;
        }
    };
    skip(&mut at, b"\" ");
    if lower[at..].starts_with(b"%3d") {
        at += 3;
    } else if matches!(lower.get(at), Some(b'=' | b':')) {
        at += 1;
    } else {
        return None;
    }
    skip(&mut at, b"\" [");
    let len = lower[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || b"%-_.~+/=".contains(b))
        .count();
    (len > 0).then_some((at, at + len))
}

/// `SEC` and enough letters and digits at `i`: the part after `SEC`.
fn shaped_secret(text: &[u8], i: usize) -> Option<(usize, usize)> {
    if !text[i..].starts_with(SECRET_PREFIX) {
        return None;
    }
    let at = i + SECRET_PREFIX.len();
    let len = text[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    (len >= SECRET_MIN_TAIL).then_some((at, at + len))
}

#[cfg(test)]
mod tests;
