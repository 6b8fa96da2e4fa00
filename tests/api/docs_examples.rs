//! Every configuration example in the README and the docs is one the relay takes: each
//! ```toml block loads on its own, or with the blocks before it on its page (a page builds its
//! example up). A block that is only part of one (```toml fragment) is left out; its page
//! says where the rest is.

use sentry_dingtalk::Settings;
use std::path::{Path, PathBuf};

/// The ```toml blocks of a page that are whole: (line of the fence, text).
fn toml_blocks(page: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, line) in page.lines().enumerate() {
        match (&mut open, line.trim()) {
            (None, "```toml") => open = Some((i + 1, String::new())),
            (Some(_), "```") => blocks.extend(open.take()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Loads `toml` as the configuration file, every `${VAR}` it names set to a plausible value.
fn load(toml: &str, dir: &Path) -> Result<Settings, String> {
    let path = dir.join("sentry-dingtalk.toml");
    std::fs::write(&path, toml).expect("write");
    let vars = regex_lite::Regex::new(r"\$\{([A-Za-z0-9_]+)\}").expect("re");
    let named: Vec<String> = vars.captures_iter(toml).map(|c| c[1].to_owned()).collect();
    let file = path.to_string_lossy().to_string();
    Settings::from_lookup(|k| {
        if k == "CONFIG_FILE" {
            return Some(file.clone());
        }
        let k = named.iter().find(|n| n.as_str() == k)?;
        Some(if k.contains("URL") {
            "https://oapi.dingtalk.com/robot/send?access_token=abc123".into()
        } else if k.contains("ROBOT_SECRET") {
            "SECabc1234567890abcdef".into()
        } else {
            format!("value-of-{k}")
        })
    })
    .map_err(|e| e.to_string())
}

fn pages() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md"), root.join("README.zh.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

#[test]
fn every_toml_example_in_the_readme_and_the_docs_loads() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut failures, mut checked) = (Vec::new(), 0);
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        let mut before = String::new();
        for (line, block) in toml_blocks(&text) {
            checked += 1;
            let alone = load(&block, dir.path());
            if alone.is_err()
                && let Err(e) = load(&format!("{before}\n{block}"), dir.path())
            {
                failures.push(format!("{}:{line}: {e}", page.display()));
            }
            before.push_str(&block);
        }
    }
    assert!(checked >= 15, "only {checked} blocks found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
