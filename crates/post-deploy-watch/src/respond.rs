//! Acting on the verdict: the last good tag, the rollback dispatch, and the
//! Slack message.

use gate_runtime::client::encode_path;
use gate_runtime::deployments::{self, StatusRow};
use gate_runtime::version::Version;
use gate_runtime::{GitHubClient, Repo};
use serde::Deserialize;

/// Whether a deployment's statuses (newest first) say it ended in success.
/// `inactive` is what GitHub marks a superseded deployment with, so it is
/// looked past; anything else newest decides.
pub fn ended_in_success(statuses: &[StatusRow]) -> bool {
    statuses
        .iter()
        .find(|s| s.state != "inactive")
        .is_some_and(|s| s.state == "success")
}

/// The last good tag, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub tag: Option<String>,
    pub how: String,
}

#[derive(Deserialize)]
struct RefRow {
    #[serde(rename = "ref")]
    name: String,
}

/// How many of the environment's deployments are read, newest first.
const HISTORY: usize = 1000;

/// Picks the tag to roll back to: the newest version tag with `prefix`,
/// older than `deployed`, whose newest deployment to `environment` ended in
/// success. When no such deployment is recorded, the previous version tag.
/// Prereleases are passed over unless the deployed tag is one.
pub async fn last_good_tag(
    client: &GitHubClient,
    repo: &Repo,
    prefix: &str,
    deployed: &str,
    environment: &str,
) -> anyhow::Result<Pick> {
    let Some(current) = Version::of(deployed, prefix) else {
        return Ok(Pick {
            tag: None,
            how: format!(
                "the deployed ref {deployed} is not a version tag with prefix {prefix:?}; pass --tag and --prefix"
            ),
        });
    };
    let refs: Vec<RefRow> = client
        .get_pages(
            &format!(
                "{}/git/matching-refs/tags/{}",
                repo.api_path(),
                encode_path(prefix)
            ),
            None,
        )
        .await?;
    let mut older: Vec<(Version, String)> = refs
        .into_iter()
        .filter_map(|r| {
            let tag = r.name.strip_prefix("refs/tags/")?.to_owned();
            let v = Version::of(&tag, prefix)?;
            let wanted = v < current && (v.pre.is_none() || current.pre.is_some());
            wanted.then_some((v, tag))
        })
        .collect();
    older.sort_by(|a, b| b.0.cmp(&a.0));
    let Some((_, previous)) = older.first() else {
        return Ok(Pick {
            tag: None,
            how: format!("no version tag older than {deployed}"),
        });
    };
    let history =
        deployments::list(client, repo, &[("environment", environment)], Some(HISTORY)).await?;
    let mut failed = Vec::new();
    for (_, tag) in &older {
        // The list is newest first: a tag's newest deployment decides (a
        // tag that once succeeded and later failed is not good).
        let newest = history
            .iter()
            .find(|d| d.git_ref.strip_prefix("refs/tags/").unwrap_or(&d.git_ref) == tag);
        let Some(d) = newest else { continue };
        let statuses = deployments::statuses(client, repo, d.id, Some(100)).await?;
        if ended_in_success(&statuses) {
            return Ok(Pick {
                tag: Some(tag.clone()),
                how: format!(
                    "{tag} is the newest tag before {deployed} whose deployment to {environment} (#{}) succeeded",
                    d.id
                ),
            });
        }
        failed.push(tag.as_str());
    }
    let window = if history.len() >= HISTORY {
        format!(" among the newest {HISTORY} deployments to {environment}")
    } else {
        String::new()
    };
    let seen = if failed.is_empty() {
        String::new()
    } else {
        format!(" ({} did not succeed)", failed.join(", "))
    };
    Ok(Pick {
        tag: Some(previous.clone()),
        how: format!(
            "no successful deployment of a tag older than {deployed} to {environment} is recorded{window}{seen}, so the previous version tag {previous}"
        ),
    })
}

/// Posts `text` to a Slack incoming webhook. Errors never carry the URL.
pub async fn post_slack(http: &reqwest::Client, url: &str, text: &str) -> Result<(), String> {
    let body = serde_json::json!({ "text": text });
    let answer = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("posting to Slack failed: {}", e.without_url()))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("Slack answered {}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_the_newest_state_that_is_not_inactive() {
        let rows = |states: &[&str]| -> Vec<StatusRow> {
            states
                .iter()
                .map(|s| StatusRow {
                    state: (*s).to_owned(),
                    description: None,
                })
                .collect()
        };
        assert!(ended_in_success(&rows(&["success", "in_progress"])));
        assert!(ended_in_success(&rows(&["inactive", "success"])));
        assert!(!ended_in_success(&rows(&["failure", "success"])));
        assert!(!ended_in_success(&rows(&["in_progress"])));
        assert!(!ended_in_success(&rows(&["inactive"])));
        assert!(!ended_in_success(&rows(&[])));
    }
}
