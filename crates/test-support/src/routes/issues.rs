//! Issues' comments (the sticky comment) and labels, the repository's
//! label list included.

use serde_json::Value;

use super::{Call, paginate};
use crate::state::{Comment, RepoState};
use crate::{Reply, shapes};

/// A comment body, validated as GitHub does.
fn comment_text(body: &Value) -> Result<&str, Reply> {
    let Some(text) = body.get("body").and_then(Value::as_str) else {
        return Err(Reply::error(422, "Invalid request: body is required"));
    };
    if text.chars().count() > 65_536 {
        return Err(Reply::error(
            422,
            "Validation Failed: body is too long (maximum is 65536 characters)",
        ));
    }
    Ok(text)
}

/// `/repos/{owner}/{repo}/issues...` and `/repos/{owner}/{repo}/labels`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, id, now) = call.parts();
    match (req.method.as_str(), rest) {
        // Issue comments.
        ("GET", ["issues", n, "comments"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let items = repo
                .comments
                .get(&n)
                .map(|cs| cs.iter().map(|c| shapes::comment(base, r, n, c)).collect())
                .unwrap_or_default();
            paginate(items, req, base)
        }
        ("POST", ["issues", n, "comments"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let text = match comment_text(body) {
                Ok(t) => t,
                Err(reply) => return reply,
            };
            let c = Comment {
                id,
                body: text.to_owned(),
                user: "github-actions[bot]".to_owned(),
                created_at: now,
                updated_at: now,
            };
            let out = shapes::comment(base, r, n, &c);
            repo.comments.entry(n).or_default().push(c);
            Reply::json(201, out)
        }
        // octocrab sends comment updates as POST; GitHub accepts both.
        ("PATCH" | "POST", ["issues", "comments", cid]) => {
            let cid: u64 = cid.parse().unwrap_or(0);
            let text = match comment_text(body) {
                Ok(t) => t,
                Err(reply) => return reply,
            };
            for (n, cs) in repo.comments.iter_mut() {
                if let Some(c) = cs.iter_mut().find(|c| c.id == cid) {
                    c.body = text.to_owned();
                    c.updated_at = now;
                    return Reply::json(200, shapes::comment(base, r, *n, c));
                }
            }
            Reply::error(404, "Not Found")
        }
        ("DELETE", ["issues", "comments", cid]) => {
            let cid: u64 = cid.parse().unwrap_or(0);
            for cs in repo.comments.values_mut() {
                if let Some(pos) = cs.iter().position(|c| c.id == cid) {
                    cs.remove(pos);
                    return Reply::empty(204);
                }
            }
            Reply::error(404, "Not Found")
        }

        // Labels.
        ("GET", ["labels"]) => {
            let items = repo
                .labels
                .iter()
                .map(|l| shapes::label(base, r, l))
                .collect();
            paginate(items, req, base)
        }
        ("POST", ["labels"]) => {
            let Some(label) = body.get("name").and_then(Value::as_str) else {
                return Reply::error(422, "Validation Failed: name is missing");
            };
            if repo.labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                return Reply::error(422, "Validation Failed: already_exists");
            }
            repo.labels.push(label.to_owned());
            Reply::json(201, shapes::label(base, r, label))
        }
        ("GET", ["issues", n, "labels"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let items = repo
                .issue_labels
                .get(&n)
                .map(|ls| ls.iter().map(|l| shapes::label(base, r, l)).collect())
                .unwrap_or_default();
            paginate(items, req, base)
        }
        ("POST" | "PUT", ["issues", n, "labels"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let wanted = super::string_list(body.get("labels"));
            let current = repo.issue_labels.entry(n).or_default();
            if req.method == "PUT" {
                current.clear();
            }
            for l in wanted {
                if !current.contains(&l) {
                    current.push(l.clone());
                }
                if !repo.labels.contains(&l) {
                    repo.labels.push(l);
                }
            }
            if let Some(p) = repo.pulls.get_mut(&n) {
                p.labels = repo.issue_labels.get(&n).cloned().unwrap_or_default();
            }
            let items: Vec<Value> = repo.issue_labels[&n]
                .iter()
                .map(|l| shapes::label(base, r, l))
                .collect();
            Reply::json(200, Value::Array(items))
        }
        ("DELETE", ["issues", n, "labels", label]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let current = repo.issue_labels.entry(n).or_default();
            let Some(pos) = current.iter().position(|l| l == label) else {
                return Reply::error(404, "Label does not exist");
            };
            current.remove(pos);
            if let Some(p) = repo.pulls.get_mut(&n) {
                p.labels = current.clone();
            }
            let items: Vec<Value> = current.iter().map(|l| shapes::label(base, r, l)).collect();
            Reply::json(200, Value::Array(items))
        }

        _ => Reply::error(404, "Not Found"),
    }
}
