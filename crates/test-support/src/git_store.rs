//! A real git repository behind a fake repository.
//!
//! The API alone cannot carry a scenario that checks code out: a workflow
//! clones commits, and the gates read the same commits through the API. So a
//! fake repository can be backed by a bare git repository, GitHub's own
//! store: its commits and refs are read into the fake (`sync_git`), files
//! the contents API was not seeded with are read from it, refs created
//! through the API are written to it when they name its commits (a release
//! tag), and the fake makes what GitHub makes there: a pull request's
//! `refs/pull/N/head` and test merge commit `refs/pull/N/merge`, a merge
//! queue's branch, and a squash merge. Every branch or tag that moves is a
//! `push` event (see `events.rs`).
//!
//! Test-only: git runs from `PATH`, and a git failure in a method a test
//! calls panics with git's message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::events::{Actor, record};
use crate::state::{Commit, FileChange, Pull, RepoState};
use crate::{FakeGitHub, Reply, Shared, shapes};

/// A repository's git store and its merge queue.
#[derive(Debug, Clone, Default)]
pub struct GitStore {
    /// The bare repository, when one backs this repository.
    pub git_dir: Option<PathBuf>,
    /// Pull request number to its merge group, while queued.
    pub queue: BTreeMap<u64, MergeGroup>,
}

/// A pull request's entry in the merge queue: the commit GitHub tests (the
/// squash of the pull request onto its base) on its temporary branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeGroup {
    pub head_sha: String,
    /// `refs/heads/gh-readonly-queue/<base>/pr-<N>-<base sha>`.
    pub head_ref: String,
    pub base_sha: String,
    /// `refs/heads/<base>`.
    pub base_ref: String,
}

/// A pull request to open from a commit in the store.
#[derive(Debug, Clone)]
pub struct NewPull {
    pub number: u64,
    pub user: String,
    pub title: String,
    pub body: String,
    /// The head branch's name, as the pull request shows it.
    pub head_ref: String,
    pub head_sha: String,
    /// The base branch.
    pub base_ref: String,
    /// RFC 3339.
    pub created_at: String,
}

const ZERO: &str = "0000000000000000000000000000000000000000";

fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir").arg(dir).args(args);
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("git {args:?}: {e} (is git installed?)"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    } else {
        Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn git_bytes(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// One value of a query string.
pub(crate) fn query_value(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.replace("%2F", "/").replace("%2f", "/"))
}

/// A file or directory of the store at `git_ref` (default: the default
/// branch), in the contents API's shapes; `None` when the store lacks it.
pub(crate) fn contents(
    repo: &RepoState,
    base: &str,
    full: &str,
    path: &str,
    git_ref: Option<&str>,
) -> Option<Reply> {
    let dir = repo.store.git_dir.as_deref()?;
    let rev = git_ref.unwrap_or(&repo.default_branch);
    let commit = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
        &[],
    )
    .ok()?;
    let spec = format!("{commit}:{path}");
    match git(dir, &["cat-file", "-t", &spec], &[]).ok()?.as_str() {
        "blob" => {
            let bytes = git_bytes(dir, &["cat-file", "blob", &spec])?;
            let sha = git(dir, &["rev-parse", &spec], &[]).ok()?;
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            Some(Reply::json(
                200,
                shapes::content(base, full, path, &sha, &bytes, &encoded),
            ))
        }
        "tree" => {
            let listing = git(dir, &["ls-tree", &spec], &[]).ok()?;
            let entries: Vec<Value> = listing
                .lines()
                .filter_map(|l| {
                    let (meta, name) = l.split_once('\t')?;
                    let mut parts = meta.split(' ');
                    let (_, kind, sha) = (parts.next()?, parts.next()?, parts.next()?);
                    let p = if path.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{path}/{name}")
                    };
                    let mut v = shapes::content(base, full, &p, sha, &[], "");
                    if let Some(obj) = v.as_object_mut() {
                        obj.remove("content");
                        obj.remove("encoding");
                        obj.insert(
                            "type".into(),
                            json!(if kind == "tree" { "dir" } else { "file" }),
                        );
                    }
                    Some(v)
                })
                .collect();
            Some(Reply::json(200, Value::Array(entries)))
        }
        _ => None,
    }
}

/// Points `name` (`refs/tags/v1.0.0`) at `sha` in the store, when `sha`
/// (or the tag object it names) is one of the store's commits; deletes it
/// for the zero SHA.
pub(crate) fn write_ref(repo: &RepoState, name: &str, sha: &str) {
    let Some(dir) = repo.store.git_dir.as_deref() else {
        return;
    };
    if sha == ZERO {
        let _ = git(dir, &["update-ref", "-d", name], &[]);
        return;
    }
    let target = repo
        .tag_objects
        .get(sha)
        .map(|t| t.object.as_str())
        .unwrap_or(sha);
    if git(
        dir,
        &["cat-file", "-e", &format!("{target}^{{commit}}")],
        &[],
    )
    .is_ok()
    {
        let _ = git(dir, &["update-ref", name, target], &[]);
    }
}

/// A `push` webhook payload (without `repository` and `sender`).
pub(crate) fn push_payload(
    s: &Shared,
    base: &str,
    full: &str,
    name: &str,
    before: &str,
    after: &str,
) -> Value {
    let repo = s.repos.get(full);
    let commit = |sha: &str| -> Option<Value> {
        let c = repo?.commits.get(sha)?;
        let person = json!({"name": c.author, "email": format!("{}@users.noreply.github.invalid", c.author.replace(' ', ".")), "username": c.author.replace(' ', "-")});
        Some(json!({
            "id": c.sha, "distinct": true, "message": c.message,
            "timestamp": shapes::rfc3339(c.at),
            "url": format!("{base}/html/{full}/commit/{}", c.sha),
            "author": person, "committer": person, "added": [], "removed": [], "modified": []
        }))
    };
    // The commits the push added: first parents back to `before`, at most 20.
    let mut commits = Vec::new();
    let mut next = Some(after.to_owned()).filter(|s| s != ZERO);
    while let Some(sha) = next.take() {
        if sha == before || commits.len() == 20 {
            break;
        }
        let Some(c) = commit(&sha) else { break };
        commits.push(c);
        next = repo
            .and_then(|r| r.commits.get(&sha))
            .and_then(|c| c.parents.first().cloned());
    }
    commits.reverse();
    json!({
        "ref": name, "before": before, "after": after,
        "created": before == ZERO, "deleted": after == ZERO, "forced": false,
        "base_ref": Value::Null,
        "compare": format!("{base}/html/{full}/compare/{before}...{after}"),
        "head_commit": commit(after).unwrap_or(Value::Null),
        "commits": commits,
        "pusher": {"name": "github-actions[bot]"},
    })
}

/// The peeled commit a fake ref points at.
fn peeled(repo: &RepoState, name: &str) -> Option<String> {
    let (sha, kind) = repo.refs.get(name)?;
    Some(if kind == "tag" {
        repo.tag_objects
            .get(sha)
            .map(|t| t.object.clone())
            .unwrap_or_else(|| sha.clone())
    } else {
        sha.clone()
    })
}

impl FakeGitHub {
    fn git_dir(&self, full_name: &str) -> PathBuf {
        self.with_repo(full_name, |r| r.store.git_dir.clone())
            .unwrap_or_else(|| panic!("{full_name} has no git store: call attach_git first"))
    }

    /// Backs `full_name` with the bare repository `git_dir` and reads its
    /// commits and refs, as GitHub's state before anything happens: no
    /// event is recorded for them.
    pub fn attach_git(&self, full_name: &str, git_dir: &Path) {
        self.with_repo(full_name, |r| r.store.git_dir = Some(git_dir.to_owned()));
        // Fetching a commit by its id, as actions/checkout does.
        let _ = git(
            git_dir,
            &["config", "uploadpack.allowAnySHA1InWant", "true"],
            &[],
        );
        self.read_git(full_name, None);
    }

    /// Reads the store's new commits and moved refs after something wrote
    /// to it (a push); each branch or tag that moved is a `push` event by
    /// `pusher`.
    pub fn sync_git(&self, full_name: &str, pusher: &str) {
        self.read_git(full_name, Some(&Actor::Person(pusher.to_owned())));
    }

    fn read_git(&self, full_name: &str, pusher: Option<&Actor>) {
        let dir = self.git_dir(full_name);
        let run = |args: &[&str]| {
            git(&dir, args, &[]).unwrap_or_else(|e| panic!("reading the git store: {e}"))
        };
        let log = run(&[
            "log",
            "--all",
            "--topo-order",
            "--reverse",
            "--format=%H%x1f%P%x1f%an%x1f%B%x1e",
        ]);
        let refs = run(&[
            "for-each-ref",
            "--format=%(refname)%1f%(objectname)%1f%(*objectname)",
        ]);
        let mut s = self.lock();
        for record in log.split('\x1e') {
            let mut f = record.trim_start_matches('\n').splitn(4, '\x1f');
            let (Some(sha), Some(parents), Some(author), Some(message)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let known = s
                .repos
                .get(full_name)
                .is_some_and(|r| r.commits.contains_key(sha));
            if known {
                continue;
            }
            let at = s.tick();
            if let Some(r) = s.repos.get_mut(full_name) {
                r.commits.insert(
                    sha.to_owned(),
                    Commit {
                        sha: sha.to_owned(),
                        message: message.trim_end().to_owned(),
                        parents: parents.split_whitespace().map(str::to_owned).collect(),
                        author: author.to_owned(),
                        at,
                    },
                );
            }
        }
        let base = self.base_url.clone();
        for line in refs.lines() {
            let mut f = line.split('\x1f');
            let (Some(name), Some(object), Some(target)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let sha = if target.is_empty() { object } else { target };
            let Some(short) = name.strip_prefix("refs/") else {
                continue;
            };
            let Some(repo) = s.repos.get_mut(full_name) else {
                return;
            };
            let old = peeled(repo, short);
            if old.as_deref() == Some(sha) {
                continue;
            }
            repo.refs
                .insert(short.to_owned(), (sha.to_owned(), "commit".to_owned()));
            let branch_or_tag = short.starts_with("heads/") || short.starts_with("tags/");
            if let (Some(actor), true) = (pusher, branch_or_tag) {
                let before = old.unwrap_or_else(|| ZERO.to_owned());
                let mut payload = push_payload(&s, &base, full_name, name, &before, sha);
                if let Actor::Person(login) = actor {
                    payload["pusher"] = json!({"name": login});
                }
                record(&mut s, &base, full_name, "push", payload, actor);
            }
        }
    }

    /// A pull request as the API and webhook payloads show it.
    pub fn pull_json(&self, full_name: &str, number: u64) -> Option<Value> {
        self.with_repo(full_name, |r| {
            r.pulls
                .get(&number)
                .map(|p| shapes::pull(&self.base_url, full_name, &r.default_branch, p))
        })
    }

    /// The repository as webhook payloads show it.
    pub fn repository_json(&self, full_name: &str) -> Value {
        self.with_repo(full_name, |r| {
            shapes::repo(&self.base_url, full_name, &r.default_branch)
        })
    }

    /// Opens a pull request from a commit in the store: its files and
    /// patches from git, `refs/pull/N/head`, and the test merge commit
    /// `refs/pull/N/merge` that `pull_request` runs check out.
    pub fn open_pull(&self, full_name: &str, new: &NewPull) -> Pull {
        let dir = self.git_dir(full_name);
        let run = |args: &[&str]| git(&dir, args, &[]).unwrap_or_else(|e| panic!("{e}"));
        let base_sha = run(&["rev-parse", &format!("refs/heads/{}", new.base_ref)]);
        let range = format!("{base_sha}...{}", new.head_sha);
        let mut files = Vec::new();
        for line in run(&["diff", "--numstat", "--no-renames", &range]).lines() {
            let mut f = line.splitn(3, '\t');
            let (Some(add), Some(del), Some(path)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let patch = run(&["diff", "--no-renames", &range, "--", path]);
            let status = if patch.contains("\nnew file mode") {
                "added"
            } else if patch.contains("\ndeleted file mode") {
                "removed"
            } else {
                "modified"
            };
            let mut change =
                FileChange::modified(path, add.parse().unwrap_or(0), del.parse().unwrap_or(0));
            change.status = status.to_owned();
            change.patch = patch.find("@@").map(|at| patch[at..].to_owned());
            files.push(change);
        }
        let merge = merge_commit(&dir, &base_sha, &new.head_sha, &new.user, None)
            .unwrap_or_else(|e| panic!("pull request #{}: {e}", new.number));
        run(&[
            "update-ref",
            &format!("refs/pull/{}/head", new.number),
            &new.head_sha,
        ]);
        run(&[
            "update-ref",
            &format!("refs/pull/{}/merge", new.number),
            &merge,
        ]);
        let mut pull = Pull::new(new.number, &new.user);
        pull.title = new.title.clone();
        pull.body = Some(new.body.clone());
        pull.head_ref = new.head_ref.clone();
        pull.head_sha = new.head_sha.clone();
        pull.base_ref = new.base_ref.clone();
        pull.base_sha = base_sha;
        pull.created_at = new.created_at.clone();
        pull.files = files;
        self.add_pull(full_name, pull.clone());
        self.read_git(full_name, None);
        pull
    }

    /// Adds a pull request to the merge queue: GitHub squashes it onto its
    /// base's tip on a `gh-readonly-queue/...` branch, the commit the
    /// `merge_group` run tests.
    pub fn enqueue(&self, full_name: &str, number: u64) -> MergeGroup {
        let dir = self.git_dir(full_name);
        let pull = self
            .with_repo(full_name, |r| r.pulls.get(&number).cloned())
            .unwrap_or_else(|| panic!("no pull request #{number} in {full_name}"));
        let base_sha = git(
            &dir,
            &["rev-parse", &format!("refs/heads/{}", pull.base_ref)],
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let head_sha = squash_commit(&dir, &pull, &base_sha)
            .unwrap_or_else(|e| panic!("pull request #{number} cannot join the queue: {e}"));
        let group = MergeGroup {
            head_ref: format!(
                "refs/heads/gh-readonly-queue/{}/pr-{number}-{base_sha}",
                pull.base_ref
            ),
            head_sha,
            base_sha,
            base_ref: format!("refs/heads/{}", pull.base_ref),
        };
        git(&dir, &["update-ref", &group.head_ref, &group.head_sha], &[])
            .unwrap_or_else(|e| panic!("{e}"));
        self.with_repo(full_name, |r| {
            r.store.queue.insert(number, group.clone());
        });
        self.sync_git(full_name, "github-merge-queue[bot]");
        group
    }

    /// Squash-merges a pull request into its base branch, by `merger`: the
    /// merge queue's tested commit when the pull request is queued and its
    /// base has not moved, else a new squash commit. The base branch moves
    /// (a `push`), and the pull request is closed as merged. Returns the
    /// new commit; an error when the change no longer applies.
    pub fn squash_merge(
        &self,
        full_name: &str,
        number: u64,
        merger: &str,
    ) -> Result<String, String> {
        let dir = self.git_dir(full_name);
        let (pull, queued) = self.with_repo(full_name, |r| {
            (r.pulls.get(&number).cloned(), r.store.queue.remove(&number))
        });
        let pull = pull.ok_or_else(|| format!("no pull request #{number}"))?;
        if pull.state != "open" {
            return Err(format!("pull request #{number} is {}", pull.state));
        }
        let branch = format!("refs/heads/{}", pull.base_ref);
        let tip = git(&dir, &["rev-parse", &branch], &[])?;
        let commit = match &queued {
            Some(g) if g.base_sha == tip => g.head_sha.clone(),
            _ => squash_commit(&dir, &pull, &tip)?,
        };
        git(&dir, &["update-ref", &branch, &commit, &tip], &[])?;
        if let Some(g) = &queued {
            git(&dir, &["update-ref", "-d", &g.head_ref], &[])?;
        }
        let at = self.lock().tick();
        self.with_repo(full_name, |r| {
            if let Some(p) = r.pulls.get_mut(&number) {
                p.state = "closed".to_owned();
                p.merged_at = Some(shapes::rfc3339(at));
            }
            if let Some(g) = &queued {
                r.refs.remove(g.head_ref.trim_start_matches("refs/"));
            }
        });
        self.sync_git(full_name, merger);
        Ok(commit)
    }
}

/// The tree of `head` merged into `base`, with git's merge.
fn merged_tree(dir: &Path, base: &str, head: &str) -> Result<String, String> {
    let out = git(
        dir,
        &["merge-tree", "--write-tree", "--no-messages", base, head],
        &[],
    )
    .map_err(|_| format!("{head} does not merge cleanly into {base}"))?;
    Ok(out.lines().next().unwrap_or_default().to_owned())
}

fn identity(author: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GIT_AUTHOR_NAME", author.to_owned()),
        (
            "GIT_AUTHOR_EMAIL",
            format!("{author}@users.noreply.github.invalid"),
        ),
        ("GIT_COMMITTER_NAME", "GitHub".to_owned()),
        ("GIT_COMMITTER_EMAIL", "noreply@github.invalid".to_owned()),
    ]
}

/// The test merge commit of `head` into `base` (two parents).
fn merge_commit(
    dir: &Path,
    base: &str,
    head: &str,
    author: &str,
    message: Option<&str>,
) -> Result<String, String> {
    let tree = merged_tree(dir, base, head)?;
    let message = message.map_or_else(|| format!("Merge {head} into {base}"), str::to_owned);
    let env = identity(author);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    git(
        dir,
        &["commit-tree", &tree, "-p", base, "-p", head, "-m", &message],
        &env,
    )
}

/// The squash of a pull request onto `onto`: one parent, GitHub's message
/// (the title and number, then the squashed commits' messages).
fn squash_commit(dir: &Path, pull: &Pull, onto: &str) -> Result<String, String> {
    let tree = merged_tree(dir, onto, &pull.head_sha)?;
    let range = format!("{}..{}", pull.base_sha, pull.head_sha);
    let messages = git(dir, &["log", "--reverse", "--format=%B%x1e", &range], &[])?;
    let messages: Vec<&str> = messages
        .split('\x1e')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    let body = match messages.as_slice() {
        [one] => one
            .split_once('\n')
            .map(|(_, b)| b.trim())
            .unwrap_or("")
            .to_owned(),
        many => many
            .iter()
            .map(|m| format!("* {m}"))
            .collect::<Vec<_>>()
            .join("\n\n"),
    };
    let mut message = format!("{} (#{})", pull.title, pull.number);
    if !body.is_empty() {
        message.push_str("\n\n");
        message.push_str(&body);
    }
    let env = identity(&pull.user);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    git(
        dir,
        &["commit-tree", &tree, "-p", onto, "-m", &message],
        &env,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded_for_slashes() {
        assert_eq!(
            query_value("ref=refs%2Fheads%2Fmain&x=1", "ref").as_deref(),
            Some("refs/heads/main")
        );
        assert_eq!(query_value("x=1", "ref"), None);
    }
}
