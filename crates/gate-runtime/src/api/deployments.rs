//! Deployments, their statuses, and `workflow_dispatch`: what
//! tag-on-staging and post-deploy-watch read and write.

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::client::{ApiError, GitHubClient, WriteOutcome, encode_segment};
use crate::context::Repo;

/// A deployment, as the list endpoint gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct DeploymentRow {
    pub id: u64,
    #[serde(default)]
    pub sha: String,
    #[serde(rename = "ref", default)]
    pub git_ref: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A deployment status.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusRow {
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Deployments, newest first, filtered by `sha`, `ref` and `environment`
/// where given; at most `max` (all with `None`).
pub async fn list(
    client: &GitHubClient,
    repo: &Repo,
    filters: &[(&str, &str)],
    max: Option<usize>,
) -> Result<Vec<DeploymentRow>, ApiError> {
    let query: Vec<String> = filters
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_segment(v)))
        .collect();
    let sep = if query.is_empty() { "" } else { "?" };
    client
        .get_pages(
            &format!("{}/deployments{sep}{}", repo.api_path(), query.join("&")),
            max,
        )
        .await
}

/// One deployment; `None` when it does not exist.
pub async fn get(
    client: &GitHubClient,
    repo: &Repo,
    id: u64,
) -> Result<Option<DeploymentRow>, ApiError> {
    client
        .get_optional(&format!("{}/deployments/{id}", repo.api_path()))
        .await
}

/// A deployment's statuses, newest first; at most `max`.
pub async fn statuses(
    client: &GitHubClient,
    repo: &Repo,
    id: u64,
    max: Option<usize>,
) -> Result<Vec<StatusRow>, ApiError> {
    client
        .get_pages(
            &format!("{}/deployments/{id}/statuses", repo.api_path()),
            max,
        )
        .await
}

/// The request that adds a status to a deployment: path and body. GitHub
/// keeps at most 140 characters of a description; longer ones are cut with
/// an ellipsis.
pub fn status_request(
    repo: &Repo,
    id: u64,
    state: &str,
    description: &str,
    log_url: Option<&str>,
) -> (String, Value) {
    let mut body = json!({"state": state, "description": clip_description(description)});
    if let Some(url) = log_url {
        body["log_url"] = Value::String(url.to_owned());
    }
    (
        format!("{}/deployments/{id}/statuses", repo.api_path()),
        body,
    )
}

/// Adds a status to a deployment.
pub async fn set_status(
    client: &GitHubClient,
    repo: &Repo,
    id: u64,
    state: &str,
    description: &str,
    log_url: Option<&str>,
) -> Result<(), ApiError> {
    let (path, body) = status_request(repo, id, state, description, log_url);
    client
        .write::<Value>(Method::POST, &path, Some(body))
        .await?;
    Ok(())
}

/// A description cut to GitHub's 140 characters.
pub fn clip_description(s: &str) -> String {
    if s.chars().count() <= 140 {
        return s.to_owned();
    }
    let cut: String = s.chars().take(139).collect();
    format!("{cut}…")
}

#[derive(Deserialize)]
struct DispatchAnswer {
    #[serde(default)]
    workflow_run_id: Option<u64>,
}

/// The dispatch request as first sent: path and body.
pub fn dispatch_request(
    repo: &Repo,
    workflow: &str,
    git_ref: &str,
    inputs: &Value,
) -> (String, Value) {
    let path = format!(
        "{}/actions/workflows/{}/dispatches",
        repo.api_path(),
        encode_segment(workflow)
    );
    (
        path,
        json!({"ref": git_ref, "inputs": inputs, "return_run_details": true}),
    )
}

/// Starts `workflow` (a file name) on `git_ref` with `inputs`; the run id
/// when GitHub returns it (`return_run_details`). Sent once: a retried
/// dispatch could start two runs, so a failure is reported, not retried.
/// A server that rejects `return_run_details` (older GHES) gets the plain
/// request.
pub async fn dispatch(
    client: &GitHubClient,
    repo: &Repo,
    workflow: &str,
    git_ref: &str,
    inputs: Value,
) -> Result<Option<u64>, ApiError> {
    let (path, body) = dispatch_request(repo, workflow, git_ref, &inputs);
    let answer: Result<WriteOutcome<Option<DispatchAnswer>>, ApiError> =
        client.write_once(Method::POST, &path, Some(body)).await;
    let answer = match answer {
        Err(e) if e.status() == Some(422) && e.to_string().contains("return_run_details") => {
            client
                .write_once(
                    Method::POST,
                    &path,
                    Some(json!({"ref": git_ref, "inputs": inputs})),
                )
                .await?
        }
        other => other?,
    };
    Ok(answer.into_done().flatten().and_then(|a| a.workflow_run_id))
}
