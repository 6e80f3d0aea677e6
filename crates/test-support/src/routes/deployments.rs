//! Deployments and their statuses.

use serde_json::{Value, json};

use super::{Call, opt_str, paginate, query_map, resolve, str_or};
use crate::state::{Deployment, DeploymentStatusRec, RepoState};
use crate::{Reply, shapes};

/// `/repos/{owner}/{repo}/deployments...`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, id, now) = call.parts();
    match (req.method.as_str(), rest) {
        ("GET", ["deployments"]) => {
            let q = query_map(&req.query);
            let items = repo
                .deployments
                .iter()
                .rev()
                .filter(|d| q.get("sha").is_none_or(|v| &d.sha == v))
                .filter(|d| q.get("ref").is_none_or(|v| &d.git_ref == v))
                .filter(|d| q.get("environment").is_none_or(|v| &d.environment == v))
                .filter(|d| q.get("task").is_none_or(|v| &d.task == v))
                .map(|d| shapes::deployment(base, r, d))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["deployments", did]) => {
            let did: u64 = did.parse().unwrap_or(0);
            match repo.deployments.iter().find(|d| d.id == did) {
                Some(d) => Reply::json(200, shapes::deployment(base, r, d)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("POST", ["deployments"]) => {
            let Some(git_ref) = body.get("ref").and_then(Value::as_str) else {
                return Reply::error(422, "Validation Failed: ref is missing");
            };
            let Some(sha) = resolve(repo, git_ref) else {
                return Reply::error(422, &format!("No ref found for: {git_ref}"));
            };
            let d = Deployment {
                id,
                sha,
                git_ref: git_ref.to_owned(),
                task: str_or(body, "task", "deploy"),
                environment: str_or(body, "environment", "production"),
                description: opt_str(body, "description"),
                payload: body.get("payload").cloned().unwrap_or(json!({})),
                at: now,
                statuses: Vec::new(),
            };
            let out = shapes::deployment(base, r, &d);
            repo.deployments.push(d);
            Reply::json(201, out)
        }
        ("GET", ["deployments", did, "statuses"]) => {
            let did: u64 = did.parse().unwrap_or(0);
            match repo.deployments.iter().find(|d| d.id == did) {
                Some(d) => {
                    let items = d
                        .statuses
                        .iter()
                        .rev()
                        .map(|st| shapes::deployment_status(base, r, did, st))
                        .collect();
                    paginate(items, req, base)
                }
                None => Reply::error(404, "Not Found"),
            }
        }
        ("POST", ["deployments", did, "statuses"]) => {
            let did: u64 = did.parse().unwrap_or(0);
            let Some(d) = repo.deployments.iter_mut().find(|d| d.id == did) else {
                return Reply::error(404, "Not Found");
            };
            let state = body.get("state").and_then(Value::as_str).unwrap_or("");
            if ![
                "error",
                "failure",
                "inactive",
                "in_progress",
                "queued",
                "pending",
                "success",
            ]
            .contains(&state)
            {
                return Reply::error(422, "Validation Failed: state is not included in the list");
            }
            let st = DeploymentStatusRec {
                id,
                state: state.to_owned(),
                description: opt_str(body, "description"),
                environment: str_or(body, "environment", &d.environment),
                log_url: opt_str(body, "log_url"),
                environment_url: opt_str(body, "environment_url"),
                at: now,
            };
            let out = shapes::deployment_status(base, r, did, &st);
            d.statuses.push(st);
            Reply::json(201, out)
        }

        _ => Reply::error(404, "Not Found"),
    }
}
