//! The sticky PR comment: one comment per gate, updated in place.
//!
//! The comment is found again by a hidden HTML marker, so re-runs edit it
//! rather than pile up new ones. Finding it lists every page of comments;
//! an old duplicate (from a race between two runs) is deleted so exactly one
//! remains.

use http::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::{ApiError, GitHubClient, WriteOutcome};
use crate::context::Repo;

/// GitHub refuses comment bodies over this many characters.
pub const COMMENT_LIMIT_CHARS: usize = 65_536;

/// The hidden marker that identifies a gate's sticky comment.
pub fn marker(key: &str) -> String {
    format!("<!-- trunkline:{key} -->")
}

/// What happened to the sticky comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentAction {
    Created {
        id: u64,
    },
    Updated {
        id: u64,
    },
    /// The comment already said exactly this.
    Unchanged {
        id: u64,
    },
    /// `--dry-run`: printed, not sent.
    DryRun,
    /// There was no comment to update, and none was to be created.
    Absent,
}

#[derive(Debug, Deserialize)]
struct IssueComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
}

/// The body as posted: capped under GitHub's limit, then the marker.
pub fn render_body(key: &str, body: &str) -> String {
    let marker = marker(key);
    let note = "\n\n… (cut to fit GitHub's comment limit; see the run's step summary for the rest)";
    let budget = COMMENT_LIMIT_CHARS - marker.chars().count() - note.chars().count() - 16;
    let body = body.trim_end();
    let mut text = if body.chars().count() > budget {
        let cut: String = body.chars().take(budget).collect();
        let cut = match cut.rfind('\n') {
            Some(nl) if nl > 0 => cut[..nl].to_owned(),
            _ => cut,
        };
        format!("{cut}{note}")
    } else {
        body.to_owned()
    };
    text.push_str("\n\n");
    text.push_str(&marker);
    text
}

/// Creates or updates the gate's sticky comment on an issue or PR.
pub async fn upsert_sticky_comment(
    client: &GitHubClient,
    repo: &Repo,
    issue_number: u64,
    key: &str,
    body: &str,
) -> Result<CommentAction, ApiError> {
    write_sticky_comment(client, repo, issue_number, key, body, true).await
}

/// Updates the gate's sticky comment if there is one (to mark it resolved,
/// say), and creates none.
pub async fn update_sticky_comment(
    client: &GitHubClient,
    repo: &Repo,
    issue_number: u64,
    key: &str,
    body: &str,
) -> Result<CommentAction, ApiError> {
    write_sticky_comment(client, repo, issue_number, key, body, false).await
}

async fn write_sticky_comment(
    client: &GitHubClient,
    repo: &Repo,
    issue_number: u64,
    key: &str,
    body: &str,
    create: bool,
) -> Result<CommentAction, ApiError> {
    let marker = marker(key);
    let wanted = render_body(key, body);
    let comments: Vec<IssueComment> = client
        .get_pages(
            &format!("{}/issues/{issue_number}/comments", repo.api_path()),
            None,
        )
        .await?;
    let mut ours = comments
        .into_iter()
        .filter(|c| c.body.as_deref().is_some_and(|b| b.contains(&marker)));
    let Some(first) = ours.next() else {
        if !create {
            return Ok(CommentAction::Absent);
        }
        let created: WriteOutcome<IssueComment> = client
            .write(
                Method::POST,
                &format!("{}/issues/{issue_number}/comments", repo.api_path()),
                Some(json!({ "body": wanted })),
            )
            .await?;
        return Ok(match created {
            WriteOutcome::Done(c) => CommentAction::Created { id: c.id },
            WriteOutcome::DryRun => CommentAction::DryRun,
        });
    };
    for extra in ours {
        client
            .write::<serde_json::Value>(
                Method::DELETE,
                &format!("{}/issues/comments/{}", repo.api_path(), extra.id),
                None,
            )
            .await?;
    }
    if first.body.as_deref() == Some(wanted.as_str()) {
        return Ok(CommentAction::Unchanged { id: first.id });
    }
    let updated: WriteOutcome<IssueComment> = client
        .write(
            Method::PATCH,
            &format!("{}/issues/comments/{}", repo.api_path(), first.id),
            Some(json!({ "body": wanted })),
        )
        .await?;
    Ok(match updated {
        WriteOutcome::Done(c) => CommentAction::Updated { id: c.id },
        WriteOutcome::DryRun => CommentAction::DryRun,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_ends_with_marker() {
        let b = render_body("pr-size-gate", "hello\n");
        assert_eq!(b, "hello\n\n<!-- trunkline:pr-size-gate -->");
    }

    #[test]
    fn huge_body_is_cut_under_the_limit() {
        let line = format!("{}\n", "ü".repeat(99));
        let body = line.repeat(2000);
        let b = render_body("k", &body);
        assert!(
            b.chars().count() <= COMMENT_LIMIT_CHARS,
            "{}",
            b.chars().count()
        );
        assert!(b.contains("cut to fit"));
        assert!(b.ends_with(&marker("k")));
    }
}
