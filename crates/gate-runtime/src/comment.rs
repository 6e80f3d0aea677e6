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
struct CommentUser {
    login: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct IssueComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    user: Option<CommentUser>,
}

/// Where a sticky comment lives, and who must not be able to claim it.
#[derive(Debug, Clone, Copy)]
pub struct StickyTarget<'a> {
    pub repo: &'a Repo,
    pub issue_number: u64,
    /// The gate's key, e.g. `pr-size-gate`.
    pub key: &'a str,
    /// The PR's author. Anyone can paste the marker into a comment; a
    /// comment by this user is never taken for ours (bots always are).
    pub untrusted_author: Option<&'a str>,
}

impl StickyTarget<'_> {
    fn comments_path(&self) -> String {
        format!(
            "{}/issues/{}/comments",
            self.repo.api_path(),
            self.issue_number
        )
    }

    fn is_ours(&self, c: &IssueComment) -> bool {
        let marked = c
            .body
            .as_deref()
            .is_some_and(|b| b.trim_end().ends_with(&marker(self.key)));
        let trusted = match &c.user {
            Some(u) if u.kind == "Bot" => true,
            Some(u) => self
                .untrusted_author
                .is_none_or(|a| !a.eq_ignore_ascii_case(&u.login)),
            None => false,
        };
        marked && trusted
    }

    async fn find(&self, client: &GitHubClient) -> Result<Vec<IssueComment>, ApiError> {
        let all: Vec<IssueComment> = client.get_pages(&self.comments_path(), None).await?;
        Ok(all.into_iter().filter(|c| self.is_ours(c)).collect())
    }
}

/// Creates or updates the gate's sticky comment on an issue or PR.
pub async fn upsert_sticky_comment(
    client: &GitHubClient,
    target: &StickyTarget<'_>,
    body: &str,
) -> Result<CommentAction, ApiError> {
    write_sticky_comment(client, target, body, true).await
}

/// Updates the gate's sticky comment if there is one (to mark it resolved,
/// say), and creates none.
pub async fn update_sticky_comment(
    client: &GitHubClient,
    target: &StickyTarget<'_>,
    body: &str,
) -> Result<CommentAction, ApiError> {
    write_sticky_comment(client, target, body, false).await
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

/// Attempts at creating the comment before giving up.
const CREATE_ATTEMPTS: u32 = 3;

async fn write_sticky_comment(
    client: &GitHubClient,
    target: &StickyTarget<'_>,
    body: &str,
    create: bool,
) -> Result<CommentAction, ApiError> {
    let wanted = render_body(target.key, body);
    let mut ours = target.find(client).await?;
    if ours.is_empty() {
        if !create {
            return Ok(CommentAction::Absent);
        }
        // A create is not idempotent: when its answer is lost, look before
        // trying again, so a retry never leaves two comments.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match client
                .write_once::<IssueComment>(
                    Method::POST,
                    &target.comments_path(),
                    Some(json!({ "body": wanted })),
                )
                .await
            {
                Ok(WriteOutcome::Done(c)) => return Ok(CommentAction::Created { id: c.id }),
                Ok(WriteOutcome::DryRun) => return Ok(CommentAction::DryRun),
                Err(e) if e.is_transient() && attempt < CREATE_ATTEMPTS => {
                    tokio::time::sleep(client.backoff(attempt)).await;
                    ours = target.find(client).await?;
                    if !ours.is_empty() {
                        break;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
    let mut ours = ours.into_iter();
    let Some(first) = ours.next() else {
        return Ok(CommentAction::Absent);
    };
    for extra in ours {
        client
            .write::<serde_json::Value>(
                Method::DELETE,
                &format!("{}/issues/comments/{}", target.repo.api_path(), extra.id),
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
            &format!("{}/issues/comments/{}", target.repo.api_path(), first.id),
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
