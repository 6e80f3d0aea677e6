//! The fixes doctor prints: `gh api` commands a user can paste, and the
//! settings pages for those who prefer to click.
//!
//! Several commands for one fix are joined with ` && `; a JSON body goes
//! in as `--input - <<< '...'`, single-quoted for the shell. The rulesets
//! they create or update are the ones the checks look for, so applying a
//! fix makes its check pass.

use serde_json::{Value, json};

use gate_runtime::context::Repo;

use crate::doctor::settings::{ACTIONS_APP_ID, BranchRule};

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '=' | ':' | ',')
        });
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Builds the commands for one repository.
#[derive(Debug, Clone)]
pub(crate) struct Gh {
    /// `--hostname` for GitHub Enterprise Server.
    hostname: Option<String>,
    repo: String,
    /// The web UI, `https://github.com`.
    server: String,
}

impl Gh {
    pub(crate) fn new(repo: &Repo, server: &str) -> Self {
        let host = server
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        Self {
            hostname: (host != "github.com").then(|| host.to_owned()),
            repo: repo.full_name(),
            server: server.trim_end_matches('/').to_owned(),
        }
    }

    fn api(&self, method: &str, path: &str) -> String {
        let host = self
            .hostname
            .as_deref()
            .map(|h| format!(" --hostname {}", shell_quote(h)))
            .unwrap_or_default();
        let path = if path.is_empty() {
            format!("repos/{}", self.repo)
        } else {
            format!("repos/{}/{path}", self.repo)
        };
        format!("gh api{host} -X {method} {}", shell_quote(&path))
    }

    fn with_body(&self, method: &str, path: &str, body: &Value) -> String {
        format!(
            "{} --input - <<< {}",
            self.api(method, path),
            shell_quote(&body.to_string())
        )
    }

    /// A settings page of the repository: `settings`, `settings/rules`, ...
    pub(crate) fn page(&self, path: &str) -> String {
        format!("{}/{}/{path}", self.server, self.repo)
    }

    /// `PATCH /repos/{o}/{r}` with boolean settings.
    pub(crate) fn patch_repo(&self, settings: &[(&str, bool)]) -> String {
        let mut cmd = self.api("PATCH", "");
        for (k, v) in settings {
            cmd.push_str(&format!(" -F {k}={v}"));
        }
        cmd
    }

    /// Creates a repository ruleset.
    pub(crate) fn create_ruleset(&self, ruleset: &Value) -> String {
        self.with_body("POST", "rulesets", ruleset)
    }

    /// Replaces a ruleset's rules (and whatever else `changes` holds).
    pub(crate) fn update_ruleset(&self, id: u64, changes: &Value) -> String {
        self.with_body("PUT", &format!("rulesets/{id}"), changes)
    }

    /// Creates or updates an environment so only custom policies may
    /// deploy, and adds `policies` (pattern, `branch` or `tag`).
    pub(crate) fn environment(
        &self,
        name: &str,
        set_custom: bool,
        policies: &[(&str, &str)],
    ) -> Vec<String> {
        let mut cmds = Vec::new();
        if set_custom {
            cmds.push(self.with_body(
                "PUT",
                &format!("environments/{name}"),
                &json!({"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}}),
            ));
        }
        for (pattern, kind) in policies {
            cmds.push(format!(
                "{} -f name={} -f type={kind}",
                self.api(
                    "POST",
                    &format!("environments/{name}/deployment-branch-policies")
                ),
                shell_quote(pattern)
            ));
        }
        cmds
    }

    /// Deletes a deployment branch policy.
    pub(crate) fn delete_policy(&self, environment: &str, id: u64) -> String {
        self.api(
            "DELETE",
            &format!("environments/{environment}/deployment-branch-policies/{id}"),
        )
    }

    /// Classic protection's required checks: add or remove names.
    pub(crate) fn classic_contexts(&self, branch: &str, method: &str, names: &[String]) -> String {
        self.with_body(
            method,
            &format!("branches/{branch}/protection/required_status_checks/contexts"),
            &json!({ "contexts": names }),
        )
    }
}

/// The command that prints the commit an action's tag or branch is at.
pub(crate) fn commit_of(action: &str, git_ref: &str) -> String {
    let repo: Vec<&str> = action.splitn(3, '/').take(2).collect();
    format!(
        "gh api {} --jq .sha",
        shell_quote(&format!("repos/{}/commits/{git_ref}", repo.join("/")))
    )
}

/// The pull-request rule the process asks for, keeping what an existing
/// rule asks beyond it.
pub(crate) fn pull_request_rule(existing: Option<&Value>) -> Value {
    let mut p = existing
        .and_then(|r| r.get("parameters"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let approvals = p["required_approving_review_count"].as_u64().unwrap_or(0);
    p["required_approving_review_count"] = json!(approvals.max(1));
    p["dismiss_stale_reviews_on_push"] = json!(true);
    for (k, default) in [
        ("require_code_owner_review", false),
        ("require_last_push_approval", false),
        ("required_review_thread_resolution", false),
    ] {
        if p.get(k).is_none() {
            p[k] = json!(default);
        }
    }
    if p.get("allowed_merge_methods").is_none() {
        p["allowed_merge_methods"] = json!(["squash"]);
    }
    json!({"type": "pull_request", "parameters": p})
}

/// A required-checks rule with `names` added (GitHub Actions must report
/// each) and `removed` taken out.
pub(crate) fn required_checks_rule(
    existing: Option<&Value>,
    names: &[String],
    removed: &[String],
) -> Value {
    let mut p = existing
        .and_then(|r| r.get("parameters"))
        .cloned()
        .unwrap_or_else(|| json!({"strict_required_status_checks_policy": false, "do_not_enforce_on_create": false}));
    let mut checks: Vec<Value> = p["required_status_checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    checks.retain(|c| {
        c["context"]
            .as_str()
            .is_none_or(|ctx| !removed.iter().any(|r| r == ctx))
    });
    for name in names {
        if !checks.iter().any(|c| c["context"].as_str() == Some(name)) {
            checks.push(json!({"context": name, "integration_id": ACTIONS_APP_ID}));
        }
    }
    p["required_status_checks"] = json!(checks);
    json!({"type": "required_status_checks", "parameters": p})
}

/// The ruleset doctor recommends for the default branch.
pub(crate) fn branch_ruleset(checks: &[String]) -> Value {
    json!({
        "name": "trunkline: the default branch",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            pull_request_rule(None),
            required_checks_rule(None, checks, &[]),
        ]
    })
}

/// The rules of ruleset `id` as the branch's rules list them, with the
/// rule of `kind` replaced by `replacement` (or added).
pub(crate) fn rules_with(rules: &[BranchRule], id: u64, kind: &str, replacement: Value) -> Value {
    let mut out: Vec<Value> = rules
        .iter()
        .filter(|r| r.ruleset_id == Some(id))
        .map(BranchRule::as_ruleset_rule)
        .collect();
    match out.iter_mut().find(|r| r["type"].as_str() == Some(kind)) {
        Some(slot) => *slot = replacement,
        None => out.push(replacement),
    }
    json!({ "rules": out })
}

/// The ruleset doctor recommends for release tags: only bypass actors may
/// create, move or delete them.
pub(crate) fn tag_ruleset(prefix: &str) -> Value {
    json!({
        "name": "trunkline: release tags",
        "target": "tag",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": [format!("refs/tags/{prefix}*")], "exclude": []}},
        "rules": [{"type": "creation"}, {"type": "update"}, {"type": "deletion"}],
        "bypass_actors": [{"actor_id": "YOUR_APP_ID", "actor_type": "Integration", "bypass_mode": "always"}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("repos/o/r"), "repos/o/r");
        assert_eq!(shell_quote("v*"), "'v*'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn commands() {
        let gh = Gh::new(
            &Repo::parse("acme/shop", "x").unwrap(),
            "https://github.com",
        );
        assert_eq!(
            gh.patch_repo(&[("allow_merge_commit", false)]),
            "gh api -X PATCH repos/acme/shop -F allow_merge_commit=false"
        );
        assert_eq!(
            gh.environment("production", false, &[("v*", "tag")]),
            [
                "gh api -X POST repos/acme/shop/environments/production/deployment-branch-policies -f name='v*' -f type=tag"
            ]
        );
        let ghes = Gh::new(
            &Repo::parse("acme/shop", "x").unwrap(),
            "https://ghe.example.com",
        );
        assert!(
            ghes.patch_repo(&[])
                .starts_with("gh api --hostname ghe.example.com -X PATCH")
        );
        assert_eq!(
            ghes.page("settings/rules"),
            "https://ghe.example.com/acme/shop/settings/rules"
        );
        assert_eq!(
            commit_of("actions/cache/save", "v4"),
            "gh api repos/actions/cache/commits/v4 --jq .sha"
        );
    }

    #[test]
    fn rules_keep_what_is_there() {
        let existing = json!({"type": "pull_request", "parameters": {"required_approving_review_count": 2, "dismiss_stale_reviews_on_push": false, "require_code_owner_review": true}});
        let r = pull_request_rule(Some(&existing));
        assert_eq!(r["parameters"]["required_approving_review_count"], 2);
        assert_eq!(r["parameters"]["dismiss_stale_reviews_on_push"], true);
        assert_eq!(r["parameters"]["require_code_owner_review"], true);
        let checks = json!({"type": "required_status_checks", "parameters": {"strict_required_status_checks_policy": true, "required_status_checks": [{"context": "old"}, {"context": "keep"}]}});
        let r = required_checks_rule(Some(&checks), &["new".to_owned()], &["old".to_owned()]);
        assert_eq!(
            r["parameters"]["strict_required_status_checks_policy"],
            true
        );
        let names: Vec<&str> = r["parameters"]["required_status_checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["context"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["keep", "new"]);
    }
}
