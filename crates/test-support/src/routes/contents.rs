//! The contents API: a file and a directory's entries at a ref (how the
//! gates read policy, templates and `.gitattributes` at the base), and
//! creating or updating a file (a commit on the branch). A file not seeded here is read after routing from the
//! repository's git store, if it has one: `git_store.rs`.

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Call, blob_sha, opt_str, query_map, str_or};
use crate::state::{ContentFile, RepoState};
use crate::{Reply, shapes};

/// `/repos/{owner}/{repo}/contents/{path}`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, _, now) = call.parts();
    match (req.method.as_str(), rest) {
        ("GET", ["contents", path @ ..]) => {
            let path = path.join("/");
            let q = query_map(&req.query);
            let branch = q
                .get("ref")
                .cloned()
                .unwrap_or_else(|| repo.default_branch.clone());
            if let Some(f) = repo.contents.get(&(branch.clone(), path.clone())) {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&f.bytes);
                return Reply::json(
                    200,
                    shapes::content(base, r, &path, &f.sha, &f.bytes, &encoded),
                );
            }
            // A directory: its direct entries, without content, as GitHub lists them.
            let prefix = if path.is_empty() {
                String::new()
            } else {
                format!("{path}/")
            };
            let entries: Vec<Value> = repo
                .contents
                .iter()
                .filter(|((b, p), _)| {
                    *b == branch && p.starts_with(&prefix) && !p[prefix.len()..].contains('/')
                })
                .map(|((_, p), f)| {
                    let mut v = shapes::content(base, r, p, &f.sha, &f.bytes, "");
                    if let Some(obj) = v.as_object_mut() {
                        obj.remove("content");
                        obj.remove("encoding");
                    }
                    v
                })
                .collect();
            if entries.is_empty() {
                Reply::error(404, "Not Found")
            } else {
                Reply::json(200, Value::Array(entries))
            }
        }
        ("PUT", ["contents", path @ ..]) => {
            let path = path.join("/");
            let branch = opt_str(body, "branch").unwrap_or_else(|| repo.default_branch.clone());
            let Some(encoded) = body.get("content").and_then(Value::as_str) else {
                return Reply::error(422, "Invalid request: content is required");
            };
            let Ok(bytes) =
                base64::engine::general_purpose::STANDARD.decode(encoded.replace('\n', ""))
            else {
                return Reply::error(422, "Invalid request: content is not valid Base64");
            };
            let key = (branch.clone(), path.clone());
            let given_sha = body.get("sha").and_then(Value::as_str);
            let status = match (repo.contents.get(&key), given_sha) {
                (Some(_), None) => {
                    return Reply::error(422, "Invalid request. \"sha\" wasn't supplied.");
                }
                (Some(existing), Some(s)) if existing.sha != s => {
                    return Reply::error(409, &format!("{path} does not match {s}"));
                }
                (Some(_), Some(_)) => 200,
                (None, _) => 201,
            };
            let parent = repo
                .refs
                .get(&format!("heads/{branch}"))
                .map(|(s, _)| s.clone());
            let commit_sha = blob_sha(format!("commit {path} {now}").as_bytes());
            repo.commits.insert(
                commit_sha.clone(),
                crate::state::Commit {
                    sha: commit_sha.clone(),
                    message: str_or(body, "message", ""),
                    parents: parent.into_iter().collect(),
                    author: "github-actions".to_owned(),
                    at: now,
                },
            );
            repo.refs.insert(
                format!("heads/{branch}"),
                (commit_sha.clone(), "commit".to_owned()),
            );
            let file = ContentFile {
                sha: blob_sha(&bytes),
                bytes,
            };
            let content = shapes::content(base, r, &path, &file.sha, &file.bytes, encoded);
            repo.contents.insert(key, file);
            let commit = shapes::git_commit(base, r, &repo.commits[&commit_sha]);
            Reply::json(status, json!({"content": content, "commit": commit}))
        }

        _ => Reply::error(404, "Not Found"),
    }
}
