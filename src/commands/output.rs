//! What the commands print on stdout. A reader that goes away (`| head`) ends the command
//! quietly: the write fails with [`StdoutClosed`], which `main` turns into a plain exit.

use std::fmt::Display;
use std::io::{ErrorKind, Write};

/// Stdout was closed by its reader; nothing is wrong with the command itself.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// The configuration's fault, exit code 2 (DESIGN): a setting, the config file, or a template
/// in `TEMPLATES_DIR` that does not load or fails on a sample. Anything else is exit code 1.
pub fn is_configuration_error(e: &anyhow::Error) -> bool {
    use crate::{config::ConfigError, live::ReloadError, render::RenderError};
    e.chain()
        .any(|c| c.is::<ConfigError>() || c.is::<RenderError>() || c.is::<ReloadError>())
}

/// Prints `text` and a newline.
pub fn line(text: impl Display) -> anyhow::Result<()> {
    print(format_args!("{text}\n"))
}

/// Prints `text` as it is.
pub fn print(text: impl Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match write!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        other => Ok(other?),
    }
}

/// Rows as columns padded to their widest cell (in characters); the last column is not padded.
pub fn table<const N: usize>(rows: &[[String; N]]) -> Vec<String> {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let mut text = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i + 1 == N {
                    text.push_str(cell);
                } else {
                    let pad = w - cell.chars().count();
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad + 2));
                }
            }
            text.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn columns_line_up_under_the_widest_cell() {
        let rows = [
            ["id".to_string(), "robot".into(), "last".into()],
            ["12".into(), "支付组".into(), "x".into()],
            ["3".into(), "default-robot".into(), String::new()],
        ];
        assert_eq!(
            table(&rows),
            [
                "id  robot          last",
                "12  支付组            x",
                "3   default-robot"
            ]
        );
    }
}
