//! The repository's settings as the REST API shows them, read once, each
//! kept as "known" or "this token cannot read it, and this permission
//! would".
//!
//! The models are lenient serde types: a field GitHub leaves out for a
//! token without the right (the merge settings, a ruleset's bypass actors)
//! is an `Option`, and its absence means "unknown", never "off".

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use gate_runtime::api::client::{ApiError, GitHubClient, encode_segment};
use gate_runtime::context::Repo;

/// Fine-grained permission names, as GitHub's docs list them per endpoint.
pub(crate) const ADMINISTRATION: &str = "Administration: read (a fine-grained token or GitHub App of a repository admin; the workflow's GITHUB_TOKEN cannot have it)";
pub(crate) const ACTIONS: &str = "Actions: read (in a workflow, `permissions: actions: read`)";
pub(crate) const METADATA: &str = "Metadata: read (any token that can see the repository)";
pub(crate) const CONTENTS: &str = "Contents: read (in a workflow, `permissions: contents: read`)";

/// A setting as far as the token can read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Readable<T> {
    Known(T),
    /// The token cannot read it: the permission that would, and what
    /// GitHub said.
    Unknown {
        permission: &'static str,
        why: String,
    },
}

impl<T> Readable<T> {
    pub(crate) fn known(&self) -> Option<&T> {
        match self {
            Readable::Known(t) => Some(t),
            Readable::Unknown { .. } => None,
        }
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Readable<U> {
        match self {
            Readable::Known(t) => Readable::Known(f(t)),
            Readable::Unknown { permission, why } => Readable::Unknown { permission, why },
        }
    }
}

/// A read's outcome: refused reads (403, or a 404 that is GitHub hiding
/// what the token may not see) are unknown; a refused token or an API that
/// stays down stops the run.
pub(crate) fn readable<T>(
    result: Result<T, ApiError>,
    permission: &'static str,
) -> anyhow::Result<Readable<T>> {
    match result {
        Ok(v) => Ok(Readable::Known(v)),
        Err(e) if e.status() == Some(401) => Err(anyhow::Error::new(e).context(
            "the token was refused: set GITHUB_TOKEN (or GH_TOKEN) to a valid token, or run with --offline",
        )),
        Err(e) if matches!(e.status(), Some(403 | 404)) => Ok(Readable::Unknown {
            permission,
            why: e.to_string(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The merge buttons; `None` where GitHub left the field out.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct MergeSettings {
    pub(crate) allow_squash_merge: Option<bool>,
    pub(crate) allow_merge_commit: Option<bool>,
    pub(crate) allow_rebase_merge: Option<bool>,
    pub(crate) delete_branch_on_merge: Option<bool>,
}

/// `GET /repos/{owner}/{repo}`, what doctor uses of it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Repository {
    pub(crate) default_branch: String,
    #[serde(flatten)]
    pub(crate) merge: MergeSettings,
}

/// One rule of `GET /repos/{o}/{r}/rules/branches/{branch}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) struct BranchRule {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) parameters: Value,
    #[serde(default)]
    pub(crate) ruleset_source_type: Option<String>,
    #[serde(default)]
    pub(crate) ruleset_id: Option<u64>,
}

impl BranchRule {
    /// The rule as a ruleset lists it (for a `PUT` of the ruleset).
    pub(crate) fn as_ruleset_rule(&self) -> Value {
        let mut v = serde_json::json!({"type": self.kind});
        if !self.parameters.is_null() {
            v["parameters"] = self.parameters.clone();
        }
        v
    }

    /// Whether this rule comes from a ruleset of the repository itself
    /// (an organization's cannot be edited here).
    pub(crate) fn is_repository_level(&self) -> bool {
        self.ruleset_source_type.as_deref() != Some("Organization")
    }
}

/// A required check: its name, and the app that must report it when the
/// rule names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Required {
    pub(crate) context: String,
    pub(crate) app_id: Option<u64>,
    /// Where the requirement lives: a ruleset id, or classic protection.
    pub(crate) ruleset: Option<u64>,
}

/// GitHub Actions' app id.
pub(crate) const ACTIONS_APP_ID: u64 = 15368;

/// The required checks of branch rules.
pub(crate) fn required_in_rules(rules: &[BranchRule]) -> Vec<Required> {
    rules
        .iter()
        .filter(|r| r.kind == "required_status_checks")
        .flat_map(|r| {
            r.parameters["required_status_checks"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(move |c| {
                    Some(Required {
                        context: c["context"].as_str()?.to_owned(),
                        app_id: c["integration_id"].as_u64(),
                        ruleset: r.ruleset_id,
                    })
                })
        })
        .collect()
}

/// Classic branch protection, what doctor uses of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Classic {
    pub(crate) required_checks: Vec<(String, Option<u64>)>,
    /// (approvals, stale approvals dismissed) when reviews are required.
    pub(crate) reviews: Option<(u64, bool)>,
}

#[derive(Debug, Deserialize)]
struct ClassicChecksRaw {
    #[serde(default)]
    contexts: Vec<String>,
    #[serde(default)]
    checks: Vec<ClassicCheckRaw>,
}

#[derive(Debug, Deserialize)]
struct ClassicCheckRaw {
    context: String,
    #[serde(default)]
    app_id: Option<u64>,
}

impl ClassicChecksRaw {
    fn names(self) -> Vec<(String, Option<u64>)> {
        if self.checks.is_empty() {
            self.contexts.into_iter().map(|c| (c, None)).collect()
        } else {
            self.checks
                .into_iter()
                .map(|c| (c.context, c.app_id))
                .collect()
        }
    }
}

#[derive(Debug, Deserialize)]
struct ClassicRaw {
    #[serde(default)]
    required_status_checks: Option<ClassicChecksRaw>,
    #[serde(default)]
    required_pull_request_reviews: Option<ReviewsRaw>,
}

#[derive(Debug, Deserialize)]
struct ReviewsRaw {
    #[serde(default)]
    required_approving_review_count: u64,
    #[serde(default)]
    dismiss_stale_reviews: bool,
}

/// `GET /repos/{o}/{r}/branches/{branch}`: readable with read access, and
/// its `protection` shows classic required checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BranchInfo {
    pub(crate) protected: bool,
    /// Whether classic protection is on.
    pub(crate) classic: bool,
    pub(crate) classic_checks: Vec<(String, Option<u64>)>,
}

#[derive(Debug, Deserialize)]
struct BranchRaw {
    #[serde(default)]
    protected: bool,
    #[serde(default)]
    protection: Option<BranchProtectionRaw>,
}

#[derive(Debug, Deserialize)]
struct BranchProtectionRaw {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    required_status_checks: Option<ClassicChecksRaw>,
}

/// A deployment branch or tag policy.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct BranchPolicy {
    pub(crate) id: u64,
    pub(crate) name: String,
    #[serde(rename = "type", default = "branch_kind")]
    pub(crate) kind: String,
}

fn branch_kind() -> String {
    "branch".to_owned()
}

/// `deployment_branch_policy` of an environment.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub(crate) struct DeploymentPolicy {
    pub(crate) protected_branches: bool,
    pub(crate) custom_branch_policies: bool,
}

/// An environment and who may deploy to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Environment {
    pub(crate) name: String,
    /// `None`: every branch may deploy.
    pub(crate) policy: Option<DeploymentPolicy>,
    /// The custom policies, when `custom_branch_policies` is on.
    pub(crate) branch_policies: Readable<Vec<BranchPolicy>>,
}

#[derive(Debug, Deserialize)]
struct EnvironmentRaw {
    name: String,
    #[serde(default)]
    deployment_branch_policy: Option<DeploymentPolicy>,
}

/// A bypass actor of a ruleset.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct BypassActor {
    #[serde(default)]
    pub(crate) actor_id: Option<u64>,
    pub(crate) actor_type: String,
}

/// A ruleset, in full.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) struct Ruleset {
    pub(crate) id: u64,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) target: Option<String>,
    pub(crate) enforcement: String,
    #[serde(default)]
    pub(crate) conditions: Value,
    #[serde(default)]
    pub(crate) rules: Vec<Value>,
    /// Shown only to those who may edit the ruleset.
    #[serde(default)]
    pub(crate) bypass_actors: Option<Vec<BypassActor>>,
}

impl Ruleset {
    fn ref_patterns(&self, key: &str) -> Vec<String> {
        self.conditions["ref_name"][key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `conditions.ref_name.include`.
    pub(crate) fn include(&self) -> Vec<String> {
        self.ref_patterns("include")
    }

    /// `conditions.ref_name.exclude`.
    pub(crate) fn exclude(&self) -> Vec<String> {
        self.ref_patterns("exclude")
    }

    pub(crate) fn has_rule(&self, kind: &str) -> bool {
        self.rules.iter().any(|r| r["type"].as_str() == Some(kind))
    }
}

#[derive(Debug, Deserialize)]
struct RulesetRow {
    id: u64,
    #[serde(default)]
    target: Option<String>,
}

/// Everything doctor reads from GitHub besides files.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) default_branch: String,
    pub(crate) merge: Readable<MergeSettings>,
    pub(crate) rules: Readable<Vec<BranchRule>>,
    pub(crate) classic: Readable<Option<Classic>>,
    pub(crate) branch: Readable<BranchInfo>,
    pub(crate) environments: Readable<Vec<Environment>>,
    pub(crate) tag_rulesets: Readable<Vec<Ruleset>>,
}

/// The repository itself: its default branch and merge settings. A 404
/// here means there is nothing to check.
pub(crate) async fn repository(client: &GitHubClient, repo: &Repo) -> anyhow::Result<Repository> {
    match client.get::<Repository>(&repo.api_path()).await {
        Ok(r) => Ok(r),
        Err(e) if e.status() == Some(401) => Err(anyhow::Error::new(e).context(
            "the token was refused: set GITHUB_TOKEN (or GH_TOKEN) to a valid token, or run with --offline",
        )),
        Err(e) if e.is_not_found() => Err(anyhow::Error::new(e).context(format!(
            "--repo {repo}: no such repository, or the token cannot see it; check the name and the token's access"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Pages through a `{total_count, <key>: [...]}` list.
async fn counted<T: serde::de::DeserializeOwned>(
    client: &GitHubClient,
    path: &str,
    key: &str,
) -> Result<Vec<T>, ApiError> {
    let mut items = Vec::new();
    for page in 1.. {
        let v: Value = client
            .get(&format!("{path}?per_page=100&page={page}"))
            .await?;
        let batch: Vec<T> =
            serde_json::from_value(v[key].clone()).map_err(|source| ApiError::Decode {
                endpoint: format!("GET {path}"),
                source,
            })?;
        let total = v["total_count"].as_u64().unwrap_or(0) as usize;
        let done = batch.is_empty();
        items.extend(batch);
        if done || items.len() >= total {
            break;
        }
    }
    Ok(items)
}

/// Reads every setting doctor checks.
pub(crate) async fn read(
    client: &GitHubClient,
    repo: &Repo,
    repository: &Repository,
) -> anyhow::Result<Settings> {
    let base = repo.api_path();
    let branch = &repository.default_branch;
    let b = encode_segment(branch);
    let m = &repository.merge;
    let merge = if m.allow_squash_merge.is_none()
        && m.allow_merge_commit.is_none()
        && m.delete_branch_on_merge.is_none()
    {
        Readable::Unknown {
            permission: ADMINISTRATION,
            why: format!(
                "GET {base}: GitHub shows the merge settings only to a token that can administer the repository"
            ),
        }
    } else {
        Readable::Known(m.clone())
    };
    let rules = readable(
        client
            .get_pages::<BranchRule>(&format!("{base}/rules/branches/{b}"), None)
            .await,
        METADATA,
    )?;
    let branch_info = readable(
        client
            .get::<BranchRaw>(&format!("{base}/branches/{b}"))
            .await
            .map(|raw| {
                let p = raw.protection;
                BranchInfo {
                    protected: raw.protected,
                    classic: p.as_ref().is_some_and(|p| p.enabled),
                    classic_checks: p
                        .and_then(|p| p.required_status_checks)
                        .map(ClassicChecksRaw::names)
                        .unwrap_or_default(),
                }
            }),
        CONTENTS,
    )?;
    let classic = match client
        .get::<ClassicRaw>(&format!("{base}/branches/{b}/protection"))
        .await
    {
        Err(e) if e.status() == Some(404) && e.to_string().contains("Branch not protected") => {
            Readable::Known(None)
        }
        other => readable(
            other.map(|raw| {
                Some(Classic {
                    required_checks: raw
                        .required_status_checks
                        .map(ClassicChecksRaw::names)
                        .unwrap_or_default(),
                    reviews: raw
                        .required_pull_request_reviews
                        .map(|r| (r.required_approving_review_count, r.dismiss_stale_reviews)),
                })
            }),
            ADMINISTRATION,
        )?,
    };
    let environments = environments(client, &base).await?;
    let tag_rulesets = tag_rulesets(client, &base).await?;
    Ok(Settings {
        default_branch: branch.clone(),
        merge,
        rules,
        classic,
        branch: branch_info,
        environments,
        tag_rulesets,
    })
}

/// The environments, each with its branch policies.
async fn environments(
    client: &GitHubClient,
    base: &str,
) -> anyhow::Result<Readable<Vec<Environment>>> {
    let raw = match readable(
        counted::<EnvironmentRaw>(client, &format!("{base}/environments"), "environments").await,
        ACTIONS,
    )? {
        Readable::Known(raw) => raw,
        Readable::Unknown { permission, why } => return Ok(Readable::Unknown { permission, why }),
    };
    let mut envs = Vec::new();
    for e in raw {
        let custom = e
            .deployment_branch_policy
            .is_some_and(|p| p.custom_branch_policies);
        let branch_policies = if custom {
            let path = format!(
                "{base}/environments/{}/deployment-branch-policies",
                encode_segment(&e.name)
            );
            readable(
                counted::<BranchPolicy>(client, &path, "branch_policies").await,
                ACTIONS,
            )?
        } else {
            Readable::Known(Vec::new())
        };
        envs.push(Environment {
            name: e.name,
            policy: e.deployment_branch_policy,
            branch_policies,
        });
    }
    Ok(Readable::Known(envs))
}

/// The rulesets on tags, in full (the list leaves out their rules).
async fn tag_rulesets(client: &GitHubClient, base: &str) -> anyhow::Result<Readable<Vec<Ruleset>>> {
    let rows = match readable(
        client
            .get_pages::<RulesetRow>(
                &format!("{base}/rulesets?includes_parents=true&targets=tag"),
                None,
            )
            .await,
        METADATA,
    )? {
        Readable::Known(rows) => rows,
        Readable::Unknown { permission, why } => return Ok(Readable::Unknown { permission, why }),
    };
    let mut full = Vec::new();
    for row in rows
        .iter()
        .filter(|r| r.target.as_deref() != Some("branch"))
    {
        match readable(
            client
                // An organization's ruleset is read here too, with
                // includes_parents (rest/repos/rules#get-a-repository-ruleset).
                .get::<Ruleset>(&format!("{base}/rulesets/{}?includes_parents=true", row.id))
                .await,
            METADATA,
        )? {
            Readable::Known(rs) => full.push(rs),
            Readable::Unknown { permission, why } => {
                return Ok(Readable::Unknown { permission, why });
            }
        }
    }
    Ok(Readable::Known(full))
}

/// The workflow files at `git_ref`, path to text; unknown when the token
/// cannot read the repository's contents.
pub(crate) async fn workflow_files(
    client: &GitHubClient,
    repo: &Repo,
    git_ref: &str,
) -> anyhow::Result<Readable<BTreeMap<String, String>>> {
    let listed = readable(
        gate_runtime::api::contents::files_in(client, repo, ".github/workflows", git_ref).await,
        CONTENTS,
    )?;
    let Readable::Known(paths) = listed else {
        return Ok(listed.map(|_| BTreeMap::new()));
    };
    let mut files = BTreeMap::new();
    for path in paths
        .into_iter()
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
    {
        match readable(
            gate_runtime::api::contents::file_at(client, repo, &path, git_ref).await,
            CONTENTS,
        )? {
            Readable::Known(Some(text)) => {
                files.insert(path, text);
            }
            Readable::Known(None) => {}
            Readable::Unknown { permission, why } => {
                return Ok(Readable::Unknown { permission, why });
            }
        }
    }
    Ok(Readable::Known(files))
}

/// A reusable workflow in another repository
/// (`owner/repo/.github/workflows/x.yml@ref`); `None` when the token
/// cannot read it.
pub(crate) async fn remote_workflow(
    client: &GitHubClient,
    uses: &str,
) -> anyhow::Result<Option<String>> {
    let Some((path, git_ref)) = uses.split_once('@') else {
        return Ok(None);
    };
    let mut parts = path.splitn(3, '/');
    let (Some(owner), Some(name), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let Ok(repo) = Repo::parse(&format!("{owner}/{name}"), "uses") else {
        return Ok(None);
    };
    match readable(
        gate_runtime::api::contents::file_at(client, &repo, file, git_ref).await,
        CONTENTS,
    )? {
        Readable::Known(text) => Ok(text),
        Readable::Unknown { .. } => Ok(None),
    }
}

/// The policy file at `git_ref`; `Known(None)` when there is none.
pub(crate) async fn policy_file(
    client: &GitHubClient,
    repo: &Repo,
    git_ref: &str,
) -> anyhow::Result<Readable<Option<String>>> {
    readable(
        gate_runtime::api::contents::file_at(
            client,
            repo,
            gate_runtime::policy::POLICY_PATH,
            git_ref,
        )
        .await,
        CONTENTS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_without_merge_fields_deserialises() {
        let r: Repository =
            serde_json::from_str(r#"{"default_branch": "main", "name": "x"}"#).unwrap();
        assert_eq!(r.merge, MergeSettings::default());
        let r: Repository = serde_json::from_str(
            r#"{"default_branch": "main", "allow_squash_merge": true, "delete_branch_on_merge": false}"#,
        )
        .unwrap();
        assert_eq!(r.merge.allow_squash_merge, Some(true));
        assert_eq!(r.merge.delete_branch_on_merge, Some(false));
    }

    #[test]
    fn required_checks_of_rules() {
        let rules: Vec<BranchRule> = serde_json::from_str(
            r#"[{"type": "required_status_checks", "ruleset_id": 7, "parameters": {"required_status_checks": [{"context": "a", "integration_id": 15368}, {"context": "b"}]}}, {"type": "deletion"}]"#,
        )
        .unwrap();
        assert_eq!(
            required_in_rules(&rules),
            [
                Required {
                    context: "a".into(),
                    app_id: Some(15368),
                    ruleset: Some(7)
                },
                Required {
                    context: "b".into(),
                    app_id: None,
                    ruleset: Some(7)
                }
            ]
        );
        assert_eq!(
            rules[1].as_ruleset_rule(),
            serde_json::json!({"type": "deletion"})
        );
    }
}
