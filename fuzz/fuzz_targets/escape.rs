//! Any text through the markdown escaper reads as plain text: parsed with pulldown-cmark (GFM
//! on), it holds no markup but paragraphs and no raw HTML, so payload text can make no link,
//! image, heading, list, emphasis or tag. The bounded helpers stay within their bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use sentry_dingtalk::escape;

fuzz_target!(|text: &str| {
    let out = escape::markdown(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM;
    for event in Parser::new_ext(&out, options) {
        let plain = matches!(
            event,
            Event::Text(_)
                | Event::SoftBreak
                | Event::HardBreak
                | Event::Start(Tag::Paragraph)
                | Event::End(TagEnd::Paragraph)
        );
        assert!(plain, "{text:?} → {out:?} makes {event:?}");
    }
    let line = escape::one_line(text, 80);
    assert!(!line.contains('\n'));
    let _ = escape::truncate(text, 80);
});
