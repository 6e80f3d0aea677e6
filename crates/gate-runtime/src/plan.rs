//! The writes a gate intends, as data, and the one place that makes them.
//!
//! A gate's `decide` returns a [`Plan`]: labels, comments, commit statuses,
//! tags, releases, dispatches, deployment statuses, Slack messages, each a
//! [`Write`] worked out from the facts. [`act`] is the only code that writes:
//! with `--dry-run` it prints the plan (in `github` format fenced, through
//! the same routine as every other untrusted line) and makes no write;
//! otherwise it applies the writes in order.
//! Tests assert on plans without a server.
//!
//! A create that is not idempotent (a comment, a tag, a release) is never
//! sent again blindly, because a lost answer may mean it landed: it is sent
//! once, then [`create_checked`] looks for it before trying again. A
//! dispatch, which cannot be looked up, is sent once. That rule lives here
//! and nowhere else. A new kind of write (a data-branch record, say) is a
//! new [`Write`] variant with its request, its texts, and its arm in
//! [`apply_api`].

use std::future::Future;
use std::io;
use std::pin::Pin;

use anyhow::Context as _;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::client::{ApiError, GitHubClient, PlannedWrite, WriteOutcome, encode_segment};
use crate::api::comment::{self, StickyTarget};
use crate::api::deployments;
use crate::api::status::{CommitStatus, StatusState};
use crate::cli::GateIo;
use crate::context::{GitHubContext, Repo};
use crate::git::{Git, short};
use crate::verdict::Format;

/// What a plan does when one of its writes fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// The run cannot go on: the error ends it (exit 2).
    Stop,
    /// Each failure is recorded and the later writes are still made (a
    /// watch that saw production fail must still alert when it cannot set
    /// the deployment's status).
    Continue,
}

/// The writes a gate intends, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub writes: Vec<Write>,
    pub on_failure: OnFailure,
}

impl Plan {
    pub fn new(on_failure: OnFailure) -> Self {
        Self {
            writes: Vec::new(),
            on_failure,
        }
    }

    pub fn push(&mut self, write: Write) {
        self.writes.push(write);
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// How a sticky comment is found again after a lost answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sticky {
    pub key: String,
    pub untrusted_author: Option<String>,
}

/// A tag on a commit; `message` makes it annotated, `None` lightweight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagWrite {
    pub name: String,
    pub commit: String,
    pub message: Option<String>,
}

/// A GitHub Release for an existing tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseWrite {
    pub tag: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
}

/// A `workflow_dispatch` of a workflow file.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchWrite {
    pub workflow: String,
    pub git_ref: String,
    pub inputs: Value,
}

/// A commit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusWrite {
    pub sha: String,
    pub state: StatusState,
    pub context: String,
    pub description: String,
    pub target_url: Option<String>,
}

/// An incoming webhook: the variable that named it, and its URL, which is
/// a secret (`Debug` never shows it).
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub env_var: String,
    url: String,
}

impl Webhook {
    pub fn new(env_var: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            env_var: env_var.into(),
            url: url.into(),
        }
    }

    /// The URL, for the poster only.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook(${}, ***)", self.env_var)
    }
}

/// One write a gate intends.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    AddLabels {
        issue: u64,
        labels: Vec<String>,
    },
    RemoveLabel {
        issue: u64,
        label: String,
    },
    /// A new sticky comment; `body` is the full body, marker included.
    CreateComment {
        issue: u64,
        body: String,
        sticky: Sticky,
    },
    UpdateComment {
        id: u64,
        body: String,
    },
    DeleteComment {
        id: u64,
    },
    CommitStatus(StatusWrite),
    /// A tag through the API: the tag object (when annotated), then the ref.
    Tag(TagWrite),
    /// A tag in the local repository.
    LocalTag(TagWrite),
    Release(ReleaseWrite),
    Dispatch(DispatchWrite),
    DeploymentStatus {
        id: u64,
        state: String,
        description: String,
        log_url: Option<String>,
    },
    Slack {
        webhook: Webhook,
        text: String,
    },
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

impl Write {
    /// The API requests this write sends, as a dry run prints them. The
    /// second request of an annotated tag names the object the first makes.
    pub fn requests(&self, repo: &Repo) -> Vec<PlannedWrite> {
        let req = |method: Method, path: String, body: Value| PlannedWrite {
            method: method.to_string(),
            path,
            body,
        };
        let api = repo.api_path();
        match self {
            Write::AddLabels { issue, labels } => vec![req(
                Method::POST,
                format!("{api}/issues/{issue}/labels"),
                json!({ "labels": labels }),
            )],
            Write::RemoveLabel { issue, label } => vec![req(
                Method::DELETE,
                format!("{api}/issues/{issue}/labels/{}", encode_segment(label)),
                Value::Null,
            )],
            Write::CreateComment { issue, body, .. } => vec![req(
                Method::POST,
                format!("{api}/issues/{issue}/comments"),
                json!({ "body": body }),
            )],
            Write::UpdateComment { id, body } => vec![req(
                Method::PATCH,
                format!("{api}/issues/comments/{id}"),
                json!({ "body": body }),
            )],
            Write::DeleteComment { id } => vec![req(
                Method::DELETE,
                format!("{api}/issues/comments/{id}"),
                Value::Null,
            )],
            Write::CommitStatus(s) => {
                let (path, body) = CommitStatus {
                    sha: &s.sha,
                    state: s.state,
                    context: &s.context,
                    description: &s.description,
                    target_url: s.target_url.as_deref(),
                }
                .request(repo);
                vec![req(Method::POST, path, body)]
            }
            Write::Tag(t) => {
                let mut out = Vec::new();
                let target = match &t.message {
                    Some(message) => {
                        out.push(req(
                            Method::POST,
                            format!("{api}/git/tags"),
                            tag_object_body(t, message),
                        ));
                        "<the new tag object>"
                    }
                    None => t.commit.as_str(),
                };
                out.push(req(
                    Method::POST,
                    format!("{api}/git/refs"),
                    ref_body(&t.name, target),
                ));
                out
            }
            Write::Release(r) => vec![req(
                Method::POST,
                format!("{api}/releases"),
                json!({
                    "tag_name": r.tag, "name": r.name, "body": r.body,
                    "draft": r.draft, "prerelease": r.prerelease,
                }),
            )],
            Write::Dispatch(d) => {
                let (path, body) =
                    deployments::dispatch_request(repo, &d.workflow, &d.git_ref, &d.inputs);
                vec![req(Method::POST, path, body)]
            }
            Write::DeploymentStatus {
                id,
                state,
                description,
                log_url,
            } => {
                let (path, body) =
                    deployments::status_request(repo, *id, state, description, log_url.as_deref());
                vec![req(Method::POST, path, body)]
            }
            Write::LocalTag(_) | Write::Slack { .. } => Vec::new(),
        }
    }

    /// What the write does, as a dry run says it.
    pub fn intent(&self) -> String {
        match self {
            Write::AddLabels { issue, labels } => {
                format!("add label {} to #{issue}", labels.join(", "))
            }
            Write::RemoveLabel { issue, label } => format!("remove label {label} from #{issue}"),
            Write::CreateComment { issue, .. } => format!("create the sticky comment on #{issue}"),
            Write::UpdateComment { id, .. } => format!("update comment {id}"),
            Write::DeleteComment { id } => format!("delete comment {id}"),
            Write::CommitStatus(s) => format!(
                "set status {} to {} on {}",
                s.context,
                s.state.as_str(),
                short(&s.sha)
            ),
            Write::Tag(t) => format!("tag {} as {}", short(&t.commit), t.name),
            Write::LocalTag(t) => format!(
                "tag {} as {} in the local repository ({})",
                short(&t.commit),
                t.name,
                if t.message.is_some() {
                    "annotated"
                } else {
                    "lightweight"
                }
            ),
            Write::Release(r) => format!("create release {}", r.tag),
            Write::Dispatch(d) => format!("dispatch {} on {}", d.workflow, d.git_ref),
            Write::DeploymentStatus { id, state, .. } => {
                format!("set deployment {id} to {state}")
            }
            Write::Slack { webhook, text } => format!(
                "post to Slack (the webhook in ${}): {}",
                webhook.env_var,
                first_line(text)
            ),
        }
    }

    /// What was being done, for an error.
    pub fn doing(&self) -> String {
        match self {
            Write::AddLabels { issue, labels } => {
                format!("adding label {} to #{issue}", labels.join(", "))
            }
            Write::RemoveLabel { issue, label } => {
                format!("removing label {label} from #{issue}")
            }
            Write::CreateComment { issue, .. } => {
                format!("creating the sticky comment on #{issue}")
            }
            Write::UpdateComment { id, .. } => format!("updating comment {id}"),
            Write::DeleteComment { id } => format!("deleting comment {id}"),
            Write::CommitStatus(s) => format!("setting status {}", s.context),
            Write::Tag(t) | Write::LocalTag(t) => format!("creating tag {}", t.name),
            Write::Release(_) => "creating the release".to_owned(),
            Write::Dispatch(d) => format!("dispatching {}", d.workflow),
            Write::DeploymentStatus { id, state, .. } => {
                format!("setting deployment {id} to {state}")
            }
            Write::Slack { .. } => "posting to Slack".to_owned(),
        }
    }

    /// What was done (or, in a dry run, would be), for the report's list of
    /// actions; failures are [`Applied::failures`].
    pub fn done(&self, outcome: &Outcome) -> Option<String> {
        let made = match outcome {
            Outcome::Made { .. } | Outcome::Found { .. } => true,
            Outcome::DryRun => return Some(format!("would {}", self.intent())),
            Outcome::Failed(_)
            | Outcome::NotAllowed(_)
            | Outcome::MadeByOther
            | Outcome::Taken
            | Outcome::Skipped => false,
        };
        let id = match outcome {
            Outcome::Made { id } | Outcome::Found { id } => *id,
            _ => None,
        };
        made.then(|| match self {
            Write::AddLabels { labels, .. } => format!("added label {}", labels.join(", ")),
            Write::RemoveLabel { label, .. } => format!("removed label {label}"),
            Write::CreateComment { issue, .. } => match id {
                Some(id) => format!("comment {id} on #{issue}: created"),
                None => format!("comment on #{issue}: created"),
            },
            Write::UpdateComment { id, .. } => format!("comment {id}: updated"),
            Write::DeleteComment { id } => format!("comment {id}: deleted (a duplicate)"),
            Write::CommitStatus(s) => format!("status {}: {}", s.context, s.state.as_str()),
            Write::Tag(t) | Write::LocalTag(t) => {
                format!("tagged {} as {}", short(&t.commit), t.name)
            }
            Write::Release(r) => format!("release {}", r.tag),
            Write::Dispatch(d) => match id {
                Some(run) => format!("dispatched {} on {} (run {run})", d.workflow, d.git_ref),
                None => format!("dispatched {} on {}", d.workflow, d.git_ref),
            },
            Write::DeploymentStatus { id, state, .. } => format!("deployment {id}: {state}"),
            Write::Slack { webhook, .. } => {
                format!("posted to Slack (the webhook in ${})", webhook.env_var)
            }
        })
    }

    /// The lines a dry run prints for this write: its requests, or what it
    /// would do where it is no API request.
    pub fn dry_run_lines(&self, repo: Option<&Repo>) -> Vec<String> {
        match (self, repo) {
            (Write::LocalTag(_) | Write::Slack { .. }, _) | (_, None) => {
                vec![format!("would {}", self.intent())]
            }
            (_, Some(repo)) => self
                .requests(repo)
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}

fn tag_object_body(t: &TagWrite, message: &str) -> Value {
    json!({"tag": t.name, "message": message, "object": t.commit, "type": "commit"})
}

fn ref_body(tag: &str, sha: &str) -> Value {
    json!({"ref": format!("refs/tags/{tag}"), "sha": sha})
}

/// What happened to one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Made by this run; the new object's id where it has one (a comment, a
    /// dispatched run when GitHub names it).
    Made { id: Option<u64> },
    /// A create whose answer was lost found its object in place: this
    /// run's, as far as can be told.
    Found { id: Option<u64> },
    /// A concurrent run made the same object first; what follows it in the
    /// plan is that run's to do, so it is skipped.
    MadeByOther,
    /// The name is held by a different object; what follows is skipped, and
    /// the gate decides again on fresh facts.
    Taken,
    /// Not made, because an earlier write was made by another run or taken.
    Skipped,
    /// Failed, with why (plans that go on past failures).
    Failed(String),
    /// Not tried: the run's token cannot write (a fork's pull request), and
    /// why.
    NotAllowed(String),
    /// `--dry-run`: printed, not made.
    DryRun,
}

/// What a plan's writes did, in the plan's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub results: Vec<(Write, Outcome)>,
}

impl Applied {
    /// A dry run: every write printed, none made.
    pub fn dry_run(plan: &Plan) -> Self {
        Self {
            results: plan
                .writes
                .iter()
                .map(|w| (w.clone(), Outcome::DryRun))
                .collect(),
        }
    }

    /// The outcome of the first write that `pick` selects.
    pub fn outcome(&self, pick: impl Fn(&Write) -> bool) -> Option<&Outcome> {
        self.results.iter().find(|(w, _)| pick(w)).map(|(_, o)| o)
    }

    /// One line per write that was made (or, in a dry run, would be), for
    /// the report's actions.
    pub fn lines(&self) -> Vec<String> {
        self.results.iter().filter_map(|(w, o)| w.done(o)).collect()
    }

    /// Writes not tried because the token cannot write, one note each.
    pub fn not_allowed(&self) -> Vec<String> {
        self.results
            .iter()
            .filter_map(|(w, o)| match o {
                Outcome::NotAllowed(why) => Some(format!("skipped {}: {why}", w.intent())),
                _ => None,
            })
            .collect()
    }

    /// Why writes failed, in a plan that went on past failures.
    pub fn failures(&self) -> Vec<String> {
        self.results
            .iter()
            .filter_map(|(_, o)| match o {
                Outcome::Failed(why) => Some(why.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Posts to an incoming webhook (Slack). The runtime speaks only to GitHub,
/// so the gate that alerts hands in its own HTTP client; errors never carry
/// the URL.
pub trait WebhookPoster {
    fn post<'a>(
        &'a self,
        url: &'a str,
        body: &'a Value,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + 'a>>;
}

/// Where writes go: the API (with its repository), the local repository,
/// webhooks. A run that writes only locally builds no API client.
#[derive(Clone, Copy)]
pub struct World<'a> {
    pub client: Option<&'a GitHubClient>,
    pub repo: Option<&'a Repo>,
    pub git: Option<&'a Git>,
    pub webhooks: Option<&'a dyn WebhookPoster>,
}

/// Where a dry run prints its plan, and whether the lines are fenced.
pub struct DryRunOut<'a> {
    out: &'a mut dyn io::Write,
    fence: bool,
}

impl<'a> DryRunOut<'a> {
    /// Plain lines, for a terminal or a JSON run's stderr.
    pub fn plain(out: &'a mut dyn io::Write) -> Self {
        Self { out, fence: false }
    }

    /// Lines fenced against workflow commands: they quote pull-request text.
    pub fn fenced(out: &'a mut dyn io::Write) -> Self {
        Self { out, fence: true }
    }

    /// Prints a dry run's lines, fenced where a plan's are: for a gate whose
    /// plan holds writes of its own beside the API's (a data-branch record,
    /// a file).
    pub fn write_lines(self, lines: &[String]) -> io::Result<()> {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        if self.fence {
            crate::runner::commands::write_inert(self.out, &text)
        } else {
            self.out.write_all(text.as_bytes())
        }
    }
}

/// Where a run's dry run prints its plan: stdout, or stderr under `--format
/// json`, whose stdout holds exactly one object; fenced in `github` format.
pub fn dry_run_out<'a>(io: &'a mut GateIo<'_>, format: Format) -> DryRunOut<'a> {
    match format {
        Format::Json => DryRunOut::plain(&mut *io.stderr),
        Format::Text => DryRunOut::plain(&mut *io.stdout),
        Format::Github => DryRunOut::fenced(&mut *io.stdout),
    }
}

/// The one place a gate's writes happen: with `dry_run` the plan is printed
/// and nothing is written.
pub async fn act(
    plan: &Plan,
    world: &World<'_>,
    dry_run: bool,
    dry_run_out: DryRunOut<'_>,
) -> anyhow::Result<Applied> {
    if dry_run {
        // The printed plan is informational; a closed pipe must not turn a
        // dry run into a failure.
        let _ = print(plan, world.repo, dry_run_out);
        return Ok(Applied::dry_run(plan));
    }
    apply(plan, world).await
}

/// [`act`] inside a gate's run: `--dry-run` and the place to print come
/// from the context.
pub async fn carry_out(
    plan: &Plan,
    world: &World<'_>,
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
) -> anyhow::Result<Applied> {
    if let (Some(why), false) = (ctx.read_only_reason(), ctx.dry_run) {
        return Ok(Applied {
            results: plan
                .writes
                .iter()
                .map(|w| (w.clone(), Outcome::NotAllowed(why.to_owned())))
                .collect(),
        });
    }
    act(plan, world, ctx.dry_run, dry_run_out(io, ctx.format)).await
}

/// Prints the plan as a dry run shows it, one line per request; fenced, a
/// line of untrusted text (a PR title in a comment) is shown, never run.
pub fn print(plan: &Plan, repo: Option<&Repo>, out: DryRunOut<'_>) -> io::Result<()> {
    let lines: Vec<String> = plan
        .writes
        .iter()
        .flat_map(|w| w.dry_run_lines(repo))
        .collect();
    out.write_lines(&lines)
}

/// Applies the writes in order. After a write another run made first, or
/// whose name is taken, the rest are skipped: they were decided on facts
/// that no longer hold.
pub async fn apply(plan: &Plan, world: &World<'_>) -> anyhow::Result<Applied> {
    let mut results = Vec::with_capacity(plan.writes.len());
    let mut skip = false;
    for write in &plan.writes {
        if skip {
            results.push((write.clone(), Outcome::Skipped));
            continue;
        }
        let outcome = match apply_one(write, world).await {
            Ok(o) => o,
            Err(e) => match plan.on_failure {
                OnFailure::Stop => return Err(e.context(write.doing())),
                OnFailure::Continue => Outcome::Failed(format!("{} failed: {e:#}", write.doing())),
            },
        };
        skip = matches!(outcome, Outcome::MadeByOther | Outcome::Taken);
        results.push((write.clone(), outcome));
    }
    Ok(Applied { results })
}

/// Makes one write.
pub async fn apply_one(write: &Write, world: &World<'_>) -> anyhow::Result<Outcome> {
    match write {
        Write::LocalTag(t) => {
            let git = world
                .git
                .context("no local repository to tag in; run inside the checkout")?;
            local_tag(git, t)
        }
        Write::Slack { webhook, text } => {
            let poster = world
                .webhooks
                .context("internal: no webhook poster for a Slack message")?;
            poster
                .post(webhook.url(), &json!({ "text": text }))
                .await
                .map_err(anyhow::Error::msg)?;
            Ok(Outcome::Made { id: None })
        }
        _ => {
            let repo = world
                .repo
                .context("no repository to write to: pass --repo owner/name")?;
            let client = world
                .client
                .context("internal: no API client for an API write")?;
            Ok(apply_api(write, client, repo).await?)
        }
    }
}

#[derive(Deserialize)]
struct WithId {
    id: u64,
}

#[derive(Deserialize)]
struct RefObject {
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

#[derive(Deserialize)]
struct GitRef {
    object: RefObject,
}

#[derive(Deserialize)]
struct TagObject {
    sha: String,
    object: RefObject,
}

/// Makes one API write.
pub async fn apply_api(
    write: &Write,
    client: &GitHubClient,
    repo: &Repo,
) -> Result<Outcome, ApiError> {
    match write {
        Write::CreateComment {
            issue,
            body,
            sticky,
        } => {
            let target = StickyTarget {
                repo,
                issue_number: *issue,
                key: &sticky.key,
                untrusted_author: sticky.untrusted_author.as_deref(),
            };
            let path = target.comments_path();
            let created = create_checked(
                client,
                || client.write_once::<WithId>(Method::POST, &path, Some(json!({ "body": body }))),
                || async {
                    let ours = comment::find_sticky(client, &target).await?;
                    Ok((!ours.is_empty()).then_some(ours))
                },
            )
            .await?;
            Ok(match created {
                Created::New(c) => Outcome::Made { id: Some(c.id) },
                Created::DryRun => Outcome::DryRun,
                Created::Found(ours) => {
                    // Our lost create, or a concurrent run's: settle on one
                    // comment saying what this run wants.
                    for w in comment::settle(&ours, body) {
                        send(&w, client, repo).await?;
                    }
                    Outcome::Found {
                        id: ours.first().map(|c| c.id),
                    }
                }
            })
        }
        Write::Tag(t) => api_tag(client, repo, t).await,
        Write::Release(r) => {
            let request = write.requests(repo).remove(0);
            let existing = format!(
                "{}/releases/tags/{}",
                repo.api_path(),
                encode_segment(&r.tag)
            );
            let created = create_checked(
                client,
                || {
                    client.write_once::<WithId>(
                        Method::POST,
                        &request.path,
                        Some(request.body.clone()),
                    )
                },
                || client.get_optional::<WithId>(&existing),
            )
            .await?;
            Ok(match created {
                Created::New(x) => Outcome::Made { id: Some(x.id) },
                Created::Found(x) => Outcome::Found { id: Some(x.id) },
                Created::DryRun => Outcome::DryRun,
            })
        }
        Write::Dispatch(d) => {
            // Sent once: a dispatch cannot be looked up, and a second one
            // would start a second run.
            let run =
                deployments::dispatch(client, repo, &d.workflow, &d.git_ref, d.inputs.clone())
                    .await?;
            Ok(if client.is_dry_run() {
                Outcome::DryRun
            } else {
                Outcome::Made { id: run }
            })
        }
        _ => send(write, client, repo).await,
    }
}

/// Sends a write that may be repeated safely (a label, a status, an edit),
/// with the client's retries.
async fn send(write: &Write, client: &GitHubClient, repo: &Repo) -> Result<Outcome, ApiError> {
    let method = match write {
        Write::RemoveLabel { .. } | Write::DeleteComment { .. } => Method::DELETE,
        Write::UpdateComment { .. } => Method::PATCH,
        Write::AddLabels { .. } | Write::CommitStatus(_) | Write::DeploymentStatus { .. } => {
            Method::POST
        }
        _ => {
            return Err(ApiError::Request {
                endpoint: write.doing(),
                message: "internal: not a repeatable API write".to_owned(),
            });
        }
    };
    let mut outcome = Outcome::DryRun;
    for r in write.requests(repo) {
        let body = (!r.body.is_null()).then_some(r.body);
        outcome = match client.write::<Value>(method.clone(), &r.path, body).await? {
            WriteOutcome::Done(v) => Outcome::Made {
                id: v.get("id").and_then(Value::as_u64),
            },
            WriteOutcome::DryRun => Outcome::DryRun,
        };
    }
    Ok(outcome)
}

/// A create's result when it is sent with [`create_checked`].
pub enum Created<T, F> {
    /// This run made it; GitHub's answer.
    New(T),
    /// After a lost answer or a 422 "already exists", it was found in place.
    Found(F),
    /// A dry-run client printed it.
    DryRun,
}

/// How many times a create is sent at most, with a look before each retry.
pub const CREATE_ATTEMPTS: u32 = 3;

/// Sends a create that must not land twice. `send` makes one attempt (no
/// retries of its own); when its answer is lost (a transient failure) or
/// GitHub says the object already exists, `look` checks what is there
/// before anything is sent again.
pub async fn create_checked<T, F, S, SF, L, LF>(
    client: &GitHubClient,
    send: S,
    look: L,
) -> Result<Created<T, F>, ApiError>
where
    S: Fn() -> SF,
    SF: Future<Output = Result<WriteOutcome<T>, ApiError>>,
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<F>, ApiError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match send().await {
            Ok(WriteOutcome::Done(t)) => return Ok(Created::New(t)),
            Ok(WriteOutcome::DryRun) => return Ok(Created::DryRun),
            Err(e) if e.is_already_exists() => {
                return match look().await? {
                    Some(found) => Ok(Created::Found(found)),
                    None => Err(e),
                };
            }
            Err(e) if e.is_transient() && attempt < CREATE_ATTEMPTS => {
                tokio::time::sleep(client.backoff(attempt)).await;
                if let Some(found) = look().await? {
                    return Ok(Created::Found(found));
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Creates a tag through the API: the annotated tag object, then the ref,
/// checked. A ref found in place is ours when it holds the object this run
/// made; otherwise another run's, on this commit or another.
async fn api_tag(client: &GitHubClient, repo: &Repo, t: &TagWrite) -> Result<Outcome, ApiError> {
    let api = repo.api_path();
    let object = match &t.message {
        None => None,
        Some(message) => {
            let made: WriteOutcome<TagObject> = client
                .write(
                    Method::POST,
                    &format!("{api}/git/tags"),
                    Some(tag_object_body(t, message)),
                )
                .await?;
            match made {
                WriteOutcome::Done(o) => Some(o.sha),
                WriteOutcome::DryRun => None,
            }
        }
    };
    let target = object.as_deref().unwrap_or(&t.commit);
    let refs = format!("{api}/git/refs");
    let existing = format!("{api}/git/ref/tags/{}", encode_segment(&t.name));
    let created = create_checked(
        client,
        || client.write_once::<Value>(Method::POST, &refs, Some(ref_body(&t.name, target))),
        || client.get_optional::<GitRef>(&existing),
    )
    .await?;
    let held = match created {
        Created::New(_) => return Ok(Outcome::Made { id: None }),
        Created::DryRun => return Ok(Outcome::DryRun),
        Created::Found(held) => held.object,
    };
    if object.as_deref() == Some(held.sha.as_str()) {
        return Ok(Outcome::Found { id: None });
    }
    let commit = if held.kind == "tag" {
        let tag: TagObject = client.get(&format!("{api}/git/tags/{}", held.sha)).await?;
        tag.object.sha
    } else {
        held.sha
    };
    Ok(if commit == t.commit {
        Outcome::MadeByOther
    } else {
        Outcome::Taken
    })
}

/// Creates a tag in the local repository, unless the name is taken.
fn local_tag(git: &Git, t: &TagWrite) -> anyhow::Result<Outcome> {
    if let Some(existing) = git.resolve_commit(&format!("refs/tags/{}", t.name)) {
        return Ok(if existing == t.commit {
            Outcome::MadeByOther
        } else {
            Outcome::Taken
        });
    }
    match &t.message {
        None => git.run(&["tag", "--end-of-options", &t.name, &t.commit])?,
        Some(message) => git.run(&[
            "tag",
            "-a",
            "-m",
            message,
            "--end-of-options",
            &t.name,
            &t.commit,
        ])?,
    };
    Ok(Outcome::Made { id: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> Repo {
        Repo::parse("acme/shop", "test").unwrap()
    }

    #[test]
    fn a_dry_run_prints_the_requests_fenced() {
        let mut plan = Plan::new(OnFailure::Stop);
        plan.push(Write::AddLabels {
            issue: 5,
            labels: vec!["size/XL".into()],
        });
        plan.push(Write::Tag(TagWrite {
            name: "v1.1.0".into(),
            commit: "c".repeat(40),
            message: Some("v1.1.0\n\n::error::from a commit".into()),
        }));
        plan.push(Write::Slack {
            webhook: Webhook::new("HOOK", "https://hooks.example/secret"),
            text: "fail\nmore".into(),
        });
        let mut out = Vec::new();
        print(&plan, Some(&repo()), DryRunOut::fenced(&mut out)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("::stop-commands::"), "{text}");
        assert_eq!(
            lines[1],
            r#"would POST /repos/acme/shop/issues/5/labels {"labels":["size/XL"]}"#
        );
        assert!(lines[2].starts_with("would POST /repos/acme/shop/git/tags "));
        assert!(
            lines[3].contains(r#""sha":"<the new tag object>""#),
            "{text}"
        );
        assert_eq!(lines[4], "would post to Slack (the webhook in $HOOK): fail");
        assert!(!text.contains("secret"), "{text}");
        assert_eq!(fake_github_free_live_commands(&text), 0);
    }

    /// Workflow commands the runner would run: none inside the fence.
    fn fake_github_free_live_commands(log: &str) -> usize {
        let mut stopped: Option<String> = None;
        let mut live = 0;
        for line in log.lines() {
            match &stopped {
                Some(t) if line == format!("::{t}::") => stopped = None,
                Some(_) => {}
                None => match line.strip_prefix("::stop-commands::") {
                    Some(t) => stopped = Some(t.to_owned()),
                    None if line.starts_with("::") => live += 1,
                    None => {}
                },
            }
        }
        live
    }

    #[test]
    fn the_webhook_url_never_shows() {
        let w = Webhook::new("HOOK", "https://hooks.example/T/B/secret");
        assert_eq!(format!("{w:?}"), "Webhook($HOOK, ***)");
        let write = Write::Slack {
            webhook: w,
            text: "x".into(),
        };
        assert!(!format!("{write:?}").contains("secret"));
    }

    #[test]
    fn done_lines_say_what_happened() {
        let d = Write::Dispatch(DispatchWrite {
            workflow: "deploy.yml".into(),
            git_ref: "main".into(),
            inputs: json!({"tag": "v1"}),
        });
        assert_eq!(
            d.done(&Outcome::Made { id: Some(7) }).unwrap(),
            "dispatched deploy.yml on main (run 7)"
        );
        assert_eq!(
            d.done(&Outcome::DryRun).unwrap(),
            "would dispatch deploy.yml on main"
        );
        assert_eq!(d.done(&Outcome::Skipped), None);
    }
}
