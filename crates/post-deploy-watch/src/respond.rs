//! Responding to the watch's outcome: the deployment's state, the last good
//! tag, the rollback dispatch, the freeze, and the Slack message.
//!
//! [`plan`] is pure: from how the watch ended (and, after a breach, the
//! last good tag that [`look_up_rollback`] found) it decides every
//! end-of-watch write: the deployment's final status and the rollback
//! dispatch as one plan, and whether to alert. The alert reports what that
//! plan did (whether the rollback was dispatched), so [`slack_text`] words
//! it from the report once the plan is applied, and it goes out as a plan
//! of its own; [`SlackPoster`] sends it for the runtime's plan door.

use std::future::Future;
use std::pin::Pin;

use gate_runtime::api::client::{encode_path, encode_segment};
use gate_runtime::api::deployments::{self, StatusRow};
use gate_runtime::plan::{
    DispatchWrite, OnFailure, Outcome as WriteOutcome, Plan, Webhook, WebhookPoster, Write,
};
use gate_runtime::version::Version;
use gate_runtime::{GitHubClient, Repo, Verdict};
use serde::Deserialize;

use crate::GATE;
use crate::cli::{OnBreach, OnInconclusive};
use crate::report::{RollbackResult, WatchReport};
use crate::settings::Settings;
use crate::watch::{Outcome, clock};

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

/// The last good tag, as looked up after a breach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// No repository, so no deployment history.
    NoRepo,
    /// The deployed tag is unknown.
    NoTag,
    /// The lookup failed; why.
    Failed(String),
    Found(Pick),
}

/// Whether the outcome calls for the last good tag.
pub fn wants_rollback(outcome: &Outcome, s: &Settings) -> bool {
    matches!(outcome, Outcome::Breach(_)) && s.on_breach == OnBreach::Rollback
}

/// Looks up the tag to roll back to.
pub async fn look_up_rollback(
    client: &GitHubClient,
    repo: Option<&Repo>,
    s: &Settings,
    tag: Option<&str>,
    environment: &str,
) -> Lookup {
    let Some(repo) = repo else {
        return Lookup::NoRepo;
    };
    let Some(tag) = tag else {
        return Lookup::NoTag;
    };
    match last_good_tag(client, repo, &s.prefix, tag, environment).await {
        Ok(pick) => Lookup::Found(pick),
        Err(e) => Lookup::Failed(format!("{e:#}")),
    }
}

/// How the watch ended, and what was found after it.
#[derive(Debug, Clone)]
pub struct Ended<'a> {
    pub outcome: &'a Outcome,
    /// The deployment whose status follows the watch.
    pub deployment_id: Option<u64>,
    /// The workflow run, for the deployment's log.
    pub run_url: Option<&'a str>,
    /// The last good tag, when a breach asked for it.
    pub rollback: Option<&'a Lookup>,
}

/// The rollback part of the response, before the dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    pub tag: Option<String>,
    pub how: String,
}

/// Every end-of-watch choice, and the writes that carry them out.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub verdict: Verdict,
    /// The deployment's final state: success, failure, or error.
    pub state: &'static str,
    pub description: String,
    pub rollback: Option<Rollback>,
    pub freeze: bool,
    /// Post to Slack, here, once the plan is applied.
    pub alert: Option<Webhook>,
    /// What already went wrong (a failed lookup).
    pub problems: Vec<String>,
    /// The final deployment status, then the rollback dispatch.
    pub plan: Plan,
}

/// Decides the response. Pure.
pub fn plan(e: &Ended<'_>, s: &Settings) -> Response {
    let outcome = e.outcome;
    let verdict = match (outcome, s.on_inconclusive) {
        (Outcome::Pass, _) => Verdict::Pass,
        (Outcome::Inconclusive { .. }, OnInconclusive::Warn) => Verdict::Warn,
        _ => Verdict::Fail,
    };
    let state = match outcome {
        Outcome::Pass => "success",
        Outcome::Breach(_) => "failure",
        // The watch could not tell: not success, and not a breach.
        Outcome::Inconclusive { .. } | Outcome::Cancelled { .. } | Outcome::Skipped { .. } => {
            "error"
        }
    };
    let description = match outcome {
        Outcome::Pass => format!("{GATE}: healthy for {}", s.duration_text),
        other => format!("{GATE}: {}", other.reason()),
    };
    let mut plan = Plan::new(OnFailure::Continue);
    if let Some(id) = e.deployment_id {
        plan.push(Write::DeploymentStatus {
            id,
            state: state.to_owned(),
            description: description.clone(),
            log_url: e.run_url.map(str::to_owned),
        });
    }
    let mut problems = Vec::new();
    let rollback = e.rollback.map(|lookup| {
        let (tag, how) = match lookup {
            Lookup::NoRepo => (
                None,
                "no repository (--repo or GITHUB_REPOSITORY), so no deployment history to pick a tag from".to_owned(),
            ),
            Lookup::NoTag => (
                None,
                "the deployed tag is unknown; pass --tag or --deployment-id".to_owned(),
            ),
            Lookup::Failed(why) => {
                let how = format!("finding the last good tag failed: {why}");
                problems.push(how.clone());
                (None, how)
            }
            Lookup::Found(pick) => (pick.tag.clone(), pick.how.clone()),
        };
        if let (Some(w), Some(good)) = (&s.rollback_workflow, &tag) {
            plan.push(Write::Dispatch(DispatchWrite {
                workflow: w.workflow.clone(),
                git_ref: w.git_ref.clone(),
                inputs: serde_json::json!({ w.input.clone(): good }),
            }));
        }
        Rollback { tag, how }
    });
    let freeze = matches!(outcome, Outcome::Breach(_)) && s.on_breach == OnBreach::Freeze;
    // A cancelled watch only writes its report, in the seconds the runner
    // allows.
    let alert = match outcome {
        Outcome::Cancelled { .. } => None,
        Outcome::Pass if !s.slack_on_pass => None,
        _ => s.slack.clone(),
    };
    Response {
        verdict,
        state,
        description,
        rollback,
        freeze,
        alert,
        problems,
        plan,
    }
}

/// The rollback as it came out: the dispatch's outcome added to how the tag
/// was found.
pub fn rollback_result(r: &Rollback, dispatch: Option<(&Write, &WriteOutcome)>) -> RollbackResult {
    let mut out = RollbackResult {
        tag: r.tag.clone(),
        how: r.how.clone(),
        dispatched: false,
        run_id: None,
    };
    let Some((Write::Dispatch(d), outcome)) = dispatch else {
        return out;
    };
    let suffix = match outcome {
        WriteOutcome::DryRun => format!("would dispatch {} on {}", d.workflow, d.git_ref),
        WriteOutcome::Made { id } | WriteOutcome::Found { id } => {
            out.dispatched = true;
            out.run_id = *id;
            match id {
                Some(run) => format!("dispatched {} on {} (run {run})", d.workflow, d.git_ref),
                None => format!("dispatched {} on {}", d.workflow, d.git_ref),
            }
        }
        WriteOutcome::Failed(why) => why.clone(),
        WriteOutcome::MadeByOther
        | WriteOutcome::Taken
        | WriteOutcome::Skipped
        | WriteOutcome::NotAllowed(_) => {
            return out;
        }
    };
    out.how.push_str(&format!("; {suffix}"));
    out
}

/// Text for Slack's mrkdwn: `&`, `<` and `>` escaped, so server text (a
/// series label, say) cannot make a link or an `<!channel>` mention.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Where the Slack message links to.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    pub repo: Option<&'a Repo>,
    pub run_url: Option<&'a str>,
    pub server_url: &'a str,
    pub environment: &'a str,
}

/// The Slack message: the verdict, the reason, the tag, and links.
pub fn slack_text(r: &WatchReport, links: Links<'_>) -> String {
    let icon = match r.outcome {
        Outcome::Pass => ":white_check_mark:",
        Outcome::Breach(_) => ":rotating_light:",
        _ => ":grey_question:",
    };
    let repo = links
        .repo
        .map(Repo::full_name)
        .unwrap_or_else(|| "production".to_owned());
    let mut t = format!(
        "{icon} post-deploy-watch: *{}* on {}{}",
        r.outcome.word(),
        slack_escape(&repo),
        r.tag
            .as_ref()
            .map(|t| format!(" ({})", slack_escape(t)))
            .unwrap_or_default()
    );
    t.push_str(&format!("\nReason: {}", slack_escape(&r.outcome.reason())));
    if let Some(rb) = &r.rollback {
        let text = rb
            .tag
            .as_deref()
            .map_or_else(|| rb.how.clone(), |tag| format!("{tag} ({})", rb.how));
        t.push_str(&format!("\nRollback: {}", slack_escape(&text)));
    }
    if r.freeze {
        t.push_str("\nFrozen: no automatic rollback");
    }
    if let Some(url) = links.run_url {
        t.push_str(&format!("\n<{url}|Workflow run>"));
    }
    if let (Some(repo), Some(id)) = (links.repo, r.deployment_id) {
        t.push_str(&format!(
            " · <{}/{}/deployments/{}|Deployment {id}>",
            links.server_url.trim_end_matches('/'),
            repo.full_name(),
            encode_segment(links.environment)
        ));
    }
    t.push_str(&format!(
        "\nWatched for {}",
        clock(
            r.watch
                .checks
                .iter()
                .map(|c| c.history.last().map_or(0.0, |h| h.0))
                .fold(0.0, f64::max)
        )
    ));
    t
}

/// Posts to Slack incoming webhooks with the watch's own HTTP client.
pub struct SlackPoster<'a>(pub &'a reqwest::Client);

impl WebhookPoster for SlackPoster<'_> {
    fn post<'a>(
        &'a self,
        url: &'a str,
        body: &'a serde_json::Value,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + 'a>> {
        Box::pin(async move {
            // Errors never carry the URL: it is a secret.
            let answer = self
                .0
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string())
                .timeout(std::time::Duration::from_secs(10))
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            let status = answer.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("Slack answered {}", status.as_u16()))
            }
        })
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

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::watch::Breach;
    use clap::Parser;
    use gate_runtime::Env;

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["post-deploy-watch", "--url", "http://a/"];
        argv.extend_from_slice(args);
        let env = Env::from_pairs([("HOOK", "https://hooks.example/T/B/secret")]);
        Settings::new(&crate::cli::Cli::parse_from(argv), &env).unwrap()
    }

    fn breach() -> Outcome {
        Outcome::Breach(Breach {
            check: "health".into(),
            at: "2026-11-20T10:00:00Z".into(),
            offset: 60.0,
            value: Some(500.0),
            threshold: "status 2xx".into(),
            detail: "500; 3 breaches in a row".into(),
        })
    }

    fn found(tag: &str) -> Lookup {
        Lookup::Found(Pick {
            tag: Some(tag.into()),
            how: format!("{tag} is the newest good one"),
        })
    }

    fn ended<'a>(outcome: &'a Outcome, rollback: Option<&'a Lookup>) -> Ended<'a> {
        Ended {
            outcome,
            deployment_id: Some(5),
            run_url: Some("https://github.example/acme/shop/actions/runs/1"),
            rollback,
        }
    }

    #[test]
    fn a_pass_marks_success_and_alerts_only_when_asked() {
        let s = settings(&["--duration", "2m", "--slack-webhook-env", "HOOK"]);
        let r = plan(&ended(&Outcome::Pass, None), &s);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(
            r.plan.writes,
            [Write::DeploymentStatus {
                id: 5,
                state: "success".into(),
                description: "post-deploy-watch: healthy for 2m".into(),
                log_url: Some("https://github.example/acme/shop/actions/runs/1".into()),
            }]
        );
        assert_eq!(r.alert, None);
        assert_eq!(r.rollback, None);
        let s = settings(&["--slack-webhook-env", "HOOK", "--slack-on-pass"]);
        assert_eq!(
            plan(&ended(&Outcome::Pass, None), &s)
                .alert
                .map(|w| w.env_var),
            Some("HOOK".to_owned())
        );
    }

    #[test]
    fn a_breach_fails_dispatches_the_rollback_and_alerts() {
        let s = settings(&[
            "--rollback-workflow",
            "rollback.yml",
            "--rollback-input",
            "version",
            "--slack-webhook-env",
            "HOOK",
        ]);
        assert!(wants_rollback(&breach(), &s));
        let lookup = found("v1.1.0");
        let outcome = breach();
        let r = plan(&ended(&outcome, Some(&lookup)), &s);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.state, "failure");
        assert!(r.description.contains("health: 500"), "{}", r.description);
        let [Write::DeploymentStatus { state, .. }, Write::Dispatch(d)] = &r.plan.writes[..] else {
            panic!("{:?}", r.plan)
        };
        assert_eq!(state, "failure");
        assert_eq!(d.workflow, "rollback.yml");
        assert_eq!(d.inputs, serde_json::json!({"version": "v1.1.0"}));
        assert_eq!(r.rollback.unwrap().tag.as_deref(), Some("v1.1.0"));
        assert!(r.alert.is_some());
        assert!(!r.freeze);
        assert_eq!(r.plan.on_failure, OnFailure::Continue);
    }

    #[test]
    fn freeze_and_alert_only_never_roll_back() {
        for (mode, freeze) in [("freeze", true), ("alert", false)] {
            let s = settings(&["--on-breach", mode, "--rollback-workflow", "r.yml"]);
            assert!(!wants_rollback(&breach(), &s));
            let outcome = breach();
            let r = plan(&ended(&outcome, None), &s);
            assert_eq!(r.freeze, freeze, "{mode}");
            assert_eq!(r.rollback, None);
            assert_eq!(r.plan.writes.len(), 1, "{mode}: {:?}", r.plan);
        }
    }

    #[test]
    fn a_rollback_without_a_tag_dispatches_nothing() {
        let s = settings(&["--rollback-workflow", "r.yml"]);
        let outcome = breach();
        for (lookup, want) in [
            (Lookup::NoRepo, "no repository"),
            (Lookup::NoTag, "the deployed tag is unknown"),
            (
                Lookup::Failed("GET x: HTTP 500".into()),
                "finding the last good tag failed",
            ),
        ] {
            let r = plan(&ended(&outcome, Some(&lookup)), &s);
            assert_eq!(r.plan.writes.len(), 1);
            let rb = r.rollback.unwrap();
            assert_eq!(rb.tag, None);
            assert!(rb.how.contains(want), "{}", rb.how);
            // Only a failed lookup is a problem to report.
            assert_eq!(
                r.problems.len(),
                usize::from(matches!(lookup, Lookup::Failed(_)))
            );
        }
    }

    #[test]
    fn inconclusive_and_cancelled_are_errors_never_success() {
        let s = settings(&["--slack-webhook-env", "HOOK"]);
        let inconclusive = Outcome::Inconclusive {
            check: "health".into(),
            why: "5 errors".into(),
        };
        let r = plan(&ended(&inconclusive, None), &s);
        assert_eq!((r.verdict, r.state), (Verdict::Fail, "error"));
        assert!(r.alert.is_some());
        let warn = settings(&["--on-inconclusive", "warn"]);
        assert_eq!(
            plan(&ended(&inconclusive, None), &warn).verdict,
            Verdict::Warn
        );
        let cancelled = Outcome::Cancelled { after: 12.0 };
        let r = plan(&ended(&cancelled, None), &s);
        assert_eq!((r.verdict, r.state), (Verdict::Fail, "error"));
        // A cancelled watch only writes its report.
        assert_eq!(r.alert, None);
        // With no deployment there is no status to set.
        let r = plan(
            &Ended {
                deployment_id: None,
                ..ended(&Outcome::Pass, None)
            },
            &s,
        );
        assert!(r.plan.is_empty());
    }

    #[test]
    fn the_rollback_line_says_what_the_dispatch_did() {
        let rb = Rollback {
            tag: Some("v1.1.0".into()),
            how: "found".into(),
        };
        let d = Write::Dispatch(DispatchWrite {
            workflow: "r.yml".into(),
            git_ref: "main".into(),
            inputs: serde_json::json!({}),
        });
        let made = rollback_result(&rb, Some((&d, &WriteOutcome::Made { id: Some(9) })));
        assert!(made.dispatched);
        assert_eq!(made.run_id, Some(9));
        assert_eq!(made.how, "found; dispatched r.yml on main (run 9)");
        let dry = rollback_result(&rb, Some((&d, &WriteOutcome::DryRun)));
        assert!(!dry.dispatched);
        assert_eq!(dry.how, "found; would dispatch r.yml on main");
        let failed = rollback_result(
            &rb,
            Some((
                &d,
                &WriteOutcome::Failed("dispatching r.yml failed: x".into()),
            )),
        );
        assert_eq!(failed.how, "found; dispatching r.yml failed: x");
        assert_eq!(rollback_result(&rb, None).how, "found");
    }
}
