//! Tera's `range`, bounded. Templates are the operator's, but one line of them must not take
//! the relay down: `range(end=1000000000)` made Tera allocate 32 GB and the process abort —
//! again after each restart, as the queued alert was rendered again — while webhooks were
//! refused. A range longer than [`MOST_ITEMS`] is a template error, which the relay answers
//! like any other (`check` names it; at send time the title-and-link fallback goes out).

use std::collections::HashMap;
use tera::{Error, Value};

/// Far more than a message shows; small enough that ranges nested twice stay quick.
pub(super) const MOST_ITEMS: u64 = 1_000;

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
