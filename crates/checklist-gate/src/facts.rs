//! Gather: the description, the template at the base commit, and, when the
//! gate is to write them, where the status goes and this gate's sticky
//! comment as it stands, so the decision can plan exact writes.
//!
//! Where each text comes from is [`crate::source`]'s business; this stage
//! only chooses the source and makes no decision.

use gate_runtime::api::comment::{ExistingComment, StickyTarget, find_sticky};
use gate_runtime::event::{Event, PullRequest};
use gate_runtime::git::Git;
use gate_runtime::{GitHubClient, GitHubContext, Repo};

use crate::GATE;
use crate::settings::Settings;
use crate::source::{self, AtCommit, Body, body_from_file, live_body};

/// The template's path and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub path: String,
    pub text: String,
}

/// Everything the decision is made from.
#[derive(Debug, Clone)]
pub struct Facts {
    pub body: Body,
    /// The template that defines the required items, if there is one.
    pub template: Option<Template>,
    /// The pull request the event is about.
    pub pr: Option<PullRequest>,
    pub repo: Option<Repo>,
    /// The commit a status goes on: the PR's head, else the run's commit.
    pub head_sha: Option<String>,
    /// The run's page, for the status's link.
    pub run_url: Option<String>,
    /// This gate's sticky comments now, with --comment on a pull request.
    pub sticky: Option<Vec<ExistingComment>>,
    /// Things the user should know (a fallback taken, no template found).
    pub notes: Vec<String>,
}

/// Whether the run needs the API: a local run on a file makes no request,
/// so it builds no client (and loads no root certificates).
pub fn needs_api(s: &Settings, ctx: &GitHubContext) -> bool {
    ctx.event.as_ref().and_then(Event::pull_request).is_some()
        || s.status_context.is_some()
        || s.comment
}

/// Reads the facts; `stdin` is what `--body-file -` reads (the injected
/// reader, never the process's own).
pub async fn gather(
    s: &Settings,
    ctx: &GitHubContext,
    client: Option<&GitHubClient>,
    stdin: &mut dyn std::io::Read,
) -> anyhow::Result<Facts> {
    let mut notes = Vec::new();
    let pr = ctx.event.as_ref().and_then(Event::pull_request);
    let repo = ctx.repo.as_ref();

    let body: Body = match (&s.body_file, pr, repo) {
        (Some(path), ..) => body_from_file(path, stdin)?,
        (None, Some(pr), Some(repo)) => match client {
            Some(client) => live_body(client, repo, pr.number, pr.body.clone(), &mut notes).await,
            None => anyhow::bail!("no API client for the live description"),
        },
        (None, Some(pr), None) => Body {
            text: pr.body.clone(),
            source: format!("pull request #{}, event payload", pr.number),
        },
        (None, None, _) => anyhow::bail!(
            "no pull request description to check: pass --body-file FILE (or - for stdin), or run on a pull_request event"
        ),
    };

    // The template is policy: at the base commit inside a PR.
    let template = match pr {
        Some(pr) => {
            let git = Git::new(".");
            let local = git.is_repo() && git.resolve_commit(&pr.base.sha).is_some();
            let at = AtCommit {
                sha: pr.base.sha.clone(),
                git: local.then_some(git),
                api: client.zip(repo),
            };
            at.template(s.template.as_deref()).await?
        }
        // A front end's base (trunkline check): the template there, as in a
        // pull request.
        None if ctx.base.is_some() => {
            let git = Git::new(".");
            let at = AtCommit {
                sha: ctx.base.clone().unwrap_or_default(),
                git: git.is_repo().then_some(git),
                api: None,
            };
            at.template(s.template.as_deref()).await?
        }
        None => match &s.template {
            Some(path) => Some((path.clone(), source::template_from_file(path)?)),
            None => None,
        },
    };
    if template.is_none() && (pr.is_some() || ctx.base.is_some()) {
        notes.push("no pull request template found at the base commit: every checkbox in the description is required".to_owned());
    }

    let sticky = match (s.comment, pr, repo, client) {
        (true, Some(pr), Some(repo), Some(client)) => {
            let target = StickyTarget {
                repo,
                issue_number: pr.number,
                key: GATE,
                untrusted_author: Some(&pr.user.login),
            };
            Some(find_sticky(client, &target).await?)
        }
        _ => None,
    };

    Ok(Facts {
        body,
        template: template.map(|(path, text)| Template { path, text }),
        pr: pr.cloned(),
        repo: repo.cloned(),
        head_sha: pr.map(|p| p.head.sha.clone()).or_else(|| ctx.sha.clone()),
        run_url: ctx.run_url(),
        sticky,
        notes,
    })
}
