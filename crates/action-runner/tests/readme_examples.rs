//! The workflows the README shows are what users copy, so they are held to
//! the same rules as our own: every YAML block is a whole workflow, every
//! `uses:` is pinned to a commit SHA with its version in a comment, no
//! `${{ }}` sits inside a `run:` script, top-level permissions are `{}`,
//! and zizmor and actionlint find nothing in them.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use action_runner::lint_workflows;
use yaml_rust2::{Yaml, YamlLoader};

fn readme() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(path).unwrap()
}

/// The ```yaml blocks of a Markdown text, with the line each starts on.
fn yaml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml") => {
                current = Some((i + 2, String::new()));
            }
            Some(_) if line.trim_start().starts_with("```") => {
                blocks.extend(current.take());
            }
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// Every `uses:` value, with the rest of its line (the version comment).
fn uses_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            let rest = t.strip_prefix("uses:")?.trim();
            let (value, comment) = rest.split_once('#').unwrap_or((rest, ""));
            Some((value.trim().to_owned(), comment.trim().to_owned()))
        })
        .collect()
}

fn runs(doc: &Yaml, out: &mut Vec<String>) {
    match doc {
        Yaml::Hash(h) => {
            for (k, v) in h {
                if k.as_str() == Some("run") {
                    out.extend(v.as_str().map(str::to_owned));
                }
                runs(v, out);
            }
        }
        Yaml::Array(a) => a.iter().for_each(|v| runs(v, out)),
        _ => {}
    }
}

/// What is wrong with one block, short of the linters.
fn problems(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let docs = match YamlLoader::load_from_str(text) {
        Ok(d) => d,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let doc = &docs[0];
    if doc["on"].is_badvalue() || doc["jobs"].is_badvalue() {
        found.push("not a whole workflow (needs on: and jobs:)".to_owned());
    }
    if doc["permissions"].as_hash().is_none_or(|h| !h.is_empty()) {
        found.push("top-level permissions are not {}".to_owned());
    }
    for (value, comment) in uses_lines(text) {
        if value.starts_with("./") {
            continue;
        }
        let pinned = value.rsplit_once('@').is_some_and(|(_, r)| {
            r.len() == 40
                && r.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        });
        if !pinned {
            found.push(format!("{value}: not pinned to a commit SHA"));
        } else if !comment.starts_with('v') {
            found.push(format!("{value}: no `# vX.Y.Z` comment naming the version"));
        }
    }
    let mut scripts = Vec::new();
    runs(doc, &mut scripts);
    for s in scripts {
        if s.contains("${{") {
            found.push(format!("expression inside run: {s:?}"));
        }
    }
    found
}

// Regression (#12.7, security review): the README's examples used `@v1`; zizmor found 7 high
// findings.
#[test]
fn every_readme_workflow_is_pinned_and_lints_clean() {
    let blocks = yaml_blocks(&readme());
    assert!(blocks.len() >= 4, "only {} YAML blocks found", blocks.len());
    let dir = tempfile::tempdir().unwrap();
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let mut files = Vec::new();
    let mut all_problems = Vec::new();
    for (line, text) in &blocks {
        for p in problems(text) {
            all_problems.push(format!("README.md block at line {line}: {p}"));
        }
        let file = workflows.join(format!("readme-line-{line}.yml"));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    assert!(all_problems.is_empty(), "{}", all_problems.join("\n"));

    lint_workflows(&files).assert_clean("the README's workflows");
}

#[test]
fn the_checks_catch_what_they_should() {
    let bad = "name: x\non: push\npermissions: write-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: trunkline/trunkline/actions/pr-size-gate@0123456789abcdef0123456789abcdef01234567\n      - run: echo ${{ github.event.pull_request.title }}\n";
    let p = problems(bad);
    assert_eq!(p.len(), 4, "{p:?}");
    assert!(p[0].contains("permissions"));
    assert!(p[1].contains("actions/checkout@v4: not pinned"));
    assert!(p[2].contains("no `# vX.Y.Z` comment"));
    assert!(p[3].contains("expression inside run"));
    assert_eq!(
        yaml_blocks("a\n```yaml\nx: 1\n```\n```\nnot yaml\n```\n"),
        vec![(3, "x: 1\n".to_owned())]
    );
}
