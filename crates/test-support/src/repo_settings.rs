//! A repository's settings as `trunkline doctor` reads them: the merge
//! buttons, branch rules and rulesets, classic branch protection, and the
//! deployment environments with their branch policies.
//!
//! Shapes follow GitHub's published REST description
//! (github/rest-api-description, `api.github.com.yaml`); each route names
//! its OpenAPI path and docs page. What a token may read is modelled by
//! [`Grants`], because doctor's whole point is to say "unknown, and this
//! permission would tell" instead of guessing: the answers a token without
//! a grant gets are the ones GitHub gives an integration token (the
//! workflow's `GITHUB_TOKEN`, a GitHub App installation) that lacks it.
//! The writes exist so a test can apply the `gh api` fixes doctor prints
//! and see the checks pass.

use std::collections::BTreeMap;

use globset::GlobBuilder;
use serde_json::{Value, json};

use crate::routes::{Call, page_of, paginate, query_map, string_list};
use crate::shapes::{repo as repo_shape, rfc3339};
use crate::state::RepoState;
use crate::{RecordedRequest, Reply};

/// GitHub Actions' app id: the `integration_id` of a required check that
/// only a GitHub Actions job may satisfy.
pub const ACTIONS_APP_ID: u64 = 15368;

/// What the repository's one token may read beyond the metadata, contents
/// and the branch rules, which every token with read access sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grants {
    /// "Administration" (read): the merge settings in `GET /repos/{o}/{r}`,
    /// classic branch protection, a ruleset's bypass actors; (write) to
    /// change them. A repository admin's token has it; `GITHUB_TOKEN` never.
    pub administration: bool,
    /// "Actions" (read): the environments and their branch policies.
    pub actions: bool,
}

impl Grants {
    /// A repository admin's token.
    pub const ADMIN: Grants = Grants {
        administration: true,
        actions: true,
    };
    /// A read-only token: `GITHUB_TOKEN` with `contents: read` and
    /// `actions: read`.
    pub const READ_ONLY: Grants = Grants {
        administration: false,
        actions: true,
    };
}

impl Default for Grants {
    fn default() -> Self {
        Grants::ADMIN
    }
}

/// The merge buttons and branch clean-up, as a new repository has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSettings {
    pub allow_squash_merge: bool,
    pub allow_merge_commit: bool,
    pub allow_rebase_merge: bool,
    pub allow_auto_merge: bool,
    pub delete_branch_on_merge: bool,
}

impl Default for MergeSettings {
    fn default() -> Self {
        Self {
            allow_squash_merge: true,
            allow_merge_commit: true,
            allow_rebase_merge: true,
            allow_auto_merge: false,
            delete_branch_on_merge: false,
        }
    }
}

/// A repository ruleset.
#[derive(Debug, Clone, PartialEq)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    /// `branch`, `tag` or `push`.
    pub target: String,
    /// `active`, `evaluate` or `disabled`.
    pub enforcement: String,
    /// `conditions.ref_name.include`: `refs/heads/main`, `~DEFAULT_BRANCH`,
    /// `~ALL`, fnmatch patterns.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Each `{"type": ..., "parameters": {...}}` as GitHub lists it.
    pub rules: Vec<Value>,
    /// Each `{"actor_id", "actor_type", "bypass_mode"}`.
    pub bypass_actors: Vec<Value>,
}

impl Ruleset {
    /// An active ruleset on the default branch.
    pub fn default_branch(id: u64, name: &str, rules: Vec<Value>) -> Self {
        Self {
            id,
            name: name.to_owned(),
            target: "branch".to_owned(),
            enforcement: "active".to_owned(),
            include: vec!["~DEFAULT_BRANCH".to_owned()],
            exclude: Vec::new(),
            rules,
            bypass_actors: Vec::new(),
        }
    }

    /// An active ruleset on tags matching `pattern` (`refs/tags/v*`).
    pub fn tags(id: u64, name: &str, pattern: &str, rules: Vec<Value>) -> Self {
        Self {
            id,
            name: name.to_owned(),
            target: "tag".to_owned(),
            enforcement: "active".to_owned(),
            include: vec![pattern.to_owned()],
            exclude: Vec::new(),
            rules,
            bypass_actors: Vec::new(),
        }
    }
}

/// The rules of a ruleset, in GitHub's shapes
/// (`#/components/schemas/repository-rule`).
pub mod rules {
    use serde_json::{Value, json};

    /// Pull requests required before merging.
    pub fn pull_request(approvals: u64, dismiss_stale: bool) -> Value {
        json!({"type": "pull_request", "parameters": {
            "required_approving_review_count": approvals,
            "dismiss_stale_reviews_on_push": dismiss_stale,
            "require_code_owner_review": false,
            "require_last_push_approval": false,
            "required_review_thread_resolution": false,
            "allowed_merge_methods": ["merge", "squash", "rebase"]
        }})
    }

    /// Required status checks, each satisfied by GitHub Actions.
    pub fn required_checks(contexts: &[&str]) -> Value {
        json!({"type": "required_status_checks", "parameters": {
            "strict_required_status_checks_policy": false,
            "do_not_enforce_on_create": false,
            "required_status_checks": contexts.iter()
                .map(|c| json!({"context": c, "integration_id": super::ACTIONS_APP_ID}))
                .collect::<Vec<_>>()
        }})
    }

    /// The merge queue.
    pub fn merge_queue() -> Value {
        json!({"type": "merge_queue", "parameters": {
            "check_response_timeout_minutes": 60,
            "grouping_strategy": "ALLGREEN",
            "max_entries_to_build": 5,
            "max_entries_to_merge": 5,
            "merge_method": "SQUASH",
            "min_entries_to_merge": 1,
            "min_entries_to_merge_wait_minutes": 5
        }})
    }

    /// A rule without parameters: `creation`, `update`, `deletion`,
    /// `non_fast_forward`, `required_linear_history`.
    pub fn plain(kind: &str) -> Value {
        json!({"type": kind})
    }
}

/// Classic branch protection's required status checks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassicChecks {
    pub strict: bool,
    pub contexts: Vec<String>,
}

/// Classic branch protection's pull-request reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicReviews {
    pub required_approving_review_count: u64,
    pub dismiss_stale_reviews: bool,
}

/// Classic branch protection of one branch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassicProtection {
    pub required_status_checks: Option<ClassicChecks>,
    pub required_pull_request_reviews: Option<ClassicReviews>,
    pub enforce_admins: bool,
}

/// One deployment branch or tag policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchPolicy {
    pub id: u64,
    pub name: String,
    /// `branch` or `tag`.
    pub kind: String,
}

/// A deployment environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub id: u64,
    pub name: String,
    /// `deployment_branch_policy`: `None` lets every branch deploy; else
    /// (protected_branches, custom_branch_policies).
    pub deployment_branch_policy: Option<(bool, bool)>,
    pub branch_policies: Vec<BranchPolicy>,
    pub wait_timer: u64,
}

impl Environment {
    /// An environment any branch may deploy to, as GitHub creates one.
    pub fn open(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            deployment_branch_policy: None,
            branch_policies: Vec::new(),
            wait_timer: 0,
        }
    }

    /// An environment only refs matching the policies may deploy to; each
    /// policy is (name pattern, `branch` or `tag`).
    pub fn custom(id: u64, name: &str, policies: &[(&str, &str)]) -> Self {
        Self {
            id,
            name: name.to_owned(),
            deployment_branch_policy: Some((false, true)),
            branch_policies: policies
                .iter()
                .enumerate()
                .map(|(i, (n, k))| BranchPolicy {
                    id: id * 100 + i as u64 + 1,
                    name: (*n).to_owned(),
                    kind: (*k).to_owned(),
                })
                .collect(),
            wait_timer: 0,
        }
    }
}

/// Everything in this module for one repository.
#[derive(Debug, Clone, Default)]
pub struct RepoSettings {
    pub grants: Grants,
    pub merge: MergeSettings,
    pub rulesets: Vec<Ruleset>,
    /// Branch name to its classic protection.
    pub protection: BTreeMap<String, ClassicProtection>,
    pub environments: Vec<Environment>,
}

/// What GitHub answers an integration token that lacks a permission.
fn not_accessible() -> Reply {
    Reply::error(403, "Resource not accessible by integration")
}

/// Whether an fnmatch pattern (`*` stops at `/`, `**` does not) matches.
fn fnmatch(pattern: &str, name: &str) -> bool {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(name))
}

/// Whether a ruleset's `ref_name` condition takes in `full_ref`
/// (`refs/heads/main`, `refs/tags/v1.0.0`).
fn ruleset_applies(rs: &Ruleset, full_ref: &str, default_branch: &str) -> bool {
    let matches = |p: &String| match p.as_str() {
        "~ALL" => true,
        "~DEFAULT_BRANCH" => full_ref == format!("refs/heads/{default_branch}"),
        p => fnmatch(p, full_ref),
    };
    rs.include.iter().any(matches) && !rs.exclude.iter().any(matches)
}

fn ruleset_links(base: &str, full: &str, id: u64) -> Value {
    let html = base.replace("/api/v3", "");
    json!({
        "self": {"href": format!("{base}/repos/{full}/rulesets/{id}")},
        "html": {"href": format!("{html}/html/{full}/rules/{id}")}
    })
}

/// `#/components/schemas/repository-ruleset`, as `GET
/// /repos/{owner}/{repo}/rulesets` lists it (no rules, no conditions).
fn ruleset_summary(base: &str, full: &str, rs: &Ruleset, at: &str) -> Value {
    json!({
        "id": rs.id, "name": rs.name, "target": rs.target, "source_type": "Repository",
        "source": full, "enforcement": rs.enforcement, "node_id": format!("RRS_{}", rs.id),
        "_links": ruleset_links(base, full, rs.id), "created_at": at, "updated_at": at
    })
}

/// `#/components/schemas/repository-ruleset`, in full. `bypass_actors` is
/// optional in the description; GitHub shows it only to those who may edit
/// the ruleset.
fn ruleset_full(base: &str, full: &str, rs: &Ruleset, grants: Grants, at: &str) -> Value {
    let mut v = ruleset_summary(base, full, rs, at);
    v["conditions"] = json!({"ref_name": {"include": rs.include, "exclude": rs.exclude}});
    v["rules"] = json!(rs.rules);
    v["current_user_can_bypass"] = json!(if grants.administration {
        "always"
    } else {
        "never"
    });
    if grants.administration {
        v["bypass_actors"] = json!(rs.bypass_actors);
    }
    v
}

/// A ruleset from a create or update body; `None` names what is wrong.
fn ruleset_from(id: u64, body: &Value, old: Option<&Ruleset>) -> Result<Ruleset, String> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = string_list;
    let name = text("name")
        .or_else(|| old.map(|o| o.name.clone()))
        .ok_or("name is required")?;
    let enforcement = text("enforcement")
        .or_else(|| old.map(|o| o.enforcement.clone()))
        .ok_or("enforcement is required")?;
    if !["active", "evaluate", "disabled"].contains(&enforcement.as_str()) {
        return Err(format!("enforcement {enforcement:?} is not a valid value"));
    }
    let target = text("target")
        .or_else(|| old.map(|o| o.target.clone()))
        .unwrap_or_else(|| "branch".to_owned());
    let ref_name = body.pointer("/conditions/ref_name");
    let (include, exclude) = match (ref_name, old) {
        (Some(r), _) => (list(r.get("include")), list(r.get("exclude"))),
        (None, Some(o)) => (o.include.clone(), o.exclude.clone()),
        (None, None) => (Vec::new(), Vec::new()),
    };
    let rules = match (body.get("rules"), old) {
        (Some(Value::Array(r)), _) => r.clone(),
        (Some(_), _) => return Err("rules must be an array".to_owned()),
        (None, Some(o)) => o.rules.clone(),
        (None, None) => Vec::new(),
    };
    if rules
        .iter()
        .any(|r| r.get("type").and_then(Value::as_str).is_none())
    {
        return Err("every rule needs a type".to_owned());
    }
    let bypass_actors = match (body.get("bypass_actors"), old) {
        (Some(Value::Array(b)), _) => b.clone(),
        (None, Some(o)) => o.bypass_actors.clone(),
        _ => Vec::new(),
    };
    Ok(Ruleset {
        id,
        name,
        target,
        enforcement,
        include,
        exclude,
        rules,
        bypass_actors,
    })
}

/// `#/components/schemas/branch-protection`.
fn protection_shape(base: &str, full: &str, branch: &str, p: &ClassicProtection) -> Value {
    let url = format!("{base}/repos/{full}/branches/{branch}/protection");
    let flag =
        |name: &str, enabled: bool| json!({"url": format!("{url}/{name}"), "enabled": enabled});
    let mut v = json!({
        "url": url,
        "enforce_admins": flag("enforce_admins", p.enforce_admins),
        "required_linear_history": {"enabled": false},
        "allow_force_pushes": {"enabled": false},
        "allow_deletions": {"enabled": false},
        "block_creations": {"enabled": false},
        "required_conversation_resolution": {"enabled": false},
        "lock_branch": {"enabled": false},
        "allow_fork_syncing": {"enabled": false},
        "required_signatures": flag("required_signatures", false),
    });
    if let Some(c) = &p.required_status_checks {
        v["required_status_checks"] = checks_shape(&url, c);
    }
    if let Some(r) = &p.required_pull_request_reviews {
        v["required_pull_request_reviews"] = json!({
            "url": format!("{url}/required_pull_request_reviews"),
            "dismiss_stale_reviews": r.dismiss_stale_reviews,
            "require_code_owner_reviews": false,
            "required_approving_review_count": r.required_approving_review_count,
            "require_last_push_approval": false
        });
    }
    v
}

/// `#/components/schemas/protected-branch-required-status-check`.
fn checks_shape(url: &str, c: &ClassicChecks) -> Value {
    json!({
        "url": format!("{url}/required_status_checks"),
        "enforcement_level": "non_admins",
        "strict": c.strict,
        "contexts": c.contexts,
        "contexts_url": format!("{url}/required_status_checks/contexts"),
        "checks": c.contexts.iter().map(|ctx| json!({"context": ctx, "app_id": Value::Null})).collect::<Vec<_>>()
    })
}

/// `#/components/schemas/environment`.
fn environment_shape(base: &str, full: &str, e: &Environment, at: &str) -> Value {
    let html = base.replace("/api/v3", "");
    let mut rules = Vec::new();
    if e.wait_timer > 0 {
        rules.push(json!({"id": e.id * 10 + 1, "node_id": format!("GA_{}_w", e.id), "type": "wait_timer", "wait_timer": e.wait_timer}));
    }
    if e.deployment_branch_policy.is_some() {
        rules.push(json!({"id": e.id * 10 + 2, "node_id": format!("GA_{}_b", e.id), "type": "branch_policy"}));
    }
    json!({
        "id": e.id, "node_id": format!("EN_{}", e.id), "name": e.name,
        "url": format!("{base}/repos/{full}/environments/{}", e.name),
        "html_url": format!("{html}/html/{full}/deployments/activity_log?environments_filter={}", e.name),
        "created_at": at, "updated_at": at, "can_admins_bypass": true,
        "protection_rules": rules,
        "deployment_branch_policy": e.deployment_branch_policy.map(|(p, c)| json!({
            "protected_branches": p, "custom_branch_policies": c
        }))
    })
}

/// `#/components/schemas/deployment-branch-policy`.
fn policy_shape(p: &BranchPolicy) -> Value {
    json!({"id": p.id, "node_id": format!("DBP_{}", p.id), "name": p.name, "type": p.kind})
}

/// The `{total_count, <key>: [...]}` lists of the environments API, paged
/// by `page` and `per_page` like the arrays elsewhere.
fn counted_page(key: &str, items: Vec<Value>, req: &RecordedRequest) -> Reply {
    let (page, per_page) = page_of(req, 30, 100);
    let total = items.len();
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    Reply::json(200, json!({"total_count": total, key: slice}))
}

/// Whether the branch is protected: classic protection, or an active
/// branch ruleset that applies.
fn is_protected(repo: &RepoState, branch: &str) -> bool {
    let s = &repo.settings;
    s.protection.contains_key(branch)
        || s.rulesets.iter().any(|rs| {
            rs.target == "branch"
                && rs.enforcement == "active"
                && ruleset_applies(rs, &format!("refs/heads/{branch}"), &repo.default_branch)
        })
}

/// The environment named `name`, to change.
fn environment_mut<'a>(repo: &'a mut RepoState, name: &str) -> Option<&'a mut Environment> {
    repo.settings
        .environments
        .iter_mut()
        .find(|e| e.name == name)
}

/// The settings routes; `None` for any other request.
pub(crate) fn route(repo: &mut RepoState, call: &Call<'_>) -> Option<Reply> {
    let (base, full, rest, req, body, id, now) = call.parts();
    let at = rfc3339(now);
    let grants = repo.settings.grants;
    Some(match (req.method.as_str(), rest) {
        // GET /repos/{owner}/{repo}: `#/components/schemas/full-repository`
        // (docs: rest/repos/repos#get-a-repository). The merge settings are
        // optional in the description, and GitHub leaves them out for a
        // token that cannot administer the repository (octokit/rest.js#26,
        // hub4j/github-api#1506).
        ("GET", []) => {
            let mut v = repo_shape(base, full, &repo.default_branch);
            let m = &repo.settings.merge;
            if grants.administration {
                v["allow_squash_merge"] = json!(m.allow_squash_merge);
                v["allow_merge_commit"] = json!(m.allow_merge_commit);
                v["allow_rebase_merge"] = json!(m.allow_rebase_merge);
                v["allow_auto_merge"] = json!(m.allow_auto_merge);
                v["delete_branch_on_merge"] = json!(m.delete_branch_on_merge);
            }
            v["permissions"] = json!({
                "admin": grants.administration, "maintain": grants.administration,
                "push": grants.administration, "triage": true, "pull": true
            });
            Reply::json(200, v)
        }
        // PATCH /repos/{owner}/{repo} (rest/repos/repos#update-a-repository).
        ("PATCH", []) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            let m = &mut repo.settings.merge;
            for (key, field) in [
                ("allow_squash_merge", &mut m.allow_squash_merge),
                ("allow_merge_commit", &mut m.allow_merge_commit),
                ("allow_rebase_merge", &mut m.allow_rebase_merge),
                ("allow_auto_merge", &mut m.allow_auto_merge),
                ("delete_branch_on_merge", &mut m.delete_branch_on_merge),
            ] {
                match body.get(key) {
                    None => {}
                    Some(Value::Bool(b)) => *field = *b,
                    Some(_) => {
                        return Some(Reply::error(
                            422,
                            &format!("Invalid request: {key} is not a boolean"),
                        ));
                    }
                }
            }
            if !(m.allow_squash_merge || m.allow_merge_commit || m.allow_rebase_merge) {
                return Some(Reply::error(
                    422,
                    "Validation Failed: at least one merge method must be allowed",
                ));
            }
            let get = get_of(req);
            return route(
                repo,
                &Call {
                    req: &get,
                    rest: &[],
                    ..*call
                },
            );
        }

        // GET /repos/{owner}/{repo}/branches/{branch}:
        // `#/components/schemas/branch-with-protection`
        // (rest/branches/branches#get-a-branch). Read access is enough,
        // and `protection` shows classic required checks.
        ("GET", ["branches", branch]) => {
            let Some((sha, _)) = repo.refs.get(&format!("heads/{branch}")).cloned() else {
                return Some(Reply::error(404, "Branch not found"));
            };
            let url = format!("{base}/repos/{full}/branches/{branch}");
            let classic = repo.settings.protection.get(*branch);
            let mut protection = json!({"enabled": classic.is_some()});
            if let Some(c) = classic.and_then(|p| p.required_status_checks.as_ref()) {
                protection["required_status_checks"] =
                    checks_shape(&format!("{url}/protection"), c);
            }
            Reply::json(
                200,
                json!({
                    "name": branch,
                    "commit": {"sha": sha, "url": format!("{base}/repos/{full}/commits/{sha}")},
                    "_links": {"self": url, "html": format!("{base}/html/{full}/tree/{branch}")},
                    "protected": is_protected(repo, branch),
                    "protection": protection,
                    "protection_url": format!("{url}/protection")
                }),
            )
        }
        // GET /repos/{owner}/{repo}/branches/{branch}/protection
        // (rest/branches/branch-protection#get-branch-protection): needs
        // "Administration" (read); an unprotected branch is a 404 "Branch
        // not protected".
        ("GET", ["branches", branch, "protection"]) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            match repo.settings.protection.get(*branch) {
                Some(p) => Reply::json(200, protection_shape(base, full, branch, p)),
                None => Reply::error(404, "Branch not protected"),
            }
        }

        // POST and DELETE
        // /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts
        // (rest/branches/branch-protection#add-status-check-contexts,
        // #remove-status-check-contexts): "Administration" (write); the body
        // is `{"contexts": [...]}` or the bare array; the answer is the
        // contexts left.
        (
            method @ ("POST" | "DELETE"),
            [
                "branches",
                branch,
                "protection",
                "required_status_checks",
                "contexts",
            ],
        ) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            let names = string_list(Some(body.get("contexts").unwrap_or(body)));
            let Some(checks) = repo
                .settings
                .protection
                .get_mut(*branch)
                .and_then(|p| p.required_status_checks.as_mut())
            else {
                return Some(Reply::error(404, "Required status checks not enabled"));
            };
            if method == "POST" {
                for n in names {
                    if !checks.contexts.contains(&n) {
                        checks.contexts.push(n);
                    }
                }
            } else {
                checks.contexts.retain(|c| !names.contains(c));
            }
            Reply::json(200, json!(checks.contexts))
        }

        // GET /repos/{owner}/{repo}/rules/branches/{branch}
        // (rest/repos/rules#get-rules-for-a-branch):
        // `#/components/schemas/repository-rule-detailed`, every active
        // rule that applies, with read access ("Metadata").
        ("GET", ["rules", "branches", branch]) => {
            let full_ref = format!("refs/heads/{branch}");
            let items: Vec<Value> = repo
                .settings
                .rulesets
                .iter()
                .filter(|rs| rs.target == "branch" && rs.enforcement == "active")
                .filter(|rs| ruleset_applies(rs, &full_ref, &repo.default_branch))
                .flat_map(|rs| {
                    rs.rules.iter().map(move |rule| {
                        let mut r = rule.clone();
                        r["ruleset_source_type"] = json!("Repository");
                        r["ruleset_source"] = json!(full);
                        r["ruleset_id"] = json!(rs.id);
                        r
                    })
                })
                .collect();
            paginate(items, req, base)
        }
        // GET /repos/{owner}/{repo}/rulesets
        // (rest/repos/rules#get-all-repository-rulesets), `targets` a
        // comma-separated filter.
        ("GET", ["rulesets"]) => {
            let q = query_map(&req.query);
            let targets: Option<Vec<String>> = q
                .get("targets")
                .map(|t| t.split(',').map(|s| s.trim().to_owned()).collect());
            let items = repo
                .settings
                .rulesets
                .iter()
                .filter(|rs| targets.as_ref().is_none_or(|t| t.contains(&rs.target)))
                .map(|rs| ruleset_summary(base, full, rs, &at))
                .collect();
            paginate(items, req, base)
        }
        // GET /repos/{owner}/{repo}/rulesets/{ruleset_id}
        // (rest/repos/rules#get-a-repository-ruleset).
        ("GET", ["rulesets", rid]) => {
            let rid: u64 = rid.parse().unwrap_or(0);
            match repo.settings.rulesets.iter().find(|rs| rs.id == rid) {
                Some(rs) => Reply::json(200, ruleset_full(base, full, rs, grants, &at)),
                None => Reply::error(404, "Not Found"),
            }
        }
        // POST /repos/{owner}/{repo}/rulesets and PUT .../{ruleset_id}
        // (rest/repos/rules#create-a-repository-ruleset, #update-...).
        ("POST", ["rulesets"]) | ("PUT", ["rulesets", _]) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            let existing = match rest {
                [_, rid] => {
                    let rid: u64 = rid.parse().unwrap_or(0);
                    match repo.settings.rulesets.iter().position(|rs| rs.id == rid) {
                        Some(i) => Some(i),
                        None => return Some(Reply::error(404, "Not Found")),
                    }
                }
                _ => None,
            };
            let old = existing.map(|i| repo.settings.rulesets[i].clone());
            let rid = old.as_ref().map(|o| o.id).unwrap_or(id);
            let rs = match ruleset_from(rid, body, old.as_ref()) {
                Ok(rs) => rs,
                Err(why) => return Some(Reply::error(422, &format!("Invalid request: {why}"))),
            };
            let out = ruleset_full(base, full, &rs, grants, &at);
            match existing {
                Some(i) => repo.settings.rulesets[i] = rs,
                None => repo.settings.rulesets.push(rs),
            }
            Reply::json(if old.is_some() { 200 } else { 201 }, out)
        }

        // GET /repos/{owner}/{repo}/environments
        // (rest/deployments/environments#list-environments): "Actions"
        // (read) for an integration token.
        ("GET", ["environments"]) => {
            if !grants.actions {
                return Some(not_accessible());
            }
            let items = repo
                .settings
                .environments
                .iter()
                .map(|e| environment_shape(base, full, e, &at))
                .collect();
            counted_page("environments", items, req)
        }
        ("GET", ["environments", name]) => {
            if !grants.actions {
                return Some(not_accessible());
            }
            match repo.settings.environments.iter().find(|e| e.name == *name) {
                Some(e) => Reply::json(200, environment_shape(base, full, e, &at)),
                None => Reply::error(404, "Not Found"),
            }
        }
        // PUT /repos/{owner}/{repo}/environments/{environment_name}
        // (rest/deployments/environments#create-or-update-an-environment):
        // "Administration" (write). `deployment_branch_policy` null lets
        // every branch deploy; else exactly one of its two flags is true.
        ("PUT", ["environments", name]) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            let policy = match body.get("deployment_branch_policy") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(p) => {
                    let flag = |k: &str| p.get(k).and_then(Value::as_bool);
                    match (flag("protected_branches"), flag("custom_branch_policies")) {
                        (Some(a), Some(b)) if a != b => Some(Some((a, b))),
                        _ => {
                            return Some(Reply::error(
                                422,
                                "Validation Failed: exactly one of protected_branches and custom_branch_policies must be true",
                            ));
                        }
                    }
                }
            };
            let envs = &mut repo.settings.environments;
            let i = match envs.iter().position(|e| e.name == *name) {
                Some(i) => i,
                None => {
                    envs.push(Environment::open(id, name));
                    envs.len() - 1
                }
            };
            if let Some(p) = policy {
                envs[i].deployment_branch_policy = p;
                if p.is_none_or(|(_, custom)| !custom) {
                    envs[i].branch_policies.clear();
                }
            }
            if let Some(w) = body.get("wait_timer").and_then(Value::as_u64) {
                envs[i].wait_timer = w;
            }
            Reply::json(200, environment_shape(base, full, &envs[i], &at))
        }
        // GET .../environments/{environment_name}/deployment-branch-policies
        // (rest/deployments/branch-policies#list-deployment-branch-policies).
        ("GET", ["environments", name, "deployment-branch-policies"]) => {
            if !grants.actions {
                return Some(not_accessible());
            }
            match repo.settings.environments.iter().find(|e| e.name == *name) {
                Some(e) => counted_page(
                    "branch_policies",
                    e.branch_policies.iter().map(policy_shape).collect(),
                    req,
                ),
                None => Reply::error(404, "Not Found"),
            }
        }
        // POST .../deployment-branch-policies: only with custom policies on.
        ("POST", ["environments", name, "deployment-branch-policies"]) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            let Some(e) = environment_mut(repo, name) else {
                return Some(Reply::error(404, "Not Found"));
            };
            if e.deployment_branch_policy != Some((false, true)) {
                return Some(Reply::error(404, "Not Found"));
            }
            let Some(pattern) = body.get("name").and_then(Value::as_str) else {
                return Some(Reply::error(422, "Invalid request: name is required"));
            };
            let kind = body.get("type").and_then(Value::as_str).unwrap_or("branch");
            if !["branch", "tag"].contains(&kind) {
                return Some(Reply::error(
                    422,
                    "Invalid request: type must be branch or tag",
                ));
            }
            if e.branch_policies
                .iter()
                .any(|p| p.name == pattern && p.kind == kind)
            {
                return Some(Reply::error(303, "Policy already exists"));
            }
            let p = BranchPolicy {
                id,
                name: pattern.to_owned(),
                kind: kind.to_owned(),
            };
            let out = policy_shape(&p);
            e.branch_policies.push(p);
            Reply::json(200, out)
        }
        ("DELETE", ["environments", name, "deployment-branch-policies", pid]) => {
            if !grants.administration {
                return Some(not_accessible());
            }
            let pid: u64 = pid.parse().unwrap_or(0);
            let Some(e) = environment_mut(repo, name) else {
                return Some(Reply::error(404, "Not Found"));
            };
            let before = e.branch_policies.len();
            e.branch_policies.retain(|p| p.id != pid);
            if e.branch_policies.len() == before {
                Reply::error(404, "Not Found")
            } else {
                Reply::empty(204)
            }
        }
        _ => return None,
    })
}

/// The GET of the same path, to answer a write with the resource as read.
fn get_of(req: &RecordedRequest) -> RecordedRequest {
    RecordedRequest {
        method: "GET".to_owned(),
        ..req.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_stops_at_slashes() {
        assert!(fnmatch("refs/tags/v*", "refs/tags/v1.2.3"));
        assert!(!fnmatch("refs/tags/v*", "refs/tags/v1/x"));
        assert!(fnmatch("refs/heads/**", "refs/heads/a/b"));
    }

    #[test]
    fn default_branch_condition() {
        let rs = Ruleset::default_branch(1, "main", Vec::new());
        assert!(ruleset_applies(&rs, "refs/heads/trunk", "trunk"));
        assert!(!ruleset_applies(&rs, "refs/heads/main", "trunk"));
    }
}
