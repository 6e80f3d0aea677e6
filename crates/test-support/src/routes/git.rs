//! Git refs and annotated tags, and the tag listing. Blobs, trees and
//! commits of the Git Data API are in `git_data.rs`. A branch ref moves
//! only by fast-forward unless `force` is set: otherwise 422 "Update is not
//! a fast forward", as GitHub answers.

use serde_json::Value;

use super::{Call, ancestors, blob_sha, paginate, peel, str_or};
use crate::state::{RepoState, TagObject};
use crate::{Reply, shapes};

/// `/repos/{owner}/{repo}/git/{ref,refs,matching-refs,tags}...` and
/// `/repos/{owner}/{repo}/tags`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, _, now) = call.parts();
    match (req.method.as_str(), rest) {
        // Git refs and tags.
        ("GET", ["git", "ref" | "refs", name @ ..]) if !name.is_empty() => {
            let name = name.join("/");
            match repo.refs.get(&name) {
                Some((sha, kind)) => Reply::json(200, shapes::git_ref(base, r, &name, sha, kind)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("GET", ["git", "matching-refs", prefix @ ..]) => {
            let prefix = prefix.join("/");
            let items = repo
                .refs
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .map(|(n, (sha, kind))| shapes::git_ref(base, r, n, sha, kind))
                .collect();
            paginate(items, req, base)
        }
        ("POST", ["git", "refs"]) => {
            let (Some(full_ref), Some(sha)) = (
                body.get("ref").and_then(Value::as_str),
                body.get("sha").and_then(Value::as_str),
            ) else {
                return Reply::error(422, "Invalid request: ref and sha are required");
            };
            let Some(name) = full_ref.strip_prefix("refs/").filter(|n| n.contains('/')) else {
                return Reply::error(
                    422,
                    "Reference name must start with 'refs/' and have two slashes",
                );
            };
            if repo.refs.contains_key(name) {
                return Reply::error(422, "Reference already exists");
            }
            let kind = if repo.tag_objects.contains_key(sha) {
                "tag"
            } else {
                "commit"
            };
            if kind == "commit" && !repo.commits.contains_key(sha) {
                return Reply::error(422, "Object does not exist");
            }
            repo.refs
                .insert(name.to_owned(), (sha.to_owned(), kind.to_owned()));
            Reply::json(201, shapes::git_ref(base, r, name, sha, kind))
        }
        ("PATCH", ["git", "refs", name @ ..]) => {
            let name = name.join("/");
            let Some(sha) = body.get("sha").and_then(Value::as_str) else {
                return Reply::error(422, "Invalid request: sha is required");
            };
            let force = body.get("force").and_then(Value::as_bool).unwrap_or(false);
            let Some((old, _)) = repo.refs.get(&name).cloned() else {
                return Reply::error(422, "Reference does not exist");
            };
            if !force && name.starts_with("heads/") && !ancestors(repo, sha).contains(&old) {
                return Reply::error(422, "Update is not a fast forward");
            }
            let kind = if repo.tag_objects.contains_key(sha) {
                "tag"
            } else {
                "commit"
            };
            repo.refs
                .insert(name.clone(), (sha.to_owned(), kind.to_owned()));
            Reply::json(200, shapes::git_ref(base, r, &name, sha, kind))
        }
        ("DELETE", ["git", "refs", name @ ..]) => {
            if repo.refs.remove(&name.join("/")).is_some() {
                Reply::empty(204)
            } else {
                Reply::error(422, "Reference does not exist")
            }
        }
        ("POST", ["git", "tags"]) => {
            let (Some(tag), Some(object)) = (
                body.get("tag").and_then(Value::as_str),
                body.get("object").and_then(Value::as_str),
            ) else {
                return Reply::error(422, "Invalid request: tag and object are required");
            };
            let t = TagObject {
                sha: blob_sha(format!("tag {tag} {object} {now}").as_bytes()),
                tag: tag.to_owned(),
                message: str_or(body, "message", ""),
                object: object.to_owned(),
                at: now,
            };
            let out = shapes::annotated_tag(base, r, &t);
            repo.tag_objects.insert(t.sha.clone(), t);
            Reply::json(201, out)
        }
        ("GET", ["git", "tags", sha]) => match repo.tag_objects.get(*sha) {
            Some(t) => Reply::json(200, shapes::annotated_tag(base, r, t)),
            None => Reply::error(404, "Not Found"),
        },
        ("GET", ["tags"]) => {
            let mut tags: Vec<(&String, String)> = repo
                .refs
                .iter()
                .filter_map(|(n, (sha, kind))| {
                    Some((n, peel(repo, sha, kind))).filter(|_| n.starts_with("tags/"))
                })
                .collect();
            tags.reverse();
            let items = tags
                .into_iter()
                .map(|(n, sha)| shapes::tag_listing(base, r, n.trim_start_matches("tags/"), &sha))
                .collect();
            paginate(items, req, base)
        }

        _ => Reply::error(404, "Not Found"),
    }
}
