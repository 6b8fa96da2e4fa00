//! Tera's `range`, bounded. Templates are the operator's, but one line of them must not take
//! the relay down: `range(end=1000000000)` made Tera allocate 32 GB and the process abort —
//! again after each restart, as the queued alert was rendered again — while webhooks were
//! refused. A range longer than [`MOST_ITEMS`] is a template error, which the relay answers
//! like any other (`check` names it; at send time the title-and-link fallback goes out).
//!
//! The ranges of one render also share a budget, [`MOST_PER_RENDER`]: ranges nested in loops
//! (`range(end=1000)` three deep is 10⁹ turns) held a sender for minutes on CPU alone.

use std::cell::Cell;
use std::collections::HashMap;
use tera::{Error, Value};

/// Far more than a message shows.
pub(super) const MOST_ITEMS: u64 = 1_000;

/// The numbers all `range()` calls of one render may make together: a loop in a loop of
/// 100 each still fits; nesting ranges deeper fails quickly instead of spinning.
pub(super) const MOST_PER_RENDER: u64 = 20_000;

thread_local! {
    /// What is left of the budget of the render running on this thread (Tera renders
    /// synchronously, start to end, on the thread that asked).
    static LEFT: Cell<u64> = const { Cell::new(MOST_PER_RENDER) };
}

/// A render starts: its ranges get the whole budget.
pub(super) fn new_render() {
    LEFT.with(|left| left.set(MOST_PER_RENDER));
}

/// `range(end=…, start=0, step_by=1)`, as Tera's own, up to `MOST_ITEMS` numbers.
pub(super) fn range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let int = |name: &str, default: Option<i64>| match args.get(name) {
        Some(v) => v
            .as_i64()
            .ok_or_else(|| Error::msg(format!("range: `{name}` must be a whole number"))),
        None => default.ok_or_else(|| Error::msg(format!("range: `{name}` is missing"))),
    };
    let (start, end, step) = (
        int("start", Some(0))?,
        int("end", None)?,
        int("step_by", Some(1))?,
    );
    if step <= 0 {
        return Err(Error::msg("range: `step_by` must be above 0"));
    }
    let count = (i128::from(end) - i128::from(start)).max(0) as u128;
    let count = count.div_ceil(step as u128);
    if count > u128::from(MOST_ITEMS) {
        return Err(Error::msg(format!(
            "range: {count} numbers is more than the {MOST_ITEMS} a template may make"
        )));
    }
    let left = LEFT.with(Cell::get);
    let count = count as u64;
    if count > left {
        return Err(Error::msg(format!(
            "range: the ranges of this message make more than {MOST_PER_RENDER} numbers (ranges nested in loops?)"
        )));
    }
    LEFT.with(|l| l.set(left - count));
    let numbers = (start..end).step_by(step as usize).map(Value::from);
    Ok(Value::Array(numbers.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(args: &[(&str, i64)]) -> tera::Result<Value> {
        let args = args
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        range(&args)
    }

    #[test]
    fn a_range_is_tera_s_up_to_its_bound() {
        assert_eq!(
            call(&[("end", 3)]).expect("ok"),
            serde_json::json!([0, 1, 2])
        );
        let stepped = call(&[("start", 2), ("end", 9), ("step_by", 3)]).expect("ok");
        assert_eq!(stepped, serde_json::json!([2, 5, 8]));
        assert_eq!(
            call(&[("end", 1_000)])
                .expect("ok")
                .as_array()
                .map(Vec::len),
            Some(1_000)
        );
        let huge = call(&[("end", 1_000_000_000)]).expect_err("bounded");
        assert!(huge.to_string().contains("more than the 1000"), "{huge}");
        assert!(call(&[("end", 5), ("step_by", 0)]).is_err());
        assert!(call(&[("start", i64::MIN), ("end", i64::MAX)]).is_err());
    }

    /// Ranges nested three deep would turn a billion times: the render's budget ends them
    /// after a few thousand numbers. Each render starts with the whole budget again.
    #[test]
    fn nested_ranges_share_one_budget_per_render() {
        use crate::domain::alert::{Alert, AlertKind};
        let dir = tempfile::tempdir().expect("tmp");
        let nested = "{% for i in range(end=1000) %}{% for j in range(end=1000) %}{% for k in range(end=1000) %}{% endfor %}{% endfor %}{% endfor %}x\n";
        std::fs::write(dir.path().join("issue.md.tera"), nested).expect("write");
        let fits =
            "{% for i in range(end=100) %}{% for j in range(end=100) %}.{% endfor %}{% endfor %}\n";
        std::fs::write(dir.path().join("comment.md.tera"), fits).expect("write");
        let lang = crate::domain::lang::Lang::Zh;
        let renderer = super::super::Renderer::load(Some(dir.path()), lang).expect("compiles");
        let env = super::super::Envelope::default();
        let nested = renderer.render_alert(&Alert::new(AlertKind::Issue, "created"), &env);
        let error = nested.expect_err("over the budget").to_string();
        assert!(error.contains("more than 20000 numbers"), "{error}");
        for _ in 0..3 {
            let comment = Alert::new(AlertKind::Comment, "created");
            renderer
                .render_alert(&comment, &env)
                .expect("100 × 100 fits, every time");
        }
    }

    /// The template line that aborted the relay: now an error like any other template's.
    #[test]
    fn a_template_asking_for_a_billion_numbers_fails_instead_of_aborting() {
        use crate::domain::alert::{Alert, AlertKind};
        let dir = tempfile::tempdir().expect("tmp");
        let looping = "### {{ alert.title }}\n{% for i in range(end=1000000000) %}{% endfor %}x\n";
        std::fs::write(dir.path().join("issue.md.tera"), looping).expect("write");
        let lang = crate::domain::lang::Lang::Zh;
        let renderer = super::super::Renderer::load(Some(dir.path()), lang).expect("compiles");
        let env = super::super::Envelope {
            at: Default::default(),
            keyword: None,
            msg_uuid: "u".into(),
            buttons: Vec::new(),
        };
        let rendered = renderer.render_alert(&Alert::new(AlertKind::Issue, "created"), &env);
        let error = rendered.expect_err("a template error").to_string();
        assert!(error.contains("more than the 1000"), "{error}");
    }
}
