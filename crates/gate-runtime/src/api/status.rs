//! Commit statuses: a gate's verdict as a check a branch rule can require.

use http::Method;
use serde_json::json;

use crate::api::client::{ApiError, GitHubClient, WriteOutcome};
use crate::context::Repo;
use crate::verdict::Verdict;

/// GitHub truncates nothing and rejects descriptions over this length.
pub const DESCRIPTION_LIMIT_CHARS: usize = 140;

/// A commit status state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    Pending,
    Success,
    Failure,
    Error,
}

impl StatusState {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusState::Pending => "pending",
            StatusState::Success => "success",
            StatusState::Failure => "failure",
            StatusState::Error => "error",
        }
    }
}

impl From<Verdict> for StatusState {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Pass | Verdict::Warn => StatusState::Success,
            Verdict::Fail => StatusState::Failure,
        }
    }
}

/// Cuts a description to GitHub's limit, on a character boundary.
pub fn fit_description(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= DESCRIPTION_LIMIT_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(DESCRIPTION_LIMIT_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// One commit status to set.
#[derive(Debug, Clone)]
pub struct CommitStatus<'a> {
    pub sha: &'a str,
    pub state: StatusState,
    pub context: &'a str,
    pub description: &'a str,
    pub target_url: Option<&'a str>,
}

impl CommitStatus<'_> {
    /// The request that sets it: path and body.
    pub fn request(&self, repo: &Repo) -> (String, serde_json::Value) {
        let mut body = json!({
            "state": self.state.as_str(),
            "context": self.context,
            "description": fit_description(self.description),
        });
        if let Some(url) = self.target_url {
            body["target_url"] = json!(url);
        }
        (format!("{}/statuses/{}", repo.api_path(), self.sha), body)
    }
}

/// Sets a commit status on `sha`.
pub async fn set_commit_status(
    client: &GitHubClient,
    repo: &Repo,
    status: &CommitStatus<'_>,
) -> Result<WriteOutcome<serde_json::Value>, ApiError> {
    let (path, body) = status.request(repo);
    client.write(Method::POST, &path, Some(body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_fit() {
        assert_eq!(fit_description("a\nb  c"), "a b c");
        let long = "x".repeat(300);
        let fitted = fit_description(&long);
        assert_eq!(fitted.chars().count(), DESCRIPTION_LIMIT_CHARS);
        assert!(fitted.ends_with('…'));
    }

    #[test]
    fn verdict_maps_to_state() {
        assert_eq!(StatusState::from(Verdict::Warn), StatusState::Success);
        assert_eq!(StatusState::from(Verdict::Fail), StatusState::Failure);
    }
}
