//! A preview of DingTalk markdown as HTML, for the playground: CommonMark without tables or
//! strikethrough (DingTalk's subset), and any raw HTML shown as text, never rendered.

use pulldown_cmark::{Event, Options, Parser, html};

pub fn to_html(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::empty()).map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_subset_and_never_raw_html() {
        let out = to_html(
            "### Title\n\n**bold** [link](https://sentry.io/)\n\n<script>alert(1)</script>",
        );
        assert!(out.contains("<h3>Title</h3>") && out.contains("<strong>bold</strong>"));
        assert!(out.contains(r#"<a href="https://sentry.io/">link</a>"#));
        assert!(!out.contains("<script>") && out.contains("&lt;script&gt;"));
    }
}
