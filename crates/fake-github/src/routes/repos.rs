//! A repository's commits: commit statuses, the commit list, one commit,
//! compare, and the contents API (a data branch is written through it).
//! The repository's settings (rules, protection, environments) are in
//! `repo_settings.rs`.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Call, ancestors, blob_sha, opt_str, paginate, query_map, resolve, str_or};
use crate::state::{ContentFile, RepoState, StatusRec};
use crate::{Reply, shapes};

/// `/repos/{owner}/{repo}/{statuses,commits,compare,contents}...`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let Call {
        base,
        full: r,
        rest,
        req,
        body,
        id,
        now,
    } = *call;
    match (req.method.as_str(), rest) {
        // Commit statuses.
        ("POST", ["statuses", sha]) => {
            let state = body.get("state").and_then(Value::as_str).unwrap_or("");
            if !["error", "failure", "pending", "success"].contains(&state) {
                return Reply::error(422, "Validation Failed: state is not included in the list");
            }
            let description = opt_str(body, "description");
            if description
                .as_ref()
                .is_some_and(|d| d.chars().count() > 140)
            {
                return Reply::error(
                    422,
                    "Validation Failed: description is too long (maximum is 140 characters)",
                );
            }
            let rec = StatusRec {
                sha: (*sha).to_owned(),
                state: state.to_owned(),
                context: str_or(body, "context", "default"),
                description,
                target_url: opt_str(body, "target_url"),
                at: now,
            };
            let out = shapes::status(base, r, id, &rec);
            repo.statuses.push(rec);
            Reply::json(201, out)
        }
        ("GET", ["commits", git_ref, "statuses"]) => {
            let sha = resolve(repo, git_ref).unwrap_or_else(|| (*git_ref).to_owned());
            let items = repo
                .statuses
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, st)| st.sha == sha)
                .map(|(i, st)| shapes::status(base, r, i as u64 + 1, st))
                .collect();
            paginate(items, req, base)
        }

        // Commits and compare.
        ("GET", ["commits"]) => {
            let q = query_map(&req.query);
            let start = q
                .get("sha")
                .cloned()
                .unwrap_or_else(|| repo.default_branch.clone());
            let Some(head) = resolve(repo, &start) else {
                return Reply::error(404, "Not Found");
            };
            let items = ancestors(repo, &head)
                .iter()
                .filter_map(|sha| repo.commits.get(sha))
                .map(|c| shapes::commit(base, r, c))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["commits", git_ref]) => {
            match resolve(repo, git_ref).and_then(|s| repo.commits.get(&s)) {
                Some(c) => Reply::json(200, shapes::commit(base, r, c)),
                None => Reply::error(422, &format!("No commit found for SHA: {git_ref}")),
            }
        }
        ("GET", ["compare", spec]) => {
            let Some((b, h)) = spec.split_once("...") else {
                return Reply::error(404, "Not Found");
            };
            let (Some(bs), Some(hs)) = (resolve(repo, b), resolve(repo, h)) else {
                return Reply::error(404, "Not Found");
            };
            let base_anc = ancestors(repo, &bs);
            let head_anc = ancestors(repo, &hs);
            let base_set: BTreeSet<&String> = base_anc.iter().collect();
            let head_set: BTreeSet<&String> = head_anc.iter().collect();
            let ahead: Vec<&String> = head_anc.iter().filter(|c| !base_set.contains(c)).collect();
            let behind = base_anc.iter().filter(|c| !head_set.contains(c)).count();
            let merge_base = head_anc
                .iter()
                .find(|c| base_set.contains(c))
                .cloned()
                .unwrap_or_else(|| bs.clone());
            let status = match (ahead.len(), behind) {
                (0, 0) => "identical",
                (_, 0) => "ahead",
                (0, _) => "behind",
                _ => "diverged",
            };
            let commit_json = |sha: &String| {
                repo.commits
                    .get(sha)
                    .map(|c| shapes::commit(base, r, c))
                    .unwrap_or(Value::Null)
            };
            let mut commits: Vec<Value> = ahead.iter().map(|c| commit_json(c)).collect();
            commits.reverse();
            if let Some(limit) = repo.compare_commit_limit {
                commits.truncate(limit);
            }
            // GitHub pages the commit list: 250 by default, per_page up to 100 with page.
            let q = query_map(&req.query);
            let per_page = q
                .get("per_page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(250)
                .clamp(1, 250);
            let page = q
                .get("page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let commits: Vec<Value> = commits
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            Reply::json(
                200,
                json!({
                    "url": format!("{base}/repos/{r}/compare/{spec}"),
                    "html_url": format!("{base}/html/{r}/compare/{spec}"),
                    "permalink_url": format!("{base}/html/{r}/compare/{bs}...{hs}"),
                    "diff_url": format!("{base}/html/{r}/compare/{spec}.diff"),
                    "patch_url": format!("{base}/html/{r}/compare/{spec}.patch"),
                    "base_commit": commit_json(&bs), "merge_base_commit": commit_json(&merge_base),
                    "status": status, "ahead_by": ahead.len(), "behind_by": behind,
                    "total_commits": ahead.len(), "commits": commits, "files": []
                }),
            )
        }

        // Repository contents, for a data branch.
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
