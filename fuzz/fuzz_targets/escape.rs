//! Any text through the markdown escaper: no raw `<`, `>` or `@` survives, and the bounded
//! helpers stay within their bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentry_dingtalk::render::escape;

fuzz_target!(|text: &str| {
    let out = escape::markdown(text);
    assert!(!out.contains(['<', '>', '@']), "{text:?} → {out:?}");
    let line = escape::one_line(text, 80);
    assert!(!line.contains('\n'));
    let _ = escape::truncate(text, 80);
});
