//! Repository files at a commit through the contents API, for policy read
//! at the base commit when the checkout does not have it.

use base64::Engine as _;
use serde_json::Value;

use crate::api::client::{ApiError, GitHubClient, encode_path, encode_segment};
use crate::context::Repo;

fn contents_path(repo: &Repo, path: &str, git_ref: &str) -> String {
    format!(
        "{}/contents/{}?ref={}",
        repo.api_path(),
        encode_path(path),
        encode_segment(git_ref)
    )
}

/// A file's text at `git_ref` (invalid UTF-8 replaced); `None` when there is
/// no file there (a directory counts as none).
pub async fn file_at(
    client: &GitHubClient,
    repo: &Repo,
    path: &str,
    git_ref: &str,
) -> Result<Option<String>, ApiError> {
    Ok(file_bytes_at(client, repo, path, git_ref)
        .await?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// A file's bytes at `git_ref`; `None` when there is no file there (a
/// directory counts as none).
pub async fn file_bytes_at(
    client: &GitHubClient,
    repo: &Repo,
    path: &str,
    git_ref: &str,
) -> Result<Option<Vec<u8>>, ApiError> {
    let api_path = contents_path(repo, path, git_ref);
    let Some(v) = client.get_optional::<Value>(&api_path).await? else {
        return Ok(None);
    };
    let Some(content) = v.get("content").and_then(Value::as_str) else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content.replace(['\n', '\r'], ""))
        .map_err(|e| ApiError::Request {
            endpoint: format!("GET {api_path}"),
            message: format!("the content is not base64: {e}"),
        })?;
    Ok(Some(bytes))
}

/// The paths of the files directly in `dir` at `git_ref`; empty when there
/// is no such directory.
pub async fn files_in(
    client: &GitHubClient,
    repo: &Repo,
    dir: &str,
    git_ref: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(
        match client
            .get_optional::<Value>(&contents_path(repo, dir, git_ref))
            .await?
        {
            Some(Value::Array(entries)) => entries
                .iter()
                .filter(|e| e.get("type").and_then(Value::as_str) == Some("file"))
                .filter_map(|e| e.get("path").and_then(Value::as_str).map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
    )
}
