use super::*;
use proptest::prelude::*;
use pulldown_cmark::{Event, Options, Parser, Tag};

/// Everything pulldown-cmark can recognise that a chat client might render.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// The markup events of a document (text and line breaks left out), as comparable strings.
fn structure(md: &str) -> Vec<String> {
    Parser::new_ext(md, options())
        .filter(|e| !matches!(e, Event::Text(_) | Event::SoftBreak | Event::HardBreak))
        .map(|e| format!("{e:?}"))
        .collect()
}

/// What a reader sees: the text, line breaks as spaces.
fn read_back(md: &str) -> String {
    Parser::new_ext(md, options())
        .map(|e| match e {
            Event::Text(t) => t.to_string(),
            Event::SoftBreak | Event::HardBreak => "\n".into(),
            _ => String::new(),
        })
        .collect()
}

/// Markdown keeps no run of blanks, and the escaper drops control and bidirectional
/// formatting characters and adds joiners.
fn normalized(s: &str) -> String {
    without_hidden(s)
        .chars()
        .filter(|c| *c != JOINER)
        .collect::<String>()
        .split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What GFM and chat clients link by themselves: `scheme://host.tld`, `www.`, `name@host`.
fn has_bare_link(text: &str) -> bool {
    // A client may well skip zero-width characters (all but the escaper's own joiner).
    let lower: String = text
        .to_lowercase()
        .chars()
        .filter(|c| *c == JOINER || !ZERO_WIDTH.contains(c))
        .collect();
    let dotted_host_after = |at: usize| {
        lower[at + 3..]
            .split(['/', '?', '#', ' ', '\n', '\t'])
            .next()
            .is_some_and(|h| h.contains('.'))
    };
    let scheme_before = |at: usize| {
        lower[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    };
    lower
        .match_indices("://")
        .any(|(at, _)| scheme_before(at) && dotted_host_after(at))
        || lower.match_indices("www.").any(|(at, _)| {
            lower[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
        || lower.match_indices('@').any(|(at, _)| {
            lower[at + 1..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
        })
}

#[test]
fn everyday_text_is_left_alone() {
    for plain in [
        "split_installments",
        "orders/pricing.py",
        "李娜 (Li Na)",
        "PR #1432",
        "http://localhost",
        "http://localhost:8000/api/orders",
        "C:\\Users\\svc",
        "a * b and 2 * 3",
        "x < 5",
        "KeyError: 'sku-77841'",
        "app.services.pricing in split_installments",
        "-1 is not a valid count",
        "#1432 reopened",
        "list[0] out of range: index",
    ] {
        assert_eq!(markdown(plain), plain, "changed: {plain}");
    }
    // GFM would make a mailto link of it; the joiner keeps it plain and looks the same.
    let release = markdown("payments-api@2.4.1");
    assert_eq!(release.replace(JOINER, ""), "payments-api@2.4.1");
    assert_ne!(release, "payments-api@2.4.1");
}

#[test]
fn markup_is_escaped_where_it_stands() {
    let cases = [
        (
            "[x](http://evil.example)",
            "\\[x\\](http:\u{2060}//evil.example)",
        ),
        (
            "<font color=red>hi</font>",
            "&lt;font color=red>hi&lt;/font>",
        ),
        ("@all please", "@\u{2060}all please"),
        ("wang.fang@example.com", "wang.fang@\u{2060}example.com"),
        ("# heading", "\\# heading"),
        (
            "![img](https://e.x/i.png)",
            "!\\[img\\](https:\u{2060}//e.x/i.png)",
        ),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("visit www.evil.example", "visit www\u{2060}.evil.example"),
        ("a\n# b", "a  \n\\# b"),
        ("a\n\n\n- b", "a  \n\\- b"),
        ("snake_case *bold*", "snake_case \\*bold\\*"),
        ("__main__", "\\_\\_main\\_\\_"),
        ("`code`", "\\`code\\`"),
        ("> quoted", "\\> quoted"),
        ("a &amp; b", "a &amp;amp; b"),
        ("trailing \\", "trailing \\\\"),
        ("title\n===", "title  \n\\==="),
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

/// Every bidirectional formatting character Unicode has: embeddings and overrides, isolates,
/// the marks, and the Arabic letter mark.
const BIDI: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

#[test]
fn bidirectional_controls_are_dropped_from_markdown_titles_and_plain_text() {
    for &c in BIDI {
        let text = format!("invoice{c}fdp.exe and {c}x");
        assert_eq!(
            markdown(&text),
            "invoicefdp.exe and x",
            "U+{:04X}",
            c as u32
        );
        assert_eq!(
            one_line(&text, 100),
            "invoicefdp.exe and x",
            "U+{:04X}",
            c as u32
        );
        assert_eq!(
            without_hidden(&text),
            "invoicefdp.exe and x",
            "U+{:04X}",
            c as u32
        );
    }
    // Text in a right-to-left script keeps its letters; only the invisible controls go.
    assert_eq!(markdown("\u{202B}שלום\u{202C} عربي"), "שלום عربي");
}

/// Short random texts made mostly of the characters markdown cares about.
fn hostile_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => prop::sample::select(vec![
            "*", "_", "~", "`", "\\", "[", "]", "(", ")", "!", "<", ">", "&", "#", ";", "-", "+",
            "=", ".", ":", "/", "@", "|", "^", "\n", " ", "\t", "1", "a", "é", "中", "\u{a0}",
            "http://", "https://x.y/", "www.", "&amp;", "&#35;", "<a>", "](", "[^1]", "---",
            "1.", "1)", "    ", "\n\n", "x_y", "__", "**", "\u{202E}", "\u{2067}", "\u{200F}",
            "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{2060}", "中\u{200D}",
        ]).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

/// Where the templates put a value: the markdown around it and the text a reader sees.
const CONTEXTS: &[(&str, &str)] = &[
    ("**{}**", "{}"),
    ("[{}](https://sentry.io/x/)", "{}"),
    ("- **Label**: {} ｜ **More**: 1", "Label: {} ｜ More: 1"),
    ("> {}", "{}"),
    ("- file.py:41 in {}  \n  *{}*", "file.py:41 in {} {}"),
    ("### 🔴 Title · {}", "🔴 Title · {}"),
    ("1. 🔴 [{}](https://sentry.io/x/) · {}", "🔴 {} · {}"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn escaped_text_is_plain_text_that_reads_back(input in hostile_text()) {
        let escaped = markdown(&input);
        let markup = structure(&escaped);
        let only_paragraphs = markup
            .iter()
            .all(|e| e == &format!("{:?}", Event::Start(Tag::Paragraph)) || e.starts_with("End(Paragraph"));
        prop_assert!(only_paragraphs, "{input:?} → {escaped:?} has markup {markup:?}");
        prop_assert_eq!(normalized(&read_back(&escaped)), normalized(&input), "{:?}", escaped);
        prop_assert!(!has_bare_link(&escaped), "{input:?} → {escaped:?} links by itself");
    }

    #[test]
    fn escaped_text_cannot_change_the_template_around_it(input in hostile_text()) {
        // Payload text is trimmed when it is read (`sentry::json::text`).
        let input = input.trim().to_string();
        let escaped = markdown(&input);
        if normalized(&input).is_empty() {
            // Nothing to show: the template's own markup around an empty slot differs anyway.
            return Ok(());
        }
        for (md, plain) in CONTEXTS {
            // A heading is one line: the templates put only one-line values there.
            if md.starts_with('#') && escaped.contains('\n') {
                continue;
            }
            let want = structure(&md.replace("{}", "x"));
            let got_md = md.replace("{}", &escaped);
            prop_assert_eq!(structure(&got_md), want, "{:?} in {:?}: {:?}", input, md, got_md);
            prop_assert_eq!(
                normalized(&read_back(&got_md)),
                normalized(&plain.replace("{}", &input)),
                "{:?}", got_md
            );
        }
    }
}

/// Every zero-width character the escaper drops (its own [`JOINER`] stays).
const ZERO_WIDTH: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2061}', '\u{2062}', '\u{2063}', '\u{2064}', '\u{FEFF}',
    '\u{180E}',
];

#[test]
fn zero_width_characters_cannot_hide_a_mention_or_a_link() {
    for &z in ZERO_WIDTH {
        let at = markdown(&format!("call @{z}13800000000"));
        assert_eq!(
            at,
            format!("call @{JOINER}13800000000"),
            "U+{:04X}",
            z as u32
        );
        let link = markdown(&format!(
            "see http{z}://evil.example/x and w{z}ww.evil.example"
        ));
        assert!(!has_bare_link(&link), "U+{:04X}: {link:?}", z as u32);
        assert_eq!(
            without_hidden(&format!("a{z}b")),
            "ab",
            "U+{:04X}",
            z as u32
        );
    }
    // A word joiner in the payload is the escaper's own guard: kept, and enough.
    assert_eq!(
        markdown("call @\u{2060}13800000000"),
        "call @\u{2060}13800000000"
    );
    // Escaped text passed through again (card values are) keeps its guards.
    let escaped = markdown("see http://evil.example and @13800000000");
    assert!(escaped.contains(JOINER));
    assert_eq!(without_hidden(&escaped), escaped);
    // Between non-ASCII characters a joiner is part of the text: an emoji sequence, a script.
    assert_eq!(markdown("👨\u{200D}👩\u{200D}👧"), "👨\u{200D}👩\u{200D}👧");
    assert_eq!(without_hidden("می\u{200C}خواهم"), "می\u{200C}خواهم");
}

#[test]
fn titles_and_card_values_keep_no_control_characters() {
    assert_eq!(one_line("a\u{0}b\u{7}c\u{1b}[31m d", 100), "abc[31m d");
    assert_eq!(without_hidden("x\u{0}y\u{202E}z\tw"), "xyz\tw");
}

#[test]
fn a_long_run_of_joiners_is_judged_once_per_character() {
    // 4 MiB of joiners fit in a webhook body. Each used to look ahead over the rest of the
    // run: 100,000 of them held a sender for minutes, so this test would not finish.
    let run = "\u{200D}".repeat(400_000);
    let between_letters = format!("中{run}文");
    assert_eq!(without_hidden(&between_letters), between_letters);
    assert_eq!(without_hidden(&format!("a{run}b")), "ab");
    assert_eq!(without_hidden(&format!("中{run}b")), "中b");
}
