//! The layering checker: reads a crate's `src/` as text, the way `../shared/tools/imports.py`
//! does, and reports cycles and imports against the order `lib.rs` states.
//!
//! - The order: the bulleted list after "Layers, bottom to top" in `lib.rs`'s crate doc. The
//!   modules of one layer are the ``[`name`]`` links that open its bullet, before the `:`.
//!   Modules of one layer may use each other, as long as that makes no cycle.
//! - The imports: every `crate::`, `self::` and `super::` path, in `use` lines (groups nested
//!   to any depth, `as` renames) and in code (`crate::x::y(..)`), outside `//` comments. A path
//!   maps to the longest prefix that names a file: `a/b.rs`, `a/b/mod.rs`, else `a.rs`, ….
//!   A glob (`use super::*`) names no file. Test modules count: a test that reaches upward
//!   couples the layers as much as code does. Inline modules are read as their file, so
//!   `super::` inside `mod tests { .. }` is the file's `super::`, as the shared tool reads it.

use crate::graph::cycles;
use regex_lite::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// What the check found; each one names the files involved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// Top-level modules that use each other in a circle.
    ModuleCycle(Vec<String>),
    /// Files that use each other in a circle (`config/file`, `config/card_robot`).
    FileCycle(Vec<String>),
    /// `from` (a file) uses `to` (a file) whose module is on a higher layer.
    Upward { from: String, to: String },
    /// A module under `src/` that no layer lists.
    Unlisted(String),
    /// A layer lists a module that `src/` does not have.
    Missing(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::ModuleCycle(c) => write!(f, "module cycle: {}", c.join(" ↔ ")),
            Problem::FileCycle(c) => write!(f, "file cycle: {}", c.join(" ↔ ")),
            Problem::Upward { from, to } => {
                write!(f, "{from} uses {to}, which is on a higher layer")
            }
            Problem::Unlisted(m) => write!(f, "module `{m}` is on no layer in lib.rs"),
            Problem::Missing(m) => write!(f, "lib.rs lists `{m}`, which src/ does not have"),
        }
    }
}

/// Every problem in the crate whose sources are in `src`, sorted; empty when the crate keeps
/// its order. `Err` when `lib.rs` states no order.
pub fn check(src: &Path) -> Result<Vec<Problem>, String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).map_err(|e| format!("lib.rs: {e}"))?;
    let layers = layers(&lib)?;
    let files = read_files(src)?;
    let file_edges = file_edges(&files);

    let mut problems = BTreeSet::new();
    for cycle in cycles(&file_edges) {
        problems.insert(Problem::FileCycle(cycle));
    }
    let mut module_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &file_edges {
        let from_module = top(from);
        module_edges.entry(from_module.clone()).or_default();
        for to in tos {
            let to_module = top(to);
            if to_module == from_module {
                continue;
            }
            module_edges
                .entry(from_module.clone())
                .or_default()
                .insert(to_module.clone());
            if let (Some(a), Some(b)) = (layers.get(&from_module), layers.get(&to_module))
                && b > a
            {
                problems.insert(Problem::Upward {
                    from: from.clone(),
                    to: to.clone(),
                });
            }
        }
    }
    for cycle in cycles(&module_edges) {
        problems.insert(Problem::ModuleCycle(cycle));
    }
    for module in module_edges.keys() {
        if !layers.contains_key(module) {
            problems.insert(Problem::Unlisted(module.clone()));
        }
    }
    for module in layers.keys() {
        if !module_edges.contains_key(module) {
            problems.insert(Problem::Missing(module.clone()));
        }
    }
    Ok(problems.into_iter().collect())
}

/// Each module `lib.rs` lists, with its layer's number (0 = bottom).
pub fn layers(lib: &str) -> Result<BTreeMap<String, usize>, String> {
    let doc: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("//!"))
        .map(str::trim)
        .collect();
    let start = doc
        .iter()
        .position(|l| l.contains("Layers, bottom to top"))
        .ok_or("lib.rs's crate doc has no \"Layers, bottom to top\" list")?;
    let link = Regex::new(r"^\[`([A-Za-z_][A-Za-z0-9_]*)`\](?:,\s*)?").expect("pattern");
    let mut out = BTreeMap::new();
    let mut layer = 0;
    // The list is the bullets after the heading; their continuation lines are indented.
    for line in doc[start + 1..].iter().skip_while(|l| !l.starts_with("- ")) {
        let Some(mut rest) = line.strip_prefix("- ") else {
            if line.is_empty() {
                break;
            }
            continue;
        };
        let before = out.len();
        while let Some(m) = link.captures(rest) {
            out.insert(m[1].to_string(), layer);
            rest = &rest[m[0].len()..];
        }
        if out.len() == before {
            return Err(format!("layer bullet names no module: `- {rest}`"));
        }
        layer += 1;
    }
    if out.is_empty() {
        return Err("the layer list in lib.rs is empty".into());
    }
    Ok(out)
}

/// `src`-relative module path (`["config", "file"]`) → the file's text without `//` comments.
fn read_files(src: &Path) -> Result<BTreeMap<Vec<String>, String>, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    let comment = Regex::new(r"//[^\n]*").expect("pattern");
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let module = module_of(src, &path);
                out.insert(module, comment.replace_all(&text, "").into_owned());
            }
        }
    }
    Ok(out)
}

fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// File (`config/file`) → the files it uses. `lib.rs` and `main.rs` are no node.
fn file_edges(files: &BTreeMap<Vec<String>, String>) -> BTreeMap<String, BTreeSet<String>> {
    let ident = "[A-Za-z_][A-Za-z0-9_]*";
    let inline = Regex::new(&format!(
        r"(?:^|[^A-Za-z0-9_:])(crate|self|super)((?:::super)*)::((?:{ident}::)*{ident})"
    ))
    .expect("pattern");
    let use_tree =
        Regex::new(r"\buse\s+(crate|self|super)((?:::super)*)::([^;]*);").expect("pattern");
    let mut edges = BTreeMap::new();
    for (me, text) in files {
        if me.is_empty() {
            continue;
        }
        let mut paths = Vec::new();
        for m in inline.captures_iter(text) {
            let mut p = base(me, &m[1], &m[2]);
            p.extend(m[3].split("::").map(String::from));
            paths.push(p);
        }
        for m in use_tree.captures_iter(text) {
            for tail in expand(&m[3]) {
                let mut p = base(me, &m[1], &m[2]);
                p.extend(tail);
                paths.push(p);
            }
        }
        let uses: &mut BTreeSet<String> = edges.entry(me.join("/")).or_default();
        for p in paths {
            if let Some(target) = resolve(files, &p)
                && !target.is_empty()
                && target != *me
            {
                uses.insert(target.join("/"));
            }
        }
    }
    edges
}

/// The module a path starting `root` (then `supers` more `::super`) is relative to.
fn base(me: &[String], root: &str, supers: &str) -> Vec<String> {
    if root == "crate" {
        return Vec::new();
    }
    let up = usize::from(root == "super") + supers.matches("super").count();
    me[..me.len().saturating_sub(up)].to_vec()
}

/// `a::{b, c::{d as e, *}, self}` → `[a, b]`, `[a, c, d]`, `[a]`; a glob names nothing.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let head = tree.split(" as ").next().unwrap_or("").trim();
        let segments: Vec<String> = head
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "self")
            .map(String::from)
            .collect();
        return match segments.last().map(String::as_str) {
            Some("*") | None => Vec::new(),
            Some(_) => vec![segments],
        };
    };
    let prefix: Vec<String> = tree[..open]
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let inner = tree[open + 1..]
        .trim_end()
        .strip_suffix('}')
        .unwrap_or(&tree[open + 1..]);
    let mut out = Vec::new();
    let (mut depth, mut from) = (0usize, 0);
    for (i, c) in inner.char_indices().chain([(inner.len(), ',')]) {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                let item = inner[from..i].trim();
                if item.split(" as ").next().map(str::trim) == Some("self") {
                    out.push(prefix.clone());
                }
                for tail in expand(item) {
                    out.push(prefix.iter().cloned().chain(tail).collect());
                }
                from = i + 1;
            }
            _ => {}
        }
    }
    out
}

/// The longest prefix of `path` that names a file.
fn resolve(files: &BTreeMap<Vec<String>, String>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|p| files.contains_key(p))
}

fn top(file: &str) -> String {
    file.split('/').next().unwrap_or(file).to_string()
}
