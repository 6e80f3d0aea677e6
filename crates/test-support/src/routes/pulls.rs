//! Pull requests: the list, one pull request, and its changed files
//! (cut at [`PULL_FILES_CAP`], as GitHub cuts them).

use super::{Call, paginate, paginate_with, query_map};
use crate::state::RepoState;
use crate::{Reply, shapes};

/// GitHub stops listing a PR's files here.
pub const PULL_FILES_CAP: usize = 3000;

/// `/repos/{owner}/{repo}/pulls...`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, _, _, _) = call.parts();
    match (req.method.as_str(), rest) {
        ("GET", ["pulls"]) => {
            let q = query_map(&req.query);
            let state = q.get("state").map(String::as_str).unwrap_or("open");
            let mut pulls: Vec<_> = repo
                .pulls
                .values()
                .filter(|p| state == "all" || p.state == state)
                .filter(|p| q.get("base").is_none_or(|b| &p.base_ref == b))
                .collect();
            pulls.sort_by(|a, b| {
                b.created_at
                    .cmp(&a.created_at)
                    .then(b.number.cmp(&a.number))
            });
            let items = pulls
                .into_iter()
                .map(|p| shapes::pull(base, r, &repo.default_branch, p))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["pulls", n]) => match n.parse().ok().and_then(|n: u64| repo.pulls.get(&n)) {
            Some(p) => Reply::json(200, shapes::pull(base, r, &repo.default_branch, p)),
            None => Reply::error(404, "Not Found"),
        },
        ("GET", ["pulls", n, "files"]) => {
            match n.parse().ok().and_then(|n: u64| repo.pulls.get(&n)) {
                Some(p) => {
                    let files: Vec<_> = p.files.iter().take(PULL_FILES_CAP).collect();
                    paginate_with(files, |f| shapes::file(base, r, f), req, base)
                }
                None => Reply::error(404, "Not Found"),
            }
        }

        _ => Reply::error(404, "Not Found"),
    }
}
