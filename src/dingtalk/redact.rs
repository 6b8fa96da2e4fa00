//! DingTalk's answers as the relay keeps them (log lines, the outbox's `last_error`) without
//! what would let someone post to the group. A proxy or WAF error page in front of DingTalk
//! may echo the request path, `/robot/send?access_token=…&timestamp=…&sign=…`, or the secret.

/// Query keys whose values are the robot's credentials.
const KEYS: [&str; 2] = ["access_token=", "sign="];

/// A robot secret is `SEC` and 64 hexadecimal digits; past 16 such characters it is taken for
/// one (an ordinary word after "SEC" is shorter).
const SECRET_PREFIX: &str = "SEC";
const SECRET_MIN_TAIL: usize = 16;

/// `text` with the values of `access_token=` and `sign=` and anything shaped like a robot
/// secret replaced by `…`.
pub fn without_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, skip)) = next_credential(rest) {
        out.push_str(&rest[..at + skip]);
        out.push('…');
        let value = &rest[at + skip..];
        let len = value
            .find(|c: char| !(c.is_ascii_alphanumeric() || "%-_.~+/=".contains(c)))
            .unwrap_or(value.len());
        rest = &value[len..];
    }
    out.push_str(rest);
    out
}

/// Where the next credential starts in `text`, and how much before its value is kept (the
/// key, or `SEC`).
fn next_credential(text: &str) -> Option<(usize, usize)> {
    let keys = KEYS
        .iter()
        .filter_map(|key| text.find(key).map(|at| (at, key.len())));
    let secret = text.match_indices(SECRET_PREFIX).find_map(|(at, _)| {
        let tail = &text[at + SECRET_PREFIX.len()..];
        let hex = tail.chars().take_while(char::is_ascii_alphanumeric).count();
        (hex >= SECRET_MIN_TAIL).then_some((at, SECRET_PREFIX.len()))
    });
    keys.chain(secret).min_by_key(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn credentials_in_an_error_page_are_replaced() {
        let page = "<html>bad gateway /robot/send?access_token=HTMLTOKEN666&timestamp=1&sign=a%2Bb%3D</html>";
        assert_eq!(
            without_credentials(page),
            "<html>bad gateway /robot/send?access_token=…&timestamp=1&sign=…</html>"
        );
        let secret = format!("secret SEC{} leaked", "a1".repeat(32));
        assert_eq!(without_credentials(&secret), "secret SEC… leaked");
    }

    #[test]
    fn ordinary_text_is_kept() {
        for text in [
            "errcode 310000: keywords not in content",
            "SECURITY check failed",
            "HTTP 502: upstream timed out",
            "",
        ] {
            assert_eq!(without_credentials(text), text);
        }
    }
}
