//! Releases: the list, the latest, one by tag, and creating one.

use serde_json::Value;

use super::{Call, opt_str, paginate, str_or};
use crate::state::{Release, RepoState};
use crate::{Reply, shapes};

/// `/repos/{owner}/{repo}/releases...`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, id, now) = call.parts();
    match (req.method.as_str(), rest) {
        ("GET", ["releases"]) => {
            let items = repo
                .releases
                .iter()
                .rev()
                .map(|x| shapes::release(base, r, x))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["releases", "latest"]) => {
            match repo
                .releases
                .iter()
                .rev()
                .find(|x| !x.draft && !x.prerelease)
            {
                Some(x) => Reply::json(200, shapes::release(base, r, x)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("GET", ["releases", "tags", tag]) => {
            match repo.releases.iter().find(|x| x.tag_name == *tag) {
                Some(x) => Reply::json(200, shapes::release(base, r, x)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("POST", ["releases"]) => {
            let Some(tag) = body.get("tag_name").and_then(Value::as_str) else {
                return Reply::error(422, "Validation Failed: tag_name is missing");
            };
            if repo.releases.iter().any(|x| x.tag_name == tag) {
                return Reply::error(422, "Validation Failed: tag_name already_exists");
            }
            let rel = Release {
                id,
                tag_name: tag.to_owned(),
                target_commitish: str_or(body, "target_commitish", &repo.default_branch),
                name: opt_str(body, "name"),
                body: opt_str(body, "body"),
                draft: body.get("draft").and_then(Value::as_bool).unwrap_or(false),
                prerelease: body
                    .get("prerelease")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                at: now,
            };
            let out = shapes::release(base, r, &rel);
            repo.releases.push(rel);
            Reply::json(201, out)
        }

        _ => Reply::error(404, "Not Found"),
    }
}
