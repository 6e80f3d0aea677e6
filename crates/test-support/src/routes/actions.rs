//! GitHub Actions: workflow dispatch, with or without the run's details
//! in the answer (a repository can be set to refuse `return_run_details`,
//! as older GitHub Enterprise Server does).

use serde_json::{Value, json};

use super::{Call, resolve};
use crate::Reply;
use crate::state::{Dispatch, RepoState};

/// `/repos/{owner}/{repo}/actions...`.
pub(super) fn route(repo: &mut RepoState, call: &Call<'_>) -> Reply {
    let (base, r, rest, req, body, id, _) = call.parts();
    match (req.method.as_str(), rest) {
        ("POST", ["actions", "workflows", workflow, "dispatches"]) => {
            let Some(git_ref) = body.get("ref").and_then(Value::as_str) else {
                return Reply::error(422, "Invalid request: ref is required");
            };
            if resolve(repo, git_ref).is_none() {
                return Reply::error(422, &format!("No ref found for: {git_ref}"));
            }
            if repo.rejects_run_details && body.get("return_run_details").is_some() {
                return Reply::error(
                    422,
                    "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
                );
            }
            repo.dispatches.push(Dispatch {
                workflow: (*workflow).to_owned(),
                git_ref: git_ref.to_owned(),
                inputs: body.get("inputs").cloned().unwrap_or(json!({})),
                run_id: id,
            });
            if body.get("return_run_details").and_then(Value::as_bool) == Some(true) {
                Reply::json(
                    200,
                    json!({
                        "workflow_run_id": id,
                        "run_url": format!("{base}/repos/{r}/actions/runs/{id}"),
                        "html_url": format!("{base}/html/{r}/actions/runs/{id}")
                    }),
                )
            } else {
                Reply::empty(204)
            }
        }

        _ => Reply::error(404, "Not Found"),
    }
}
