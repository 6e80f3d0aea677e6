//! Gather: the deployment the watch speaks for, and what the watch saw.
//!
//! The deployment, its tag and its environment come from the flags, else
//! the event's deployment, else the deployment read through the API. The
//! watch itself ([`crate::watch`]) gathers the rest: one sample per check per
//! tick.

use anyhow::{Context as _, bail};
use gate_runtime::api::deployments;
use gate_runtime::{GitHubClient, GitHubContext};

use crate::settings::Settings;
use crate::watch::{Outcome, Watch};

/// The deployment the watch speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Its id, when there is one to set the status of.
    pub id: Option<u64>,
    /// The deployed tag.
    pub tag: Option<String>,
    /// The environment whose history names the last good tag.
    pub environment: String,
}

/// Everything gathered by the end of the watch.
#[derive(Debug, Clone)]
pub struct Watched {
    pub deployment: Deployment,
    pub watch: Watch,
    pub outcome: Outcome,
    /// Things the user should know (no deployment, a query's look-back).
    pub notes: Vec<String>,
    /// Whether the live timeline already went to the log.
    pub streamed: bool,
}

/// Finds the deployment, its tag and its environment. `notes` gets a line
/// when there is no deployment to follow.
pub async fn deployment(
    s: &Settings,
    ctx: &GitHubContext,
    client: &GitHubClient,
    notes: &mut Vec<String>,
) -> anyhow::Result<Deployment> {
    // The event's deployment counts only when no other one was named.
    let event_deployment = ctx
        .event
        .as_ref()
        .and_then(|e| e.deployment())
        .filter(|d| s.deployment_id.is_none_or(|id| id == d.id));
    let id = s.deployment_id.or(event_deployment.map(|d| d.id));
    let (mut tag, mut environment) = (s.tag.clone(), s.environment.clone());
    if let Some(d) = event_deployment {
        tag = tag.or(Some(d.git_ref.clone()));
        environment = environment.or(Some(d.environment.clone()));
    }
    match id {
        Some(id) => {
            let repo = ctx
                .require_repo()
                .context("--deployment-id needs the repository")?;
            if ctx.token.is_none() && !ctx.dry_run {
                bail!(
                    "--deployment-id {id}: setting its status needs a token; set GITHUB_TOKEN (deployments: write)"
                );
            }
            if tag.is_none() || environment.is_none() {
                let d = deployments::get(client, repo, id)
                    .await
                    .context("reading the deployment")?
                    .with_context(|| {
                        format!(
                            "--deployment-id {id}: no such deployment in {}",
                            repo.full_name()
                        )
                    })?;
                tag = tag.or(Some(d.git_ref));
                environment = environment.or(Some(d.environment).filter(|e| !e.is_empty()));
            }
        }
        None => notes.push(
            "no deployment (--deployment-id or a deployment event): no deployment status is set"
                .to_owned(),
        ),
    }
    Ok(Deployment {
        id,
        tag: tag.map(|t| t.strip_prefix("refs/tags/").map(str::to_owned).unwrap_or(t)),
        environment: environment.unwrap_or_else(|| "production".to_owned()),
    })
}
