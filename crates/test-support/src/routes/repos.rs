//! A repository's commits: commit statuses, the commit list, one commit,
//! and compare. Its files are in `contents.rs`; its settings (rules,
//! protection, environments) in `repo_settings.rs`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Call, ancestors, opt_str, paginate, query_map, resolve, str_or};
use crate::state::{RepoState, StatusRec};
use crate::{Reply, shapes};

/// `/repos/{owner}/{repo}/{statuses,commits,compare}...`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, id, now) = call.parts();
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
            let (page, per_page) = super::page_of(req, 250, 250);
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

        _ => Reply::error(404, "Not Found"),
    }
}
