//! The workflows of a commit, and which of them an event starts: the part
//! of GitHub's event router that reads `on:`.

use std::path::Path;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// One job: what the router needs to play GitHub around it.
#[derive(Debug, Clone)]
pub(crate) struct JobSpec {
    pub(crate) id: String,
    /// `name:`, else the id.
    pub(crate) name: String,
    /// `environment:` (a name, or `{name: ...}`).
    pub(crate) environment: Option<String>,
    pub(crate) needs: Vec<String>,
}

/// One workflow file at a commit.
#[derive(Debug, Clone)]
pub(crate) struct Workflow {
    /// The file name under `.github/workflows/`.
    pub(crate) file: String,
    pub(crate) name: String,
    on: Yaml,
    pub(crate) jobs: Vec<JobSpec>,
}

fn git(store: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn str_of(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(a) => a.iter().filter_map(str_of).collect(),
        other => str_of(other).into_iter().collect(),
    }
}

/// The workflow files of `.github/workflows/` at `commit` in the store.
pub(crate) fn at_commit(store: &Path, commit: &str) -> Vec<Workflow> {
    let names = git(
        store,
        &["ls-tree", "--name-only", commit, ".github/workflows/"],
    );
    names
        .lines()
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .map(|path| {
            let text = git(store, &["show", &format!("{commit}:{path}")]);
            parse(path.rsplit('/').next().unwrap(), &text)
        })
        .collect()
}

pub(crate) fn parse(file: &str, text: &str) -> Workflow {
    let doc = YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .remove(0);
    let jobs = doc["jobs"]
        .as_hash()
        .map(|h| {
            h.iter()
                .map(|(id, job)| {
                    let id = str_of(id).unwrap();
                    let environment = match &job["environment"] {
                        Yaml::Hash(_) => str_of(&job["environment"]["name"]),
                        other => str_of(other),
                    };
                    JobSpec {
                        name: str_of(&job["name"]).unwrap_or_else(|| id.clone()),
                        id,
                        environment,
                        needs: list(&job["needs"]),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Workflow {
        file: file.to_owned(),
        name: str_of(&doc["name"]).unwrap_or_else(|| file.to_owned()),
        on: doc["on"].clone(),
        jobs,
    }
}

/// A branch or tag filter: exact names, `*` within a segment, `**` across.
fn matches_filter(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p {
            [] => n.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=n.len()).any(|i| go(rest, &n[i..])),
            [b'*', rest @ ..] => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != b'/')
                .any(|i| go(rest, &n[i..])),
            [c, rest @ ..] => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

fn filtered(trigger: &Yaml, key: &str, name: &str) -> Option<bool> {
    let patterns = list(&trigger[key]);
    let ignore = list(&trigger[format!("{key}-ignore").as_str()]);
    if !patterns.is_empty() {
        Some(patterns.iter().any(|p| matches_filter(p, name)))
    } else if !ignore.is_empty() {
        Some(!ignore.iter().any(|p| matches_filter(p, name)))
    } else {
        None
    }
}

impl Workflow {
    /// The trigger for `event`, when `on:` names it (`Yaml::Null` for a
    /// bare name).
    fn trigger(&self, event: &str) -> Option<Yaml> {
        match &self.on {
            Yaml::String(s) if s == event => Some(Yaml::Null),
            Yaml::Array(a) if a.iter().any(|e| str_of(e).as_deref() == Some(event)) => {
                Some(Yaml::Null)
            }
            Yaml::Hash(h) => h
                .iter()
                .find(|(k, _)| str_of(k).as_deref() == Some(event))
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// Whether GitHub starts this workflow for `event` with `payload`, by
    /// its `on:` (event, activity types, branch and tag filters).
    pub(crate) fn listens(&self, event: &str, payload: &Value) -> bool {
        let Some(t) = self.trigger(event) else {
            return false;
        };
        let types = |default: &[&str]| {
            let given = list(&t["types"]);
            let action = payload["action"].as_str().unwrap_or_default();
            if given.is_empty() {
                default.contains(&action)
            } else {
                given.iter().any(|g| g == action)
            }
        };
        match event {
            "push" => {
                let r = payload["ref"].as_str().unwrap_or_default();
                let (branch, tag) = (r.strip_prefix("refs/heads/"), r.strip_prefix("refs/tags/"));
                let by_branch = branch.and_then(|b| filtered(&t, "branches", b));
                let by_tag = tag.and_then(|b| filtered(&t, "tags", b));
                let has = |k: &str| {
                    !list(&t[k]).is_empty() || !list(&t[format!("{k}-ignore").as_str()]).is_empty()
                };
                match (branch, tag) {
                    (Some(_), _) => by_branch.unwrap_or(!has("tags")),
                    (_, Some(_)) => by_tag.unwrap_or(!has("branches")),
                    _ => false,
                }
            }
            "pull_request" => {
                let base = payload["pull_request"]["base"]["ref"]
                    .as_str()
                    .unwrap_or_default();
                types(&["opened", "synchronize", "reopened"])
                    && filtered(&t, "branches", base).unwrap_or(true)
            }
            "merge_group" => types(&["checks_requested"]),
            "workflow_dispatch" => {
                payload["workflow"].as_str() == Some(&format!(".github/workflows/{}", self.file))
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters() {
        assert!(matches_filter("main", "main"));
        assert!(!matches_filter("main", "main2"));
        assert!(matches_filter("release/*", "release/1"));
        assert!(!matches_filter("release/*", "release/1/2"));
        assert!(matches_filter("release/**", "release/1/2"));
        let w = parse(
            "w.yml",
            "on:\n  push:\n    branches: [main]\n  pull_request:\n    types: [edited]\n  workflow_dispatch:\njobs: {}\n",
        );
        assert!(w.listens("push", &json!({"ref": "refs/heads/main"})));
        assert!(!w.listens("push", &json!({"ref": "refs/heads/x"})));
        assert!(!w.listens("push", &json!({"ref": "refs/tags/v1"})));
        assert!(w.listens("pull_request", &json!({"action": "edited"})));
        assert!(!w.listens("pull_request", &json!({"action": "opened"})));
        assert!(w.listens(
            "workflow_dispatch",
            &json!({"workflow": ".github/workflows/w.yml"})
        ));
        assert!(!w.listens("deployment_status", &json!({})));
    }
}
