//! No `${{ }}` expression inside any `run:` script, in every action and
//! workflow of this repository: values travel through `env:` only, so a PR
//! title or branch name can never become shell code.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use test_support::contract::workspace_root as root;

fn yaml_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["actions", ".github/workflows", "tests/act"] {
        collect(&root().join(dir), &mut files);
    }
    files
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

/// Every `run:` value anywhere in the document.
fn runs(doc: &Yaml, out: &mut Vec<String>) {
    match doc {
        Yaml::Hash(h) => {
            for (k, v) in h {
                if k.as_str() == Some("run") {
                    if let Some(s) = v.as_str() {
                        out.push(s.to_owned());
                    }
                }
                runs(v, out);
            }
        }
        Yaml::Array(a) => a.iter().for_each(|v| runs(v, out)),
        _ => {}
    }
}

#[test]
fn no_run_script_holds_an_expression() {
    let files = yaml_files();
    assert!(files.len() >= 5, "{files:?}");
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let mut scripts = Vec::new();
        docs.iter().for_each(|d| runs(d, &mut scripts));
        for s in scripts {
            assert!(
                !s.contains("${{"),
                "{}: expression inside run:\n{s}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} run: scripts found");
}

#[test]
fn the_check_catches_an_expression() {
    let doc = &YamlLoader::load_from_str(
        "steps:\n  - run: echo ${{ github.event.pull_request.title }}\n",
    )
    .unwrap()[0];
    let mut scripts = Vec::new();
    runs(doc, &mut scripts);
    assert!(scripts[0].contains("${{"));
}
