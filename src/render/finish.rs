//! The last touches every message gets, whatever rendered it: mentions and the keyword it
//! must carry, one blank line between blocks, and the plain fallback.

use super::{Envelope, escape, labels, view};
use crate::dingtalk::Message;
use crate::domain::alert::Alert;
use crate::domain::lang::Lang;

/// The last resort when templates cannot help (texts too big, or a broken custom template):
/// the title and the link, nothing else.
pub fn plain_fallback(alert: &Alert, env: &Envelope, lang: Lang) -> Message {
    let title = view::title(alert, lang);
    let mut text = format!("### {}", escape::markdown(&escape::truncate(&title, 500)));
    if let Some(link) = &alert.link {
        let view_label = labels::label(lang, "view").to_string();
        text.push_str(&format!("\n\n[{view_label}]({link})"));
    }
    finish(title, text, env)
}

/// Mentions and the keyword are appended when a template left them out: without them
/// DingTalk silently skips the @ or refuses the message.
pub(super) fn finish(title: String, text: String, env: &Envelope) -> Message {
    let mut text = collapse_blank_lines(text.trim());
    let mentions = env.at.text_line();
    if !mentions.is_empty() && !text.contains(&mentions) {
        text.push_str("\n\n");
        text.push_str(&mentions);
    }
    // DingTalk's actionCard cannot @-mention: when someone is mentioned the actions become
    // links in the markdown text instead of buttons.
    let buttons = if env.at.is_empty() {
        env.buttons.clone()
    } else {
        if !env.buttons.is_empty() {
            let links: Vec<String> = env
                .buttons
                .iter()
                .map(|b| format!("[{}]({})", escape::markdown(&b.title), b.url))
                .collect();
            text.push_str("\n\n");
            text.push_str(&links.join(" · "));
        }
        Vec::new()
    };
    if let Some(kw) = env.keyword.as_deref().filter(|k| !text.contains(*k)) {
        text.push_str("\n\n");
        text.push_str(kw);
    }
    let mut msg = Message::markdown(title, text, env.at.clone(), env.msg_uuid.clone());
    msg.buttons = buttons;
    msg
}

/// Templates are easier to write with generous `{% if %}` blocks; DingTalk wants exactly one
/// blank line between blocks.
fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.split('\n') {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push('\n');
            continue;
        }
        blank_run = 0;
        out.push_str(line.trim_end_matches('\t'));
        out.push('\n');
    }
    out.trim_end().to_string()
}
