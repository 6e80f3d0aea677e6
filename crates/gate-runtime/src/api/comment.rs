//! The sticky PR comment: one comment per gate, updated in place.
//!
//! The comment is found again by a hidden HTML marker, so re-runs edit it
//! rather than pile up new ones. Finding it lists every page of comments;
//! an old duplicate (from a race between two runs) is deleted so exactly one
//! remains. What to write is planned here from what was found (pure, so a
//! gate can put it in its plan); [`crate::plan`] makes the writes.

use serde::Deserialize;

use crate::api::client::{ApiError, GitHubClient};
use crate::context::Repo;
use crate::plan::{self, Outcome, Sticky, Write};
use crate::verdict::Verdict;

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

/// One of a gate's sticky comments as it stands on the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingComment {
    pub id: u64,
    pub body: Option<String>,
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
    /// The issue's comments, for listing and for creating one.
    pub fn comments_path(&self) -> String {
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
}

/// The gate's sticky comments on the issue, oldest first: every page is
/// read, so one past the first hundred comments is still found. More than
/// one means two runs raced; the extras are deleted by the plan.
pub async fn find_sticky(
    client: &GitHubClient,
    target: &StickyTarget<'_>,
) -> Result<Vec<ExistingComment>, ApiError> {
    let all: Vec<IssueComment> = client.get_pages(&target.comments_path(), None).await?;
    Ok(all
        .into_iter()
        .filter(|c| target.is_ours(c))
        .map(|c| ExistingComment {
            id: c.id,
            body: c.body,
        })
        .collect())
}

/// The writes that make the sticky comment say `body`: the duplicates
/// deleted, the first updated unless it already says exactly this; with no
/// comment yet, one created when `create` is set. Pure.
pub fn plan_sticky(
    target: &StickyTarget<'_>,
    existing: &[ExistingComment],
    body: &str,
    create: bool,
) -> Vec<Write> {
    let wanted = render_body(target.key, body);
    if existing.is_empty() {
        return if create {
            vec![Write::CreateComment {
                issue: target.issue_number,
                body: wanted,
                sticky: Sticky {
                    key: target.key.to_owned(),
                    untrusted_author: target.untrusted_author.map(str::to_owned),
                },
            }]
        } else {
            Vec::new()
        };
    }
    settle(existing, &wanted)
}

/// The writes that leave exactly one of `existing` saying `wanted` (the
/// rendered body, marker included): duplicates deleted, the first edited
/// unless it already says it.
pub fn settle(existing: &[ExistingComment], wanted: &str) -> Vec<Write> {
    let Some((first, extras)) = existing.split_first() else {
        return Vec::new();
    };
    let mut writes: Vec<Write> = extras
        .iter()
        .map(|c| Write::DeleteComment { id: c.id })
        .collect();
    if first.body.as_deref() != Some(wanted) {
        writes.push(Write::UpdateComment {
            id: first.id,
            body: wanted.to_owned(),
        });
    }
    writes
}

/// The sticky comment for a verdict: while the gate fails it says what is
/// wrong (created if need be); once it passes, an existing comment is marked
/// resolved and none is created. Pure.
pub fn plan_for_verdict(
    target: &StickyTarget<'_>,
    existing: &[ExistingComment],
    verdict: Verdict,
    failing_body: &str,
    resolved_body: &str,
) -> Vec<Write> {
    match verdict {
        Verdict::Fail => plan_sticky(target, existing, failing_body, true),
        Verdict::Pass | Verdict::Warn => plan_sticky(target, existing, resolved_body, false),
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

/// Finds, plans and applies in one call, for callers outside a gate's plan
/// (the API and canary tests); a gate plans its comment instead.
async fn write_sticky_comment(
    client: &GitHubClient,
    target: &StickyTarget<'_>,
    body: &str,
    create: bool,
) -> Result<CommentAction, ApiError> {
    let existing = find_sticky(client, target).await?;
    let writes = plan_sticky(target, &existing, body, create);
    let mut action = match existing.first() {
        Some(first) => CommentAction::Unchanged { id: first.id },
        None => CommentAction::Absent,
    };
    for write in &writes {
        let outcome = plan::apply_api(write, client, target.repo).await?;
        action = match (write, outcome) {
            (Write::CreateComment { .. }, Outcome::Made { id: Some(id) }) => {
                CommentAction::Created { id }
            }
            (Write::CreateComment { .. }, Outcome::Found { id: Some(id) }) => {
                CommentAction::Unchanged { id }
            }
            (Write::CreateComment { .. } | Write::UpdateComment { .. }, Outcome::DryRun) => {
                CommentAction::DryRun
            }
            (Write::UpdateComment { id, .. }, _) => CommentAction::Updated { id: *id },
            _ => action,
        };
    }
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(repo: &Repo) -> StickyTarget<'_> {
        StickyTarget {
            repo,
            issue_number: 7,
            key: "demo",
            untrusted_author: Some("octocat"),
        }
    }

    fn existing(id: u64, body: &str) -> ExistingComment {
        ExistingComment {
            id,
            body: Some(render_body("demo", body)),
        }
    }

    #[test]
    fn the_verdict_decides_create_or_resolve() {
        let repo = Repo::parse("acme/shop", "t").unwrap();
        let t = target(&repo);
        // Failing with no comment yet: one is created, marker and all.
        let w = plan_for_verdict(&t, &[], Verdict::Fail, "too big", "resolved");
        let [
            Write::CreateComment {
                issue,
                body,
                sticky,
            },
        ] = &w[..]
        else {
            panic!("{w:?}")
        };
        assert_eq!(*issue, 7);
        assert_eq!(body, &render_body("demo", "too big"));
        assert_eq!(sticky.untrusted_author.as_deref(), Some("octocat"));
        // Passing with no comment: nothing to resolve, nothing created.
        assert!(plan_for_verdict(&t, &[], Verdict::Pass, "too big", "resolved").is_empty());
        assert!(plan_for_verdict(&t, &[], Verdict::Warn, "too big", "resolved").is_empty());
        // Passing with the old failure: it is edited to say resolved.
        let w = plan_for_verdict(
            &t,
            &[existing(3, "too big")],
            Verdict::Pass,
            "too big",
            "resolved",
        );
        assert_eq!(
            w,
            [Write::UpdateComment {
                id: 3,
                body: render_body("demo", "resolved")
            }]
        );
    }

    #[test]
    fn duplicates_are_deleted_and_an_equal_comment_left_alone() {
        let repo = Repo::parse("acme/shop", "t").unwrap();
        let t = target(&repo);
        let both = [existing(3, "same"), existing(4, "same")];
        assert_eq!(
            plan_sticky(&t, &both, "same", true),
            [Write::DeleteComment { id: 4 }]
        );
        assert!(plan_sticky(&t, &both[..1], "same", true).is_empty());
    }

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
