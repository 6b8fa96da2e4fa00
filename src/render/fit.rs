//! As many lines as fit under DingTalk's size limit, for every message that lists things
//! (batches, storm and silence summaries, the open-issues digest).

use super::{BODY_BUDGET, RenderError};
use crate::dingtalk::Message;

/// No listing message tries more lines than this: a line is never under ~60 bytes, so more
/// never fit. Without the cap a storm of 10,000 issues rendered all of them first (2 MB of
/// markdown, 200 MB at the peak) and shrank from there.
pub(super) const MOST_LINES: usize = BODY_BUDGET / 60;

/// Renders `render(n)` with the most of `total` lines that fit, and the `n` it took. Lines
/// are of similar size, so each render predicts how many fit; a few renders at most correct
/// the guess. `render(0)` is the answer when not even one line fits.
pub(super) fn fit_lines(
    total: usize,
    mut render: impl FnMut(usize) -> Result<Message, RenderError>,
) -> Result<(Message, usize), RenderError> {
    let mut n = total.min(MOST_LINES);
    loop {
        let msg = render(n)?;
        let size = msg.to_json().len();
        if size <= BODY_BUDGET || n == 0 {
            return Ok((msg, n));
        }
        let guess = (n as f64 * BODY_BUDGET as f64 / size as f64 * 0.97) as usize;
        n = guess.min(n - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, each: usize) -> Message {
        Message::markdown(
            "t".into(),
            "x".repeat(n * each),
            Default::default(),
            String::new(),
        )
    }

    #[test]
    fn takes_the_most_that_fit_in_few_renders() {
        let mut renders = 0;
        let (msg, n) = fit_lines(10_000, |n| {
            renders += 1;
            Ok(lines(n, 150))
        })
        .expect("renders");
        assert!(msg.to_json().len() <= BODY_BUDGET);
        assert!(n > 100 && n <= BODY_BUDGET / 150, "{n} lines");
        assert!(renders <= 4, "{renders} renders");
    }

    #[test]
    fn a_short_list_is_rendered_once_and_whole() {
        let mut asked = Vec::new();
        let (_, n) = fit_lines(3, |n| {
            asked.push(n);
            Ok(lines(n, 100))
        })
        .expect("renders");
        assert_eq!((n, asked), (3, vec![3]));
    }

    #[test]
    fn when_nothing_fits_it_ends_at_zero_lines() {
        let (_, n) = fit_lines(50, |n| Ok(lines(n.max(1), BODY_BUDGET))).expect("renders");
        assert_eq!(n, 0);
    }
}
