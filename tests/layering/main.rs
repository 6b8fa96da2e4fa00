//! `cargo nextest run layering`: the crate keeps the order of layers that `lib.rs` states — no
//! module or file cycle, no import that runs up — read from the sources as text, so the test
//! builds nothing but itself. The other tests check the checker on small crates written to a
//! temporary folder.

mod check;
mod graph;

use check::{Problem, check};
use std::path::Path;

/// Circles a later change is to end. Listed so the test holds the rest of the crate meanwhile;
/// it fails once a circle here is gone, so the list shrinks. None is left.
const KNOWN_FILE_CYCLES: &[&[&str]] = &[];

#[test]
fn layering() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&src).expect("lib.rs states the layers");
    let known = |p: &Problem| matches!(p, Problem::FileCycle(c) if KNOWN_FILE_CYCLES.iter().any(|k| c == k));
    let new: Vec<String> = problems
        .iter()
        .filter(|p| !known(p))
        .map(|p| p.to_string())
        .collect();
    assert!(
        new.is_empty(),
        "against lib.rs's layers:\n{}",
        new.join("\n")
    );
    for k in KNOWN_FILE_CYCLES {
        assert!(
            problems
                .iter()
                .any(|p| known(p) && matches!(p, Problem::FileCycle(c) if c == k)),
            "{} no longer form a circle: take them off KNOWN_FILE_CYCLES",
            k.join(" ↔ ")
        );
    }
}

/// A crate of three layers — `base`, then `mid` (a folder with two files), then `top` — that
/// keeps its order; `edit` then changes or adds files.
fn tree(edit: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = "//! A test crate.\n//!\n//! Layers, bottom to top:\n\
               //! - [`base`], [`util`]: no I/O.\n//! - [`mid`]: uses the base,\n\
               //!   and this line continues its bullet.\n//! - [`top`]: wiring.\n\n\
               pub mod base;\npub mod mid;\npub mod top;\npub mod util;\n";
    let files = [
        ("lib.rs", lib),
        ("base.rs", "pub fn one() -> u8 { 1 }\n"),
        ("util.rs", "use crate::base::one;\n"),
        ("mid/mod.rs", "pub mod parse;\npub mod read;\n"),
        ("mid/parse.rs", "use super::read::raw;\npub fn parse() {}\n"),
        ("mid/read.rs", "pub fn raw() -> u8 { crate::base::one() }\n"),
        (
            "top.rs",
            "use crate::{base, mid::{parse::parse, read::raw as r}};\n\
             // crate::top is only a comment\n",
        ),
    ];
    for (name, text) in files.iter().chain(edit) {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn problems(edit: &[(&str, &str)]) -> Vec<Problem> {
    check(tree(edit).path()).expect("checked")
}

#[test]
fn layering_check_passes_a_crate_that_keeps_its_order() {
    assert_eq!(problems(&[]), Vec::<Problem>::new());
}

#[test]
fn layering_check_reports_an_upward_import_in_use_lines_groups_and_code() {
    // `util` is on the bottom layer, `mid/read` above it (and `mid/read` uses `base`, not `util`).
    for util in [
        "use crate::mid::read::raw;\n",
        "use crate::{base, mid::{read::{self as rd, raw as r}}};\n",
        "pub fn two() -> u8 { crate::mid::read::raw() + 1 }\n",
        "#[cfg(test)]\nmod tests {\n    use crate::mid::read::raw;\n}\n",
    ] {
        assert_eq!(
            problems(&[("util.rs", util)]),
            vec![Problem::Upward {
                from: "util".into(),
                to: "mid/read".into()
            }],
            "{util}"
        );
    }
    // `top` uses `mid`, so this also closes a circle between the two modules.
    assert_eq!(
        problems(&[("mid/extra.rs", "use super::super::top;\n")]),
        vec![
            Problem::ModuleCycle(vec!["mid".into(), "top".into()]),
            Problem::Upward {
                from: "mid/extra".into(),
                to: "top".into()
            }
        ]
    );
}

#[test]
fn layering_check_reports_file_and_module_cycles() {
    assert_eq!(
        problems(&[("mid/read.rs", "use super::parse::parse;\n")]),
        vec![Problem::FileCycle(vec![
            "mid/parse".into(),
            "mid/read".into()
        ])]
    );
    // One layer may use itself, but not in a circle.
    assert_eq!(
        problems(&[("base.rs", "use self::super::util;\n")]),
        vec![
            Problem::ModuleCycle(vec!["base".into(), "util".into()]),
            Problem::FileCycle(vec!["base".into(), "util".into()]),
        ]
    );
}

#[test]
fn layering_check_reads_only_real_paths() {
    let ignored = "// use crate::top;\n/// crate::top::x in a doc\nuse super::*;\n\
                   const S: &str = \"no path\";\nuse std::fmt::Debug;\n";
    assert_eq!(problems(&[("base.rs", ignored)]), Vec::<Problem>::new());
}

#[test]
fn layering_check_wants_every_module_on_a_layer() {
    assert_eq!(
        problems(&[("extra.rs", "use crate::base;\n")]),
        vec![Problem::Unlisted("extra".into())]
    );
    let lib = "//! Layers, bottom to top:\n//! - [`base`], [`util`]: x\n//! - [`gone`]: y\n\
               //! - [`mid`]: z\n//! - [`top`]: w\n";
    assert_eq!(
        problems(&[("lib.rs", lib)]),
        vec![Problem::Missing("gone".into())]
    );
    let dir = tree(&[("lib.rs", "//! No list.\n")]);
    assert!(check(dir.path()).is_err());
}
