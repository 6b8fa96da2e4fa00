//! Which Sentry organization an installation belongs to. `installation.created` names it
//! (`data.installation.organization.slug`), and any payload with a Sentry URL shows it, so a
//! relay can build links for the payloads that carry none (issue state changes, comments).
//! Remembering it is the store's job; these functions only read one payload.

use super::json::text;
use serde_json::Value;

/// `(installation uuid, organization slug)` when this payload tells both.
pub fn installation_org(v: &Value) -> Option<(String, String)> {
    let uuid = text(v, &["installation", "uuid"])
        .or_else(|| text(v, &["data", "installation", "uuid"]))?;
    let org = text(v, &["data", "installation", "organization", "slug"])
        .filter(|s| is_slug(s))
        .or_else(|| org_from_urls(v))?;
    Some((uuid, org))
}

/// The org slug from any Sentry web or API URL in the payload.
pub fn org_from_urls(v: &Value) -> Option<String> {
    const CANDIDATES: &[&str] = &[
        "/data/issue/web_url",
        "/data/issue/url",
        "/data/event/web_url",
        "/data/event/issue_url",
        "/data/event/url",
        "/data/error/web_url",
        "/data/error/issue_url",
        "/data/error/url",
        "/data/web_url",
        "/url",
        "/event/url",
    ];
    CANDIDATES
        .iter()
        .filter_map(|p| v.pointer(p).and_then(Value::as_str))
        .find_map(org_in_url)
}

/// `/organizations/{org}/…`, `/api/0/projects/{org}/…`, the Sentry 8/9 form
/// `/{org}/{project}/issues/{id}/`, and `https://{org}.sentry.io/…`.
fn org_in_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let after = |name: &str| {
        let at = segs.iter().position(|s| *s == name)?;
        segs.get(at + 1).map(|s| s.to_string())
    };
    let from_path = after("organizations")
        .or_else(|| after("projects"))
        .or_else(|| (segs.get(2) == Some(&"issues")).then(|| segs[0].to_string()));
    let from_host = || {
        let host = url.host_str()?;
        let sub = host.strip_suffix(".sentry.io")?;
        let regional = ["us", "de", "www"].contains(&sub) || sub.contains('.');
        (!regional).then(|| sub.to_string())
    };
    from_path.or_else(from_host).filter(|s| is_slug(s))
}

/// Sentry slugs are short and made of letters, digits, `-` and `_`; anything else is not one.
fn is_slug(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn installation_created_names_the_org() {
        let v = json!({"action": "created", "installation": {"uuid": "u-1"},
            "data": {"installation": {"uuid": "u-1", "organization": {"slug": "acme"}}}});
        assert_eq!(installation_org(&v), Some(("u-1".into(), "acme".into())));
    }

    #[test]
    fn any_payload_with_a_sentry_url_names_it_too() {
        let web = |url: &str| json!({"installation": {"uuid": "u-2"}, "data": {"event": {"web_url": url}}});
        for (url, org) in [
            (
                "https://sentry.io/organizations/zed/issues/1/events/2/",
                Some("zed"),
            ),
            ("https://zed.sentry.io/issues/1/", Some("zed")),
            (
                "https://sentry.example.com/zed/backend/issues/7/",
                Some("zed"),
            ),
            ("https://us.sentry.io/issues/1/", None),
            (
                "https://sentry.io/organizations/%3Cscript%3E/issues/1/",
                None,
            ),
        ] {
            let got = installation_org(&web(url)).map(|(_, o)| o);
            assert_eq!(got.as_deref(), org, "{url}");
        }
        assert_eq!(
            installation_org(&json!({"data": {"web_url": "https://sentry.io/organizations/a/"}})),
            None
        );
    }
}
