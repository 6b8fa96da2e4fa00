//! Where an event keeps its exception chain and its stack: `exception.values[]` (or the Sentry
//! 8/9 key `sentry.interfaces.Exception`), a top-level `stacktrace` (or
//! `sentry.interfaces.Stacktrace`), and `threads.values[]` (Ruby, native and mobile SDKs).

use super::json::{first_text, text};
use crate::domain::alert::{Exception, Frame};
use serde_json::Value;

/// Frames kept on the alert; rendering trims further when the message would be too long.
pub const MAX_FRAMES: usize = 10;
/// Links of a chain kept: the raised exception and its nearest causes.
pub const MAX_CHAIN: usize = 5;

/// The exception values, oldest (the root cause) first, as Sentry sends them.
fn exception_values(ev: &Value) -> &[Value] {
    ev.get("exception")
        .or_else(|| ev.get("sentry.interfaces.Exception"))
        .and_then(|e| e.get("values").or(Some(e)))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The chain as Sentry's issue page shows it: the raised exception first, then its causes.
pub fn exceptions(ev: &Value) -> Vec<Exception> {
    exception_values(ev)
        .iter()
        .rev()
        .filter(|e| e.is_object())
        .map(|e| Exception {
            ty: text(e, &["type"]),
            value: text(e, &["value"]),
            handled: e.pointer("/mechanism/handled").and_then(Value::as_bool),
            mechanism: text(e, &["mechanism", "type"]),
        })
        .filter(|e| e.ty.is_some() || e.value.is_some())
        .take(MAX_CHAIN)
        .collect()
}

/// The crash stack: the raised exception's, else the nearest cause's that has one, else the
/// event's own stacktrace, else the thread the exception names, the crashed or the current one.
pub fn frames(ev: &Value) -> Vec<Frame> {
    let values = exception_values(ev);
    let from_chain = values
        .iter()
        .rev()
        .filter_map(|e| e.pointer("/stacktrace/frames"))
        .find(|f| has_frames(Some(f)));
    let top_level = ev.pointer("/stacktrace/frames").or_else(|| {
        ev.get("sentry.interfaces.Stacktrace")
            .and_then(|s| s.get("frames"))
    });
    let raised_thread = values.last().and_then(|e| e.get("thread_id"));
    let stack = from_chain
        .or_else(|| top_level.filter(|f| has_frames(Some(f))))
        .or_else(|| thread_frames(ev, raised_thread));
    stack.map(read_frames).unwrap_or_default()
}

fn has_frames(v: Option<&Value>) -> bool {
    v.and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

fn thread_frames<'a>(ev: &'a Value, raised_in: Option<&Value>) -> Option<&'a Value> {
    let threads = ev
        .get("threads")
        .and_then(|t| t.get("values").or(Some(t)))
        .and_then(Value::as_array)?;
    let with_stack: Vec<&Value> = threads
        .iter()
        .filter(|t| has_frames(t.pointer("/stacktrace/frames")))
        .collect();
    let flag = |t: &&Value, key: &str| t.get(key).and_then(Value::as_bool) == Some(true);
    let chosen = with_stack
        .iter()
        .find(|t| raised_in.is_some() && t.get("id") == raised_in)
        .or_else(|| with_stack.iter().find(|t| flag(t, "crashed")))
        .or_else(|| with_stack.iter().find(|t| flag(t, "current")))
        .or_else(|| (with_stack.len() == 1).then(|| &with_stack[0]))?;
    chosen.pointer("/stacktrace/frames")
}

fn read_frames(list: &Value) -> Vec<Frame> {
    let Some(list) = list.as_array() else {
        return Vec::new();
    };
    // Sentry lists frames oldest first; the crashing one is last.
    let mut all: Vec<Frame> = list
        .iter()
        .rev()
        .filter(|f| f.is_object())
        .map(|f| Frame {
            file: first_text(f, &[&["filename"], &["abs_path"], &["module"]]),
            line: f.get("lineno").and_then(Value::as_u64),
            function: first_text(f, &[&["function"], &["raw_function"], &["symbol"]]),
            context: text(f, &["context_line"]).map(|c| c.trim().to_string()),
            in_app: f.get("in_app").and_then(Value::as_bool).unwrap_or(false),
            package: text(f, &["package"]).and_then(|p| basename(&p)),
            address: text(f, &["instruction_addr"]),
        })
        .collect();
    // Stable: in-app frames first, each group still crashing-first.
    all.sort_by_key(|f| !f.in_app);
    all.truncate(MAX_FRAMES);
    all
}

/// `/usr/lib/x86_64-linux-gnu/libc.so.6` → `libc.so.6`; Windows paths too.
fn basename(path: &str) -> Option<String> {
    path.rsplit(['/', '\\'])
        .next()
        .filter(|b| !b.trim().is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_java_chain_reads_raised_first_and_takes_the_stack_of_the_nearest_cause() {
        let ev = json!({"exception": {"values": [
            {"type": "java.io.IOException", "value": "Connection reset",
             "stacktrace": {"frames": [{"filename": "SocketInputStream.java", "lineno": 210}]}},
            {"type": "java.lang.RuntimeException", "value": "Failed to load rules"}]}});
        let chain = exceptions(&ev);
        let types: Vec<_> = chain.iter().map(|e| e.ty.as_deref()).collect();
        assert_eq!(
            types,
            [
                Some("java.lang.RuntimeException"),
                Some("java.io.IOException")
            ]
        );
        assert_eq!(
            frames(&ev)[0].file.as_deref(),
            Some("SocketInputStream.java")
        );
    }

    #[test]
    fn stacks_kept_in_threads_or_legacy_interfaces_are_found() {
        let thread = |id: u64, crashed: bool, file: &str| json!({"id": id, "crashed": crashed, "stacktrace": {"frames": [{"filename": file}]}});
        let ev = json!({"exception": {"values": [{"type": "NoMethodError"}]},
            "threads": {"values": [thread(1, false, "idle.rb"), thread(2, true, "order.rb")]}});
        assert_eq!(frames(&ev)[0].file.as_deref(), Some("order.rb"));
        let named = json!({"exception": {"values": [{"type": "E", "thread_id": 1}]},
            "threads": {"values": [thread(1, false, "idle.rb"), thread(2, true, "order.rb")]}});
        assert_eq!(frames(&named)[0].file.as_deref(), Some("idle.rb"));
        let legacy = json!({"sentry.interfaces.Stacktrace": {"frames": [{"filename": "views.py"}]},
            "sentry.interfaces.Exception": {"values": [{"type": "ValueError", "value": "bad"}]}});
        assert_eq!(frames(&legacy)[0].file.as_deref(), Some("views.py"));
        assert_eq!(exceptions(&legacy)[0].ty.as_deref(), Some("ValueError"));
    }

    #[test]
    fn native_frames_name_their_package_symbol_and_address() {
        let ev = json!({"stacktrace": {"frames": [
            {"package": "C:\\app\\worker.exe", "instruction_addr": "0x1400"},
            {"package": "/usr/lib/libc.so.6", "symbol": "__GI_raise", "instruction_addr": "0x7f00"}]}});
        let f = frames(&ev);
        assert_eq!(
            (f[0].package.as_deref(), f[0].function.as_deref()),
            (Some("libc.so.6"), Some("__GI_raise"))
        );
        assert_eq!(
            (f[1].package.as_deref(), f[1].address.as_deref()),
            (Some("worker.exe"), Some("0x1400"))
        );
        assert!(f.iter().all(|f| f.file.is_none()));
    }

    #[test]
    fn odd_shapes_give_nothing_rather_than_panic() {
        for ev in [
            json!({"exception": 5}),
            json!({"threads": {"values": [1, {"stacktrace": 2}]}}),
            json!({"exception": {"values": [null, "x", {"stacktrace": {"frames": "no"}}]}}),
        ] {
            assert!(frames(&ev).is_empty());
            assert!(exceptions(&ev).is_empty());
        }
    }
}
