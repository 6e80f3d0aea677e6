//! The workflows of the whole flow.
//!
//! Written so that actionlint and zizmor find nothing: `permissions: {}` at
//! the top and the least each job needs, every action pinned to a commit
//! with its version in a comment, `persist-credentials: false`, and no
//! `${{ }}` inside a `run:` (values reach scripts through `env:`). They run
//! under nektos/act as well as on GitHub: the API calls use
//! `GITHUB_API_URL`, and nothing needs more than bash, curl and jq.
//!
//! Production deploys only from a release tag: its workflow
//! ([`PRODUCTION_FILE`]) runs on the tag itself (`workflow_dispatch` with
//! `ref` the tag), so the production environment can allow the release
//! tags and nothing else, which is what `trunkline doctor` checks. An
//! environment's branch and tag policy is matched against the run's ref,
//! so a tag-only policy refuses a job of a run on the default branch; and
//! a tag pushed with `GITHUB_TOKEN` starts no workflow, but a dispatch
//! does. So the delivery flow dispatches production once tag-on-staging
//! has tagged, and the rollback (which post-deploy-watch dispatches on the
//! default branch) dispatches production on the last good tag.

use crate::gates::knows;
use crate::init::stack::{Stack, Step};
use crate::pins::{CHECKOUT, CREATE_APP_TOKEN, Trunkline};

pub const PR_FILE: &str = "trunkline-pr.yml";
pub const MAIN_FILE: &str = "trunkline-main.yml";
pub const ROLLBACK_FILE: &str = "trunkline-rollback.yml";
pub const PRODUCTION_FILE: &str = "trunkline-production.yml";

/// The check names of the PR workflow's jobs: stable, for branch
/// protection's required checks.
pub const CHECK_NAMES: [&str; 3] = [
    "trunkline / pr-size",
    "trunkline / checklist",
    "trunkline / coverage",
];

/// What the workflows are written for.
pub struct Target<'a> {
    pub trunkline: &'a Trunkline,
    pub stacks: &'a [Stack],
    pub branch: &'a str,
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// One step as YAML, at the indentation of a job's `steps:` list.
fn step(s: &Step) -> String {
    let mut y = String::new();
    let mut first = true;
    let mut line = |text: String| {
        y.push_str(if first { "      - " } else { "        " });
        y.push_str(&text);
        y.push('\n');
        first = false;
    };
    if let Some(name) = &s.name {
        line(format!("name: {name}"));
    }
    if let Some(uses) = &s.uses {
        line(format!("uses: {uses}"));
    }
    if !s.with.is_empty() {
        line("with:".to_owned());
        for (k, v) in &s.with {
            line(format!("  {k}: {}", quote(v)));
        }
    }
    if let Some(run) = &s.run {
        line("run: |".to_owned());
        for l in run.lines() {
            if l.is_empty() {
                y.push('\n');
            } else {
                y.push_str(&format!("          {l}\n"));
            }
        }
    }
    y
}

fn checkout(fetch_depth_zero: bool, git_ref: Option<&str>) -> String {
    let mut y = format!("      - uses: {}\n        with:\n", CHECKOUT.uses());
    if let Some(r) = git_ref {
        y.push_str(&format!("          ref: {r}\n"));
    }
    if fetch_depth_zero {
        y.push_str("          fetch-depth: 0\n");
    }
    y.push_str("          persist-credentials: false\n");
    y
}

/// The set-up and test steps of every detected stack.
fn tests(stacks: &[Stack]) -> String {
    stacks
        .iter()
        .flat_map(|s| s.setup.iter().chain(std::iter::once(&s.test)))
        .map(step)
        .collect()
}

fn header(what: &str) -> String {
    format!(
        "# {what}\n\
         # Settings live in .github/trunkline.toml; the deploy steps call\n\
         # deploy/deploy.sh. Both are yours to edit; this file needs no edits.\n"
    )
}

/// The pull-request gates: `pull_request` and `merge_group`.
pub fn pull_request(t: &Target<'_>) -> String {
    let tl = t.trunkline;
    let mut y = header("The pull-request gates, written by `trunkline init`.");
    y.push_str(&format!(
        "# Required checks for branch protection: {}.\n",
        CHECK_NAMES
            .iter()
            .take(if t.stacks.is_empty() { 2 } else { 3 })
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    y.push_str(
        "name: trunkline pull request\n\
         \n\
         on:\n\
         \x20 pull_request:\n\
         \x20   types: [opened, edited, synchronize, reopened, ready_for_review, labeled, unlabeled]\n\
         \x20 merge_group:\n\
         \n\
         permissions: {}\n\
         \n\
         concurrency:\n\
         \x20 group: trunkline-pr-${{ github.event.pull_request.number || github.ref }}\n\
         \x20 cancel-in-progress: true\n\
         \n\
         jobs:\n",
    );
    y.push_str(&format!(
        "  pr-size:\n\
         \x20   name: {}\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   permissions:\n\
         \x20     contents: read\n\
         \x20     pull-requests: write # the size label and the sticky comment\n\
         \x20   steps:\n",
        CHECK_NAMES[0]
    ));
    y.push_str(&checkout(true, None));
    y.push_str(&format!("      - uses: {}\n", tl.uses("pr-size-gate")));
    y.push_str(&format!(
        "\n  checklist:\n\
         \x20   name: {}\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   permissions:\n\
         \x20     contents: read\n\
         \x20     pull-requests: write # the sticky comment\n\
         \x20   steps:\n\
         \x20     - uses: {}\n",
        CHECK_NAMES[1],
        tl.uses("checklist-gate")
    ));
    if !t.stacks.is_empty() {
        y.push_str(&format!(
            "\n  coverage:\n\
             \x20   name: {}\n\
             \x20   runs-on: ubuntu-latest\n\
             \x20   permissions:\n\
             \x20     contents: read\n\
             \x20   steps:\n",
            CHECK_NAMES[2]
        ));
        y.push_str(&checkout(true, None));
        y.push_str(&tests(t.stacks));
        y.push_str(&format!("      - uses: {}\n", tl.uses("coverage-gate")));
        if knows("coverage", "baseline") && knows("coverage", "record") {
            y.push_str("        with:\n          baseline: auto\n");
        }
    }
    y
}

/// Creates a deployment of `$TAG` to `$ENVIRONMENT` and prints its id to
/// the step's outputs: the watch marks it, and the rollback finds the last
/// good tag by it. The token travels through curl's stdin, never argv.
const RECORD_DEPLOYMENT: &str = r#"set -euo pipefail
body="$(jq -n --arg ref "$TAG" --arg env "$ENVIRONMENT" \
  '{ref: $ref, environment: $env, auto_merge: false, required_contexts: [], description: "trunkline: \($ref) to \($env)"}')"
answer="$(printf 'header = "Authorization: Bearer %s"\n' "$GITHUB_TOKEN" |
  curl --config - --fail-with-body --silent --show-error --retry 3 \
    --header "Accept: application/vnd.github+json" --data "$body" \
    "${GITHUB_API_URL}/repos/${GITHUB_REPOSITORY}/deployments")"
id="$(jq -r '.id // empty' <<< "$answer")"
if [ -z "$id" ]; then
  echo "::error title=Deployment::GitHub did not create the deployment"
  exit 1
fi
echo "id=${id}" >> "$GITHUB_OUTPUT""#;

/// Gives the deployment its final state when the watch could not: the
/// deploy script failed (`failure`), or the watch stopped without a verdict
/// (`error`: a bad setting, say), so no deployment stays pending.
const MARK_UNWATCHED: &str = r#"set -euo pipefail
if [ "$DEPLOY_OUTCOME" = "failure" ]; then
  state="failure" description="trunkline: deploy/deploy.sh failed"
else
  state="error" description="trunkline: post-deploy-watch could not decide; see the run"
fi
body="$(jq -n --arg state "$state" --arg description "$description" '{state: $state, description: $description}')"
printf 'header = "Authorization: Bearer %s"\n' "$GITHUB_TOKEN" |
  curl --config - --fail-with-body --silent --show-error --retry 3 \
    --header "Accept: application/vnd.github+json" --data "$body" \
    "${GITHUB_API_URL}/repos/${GITHUB_REPOSITORY}/deployments/${DEPLOYMENT_ID}/statuses" > /dev/null"#;

fn script_step(
    name: &str,
    id: Option<&str>,
    cond: Option<&str>,
    env: &[(&str, &str)],
    script: &str,
) -> String {
    let mut y = format!("      - name: {name}\n");
    if let Some(id) = id {
        y.push_str(&format!("        id: {id}\n"));
    }
    if let Some(c) = cond {
        y.push_str(&format!("        if: {c}\n"));
    }
    if !env.is_empty() {
        y.push_str("        env:\n");
        for (k, v) in env {
            y.push_str(&format!("          {k}: {v}\n"));
        }
    }
    y.push_str("        run: |\n");
    for l in script.lines() {
        y.push_str(&format!("          {l}\n"));
    }
    y
}

/// Deploy a tag to production, mark the deployment, watch: the steps the
/// delivery flow and the rollback share. `tag` is an expression.
fn production_steps(t: &Target<'_>, tag: &str, watch_with: &[(&str, &str)]) -> String {
    let mut y = checkout(false, Some(tag));
    y.push_str(&script_step(
        "Record the deployment of the tag",
        Some("deployment"),
        None,
        &[
            ("GITHUB_TOKEN", "${{ github.token }}"),
            ("TAG", tag),
            ("ENVIRONMENT", "production"),
        ],
        RECORD_DEPLOYMENT,
    ));
    y.push_str(&script_step(
        "Deploy the tag to production",
        Some("deploy"),
        None,
        &[("TAG", tag)],
        "bash deploy/deploy.sh production \"$TAG\"",
    ));
    y.push_str(&format!(
        "      - name: Watch production\n\
         \x20       id: watch\n\
         \x20       uses: {}\n\
         \x20       env:\n\
         \x20         # Slack's incoming webhook, for [watch] slack-webhook-env.\n\
         \x20         SLACK_WEBHOOK: ${{{{ secrets.SLACK_WEBHOOK }}}}\n\
         \x20       with:\n\
         \x20         deployment-id: ${{{{ steps.deployment.outputs.id }}}}\n\
         \x20         tag: {tag}\n",
        t.trunkline.uses("post-deploy-watch")
    ));
    for (k, v) in watch_with {
        y.push_str(&format!("          {k}: {v}\n"));
    }
    y.push_str(&script_step(
        "Mark the deployment when the watch could not",
        None,
        Some("failure() && steps.deployment.outputs.id != '' && steps.watch.outputs.verdict == ''"),
        &[
            ("GITHUB_TOKEN", "${{ github.token }}"),
            ("DEPLOYMENT_ID", "${{ steps.deployment.outputs.id }}"),
            ("DEPLOY_OUTCOME", "${{ steps.deploy.outcome }}"),
        ],
        MARK_UNWATCHED,
    ));
    y
}

/// The delivery flow on the main branch.
pub fn main(t: &Target<'_>) -> String {
    let tl = t.trunkline;
    let mut y = header(
        "The delivery flow, written by `trunkline init`: record coverage, deploy\n# staging, tag only if staging succeeded, deploy production from the tag,\n# watch it, and mark the deployment.",
    );
    y.push_str(&format!(
        "name: trunkline delivery\n\
         \n\
         on:\n\
         \x20 push:\n\
         \x20   branches: [{}]\n\
         \n\
         permissions: {{}}\n\
         \n\
         concurrency:\n\
         \x20 group: trunkline-delivery\n\
         \x20 cancel-in-progress: false\n\
         \n\
         jobs:\n",
        quote(t.branch)
    ));
    let mut staging_needs = "";
    if !t.stacks.is_empty() {
        staging_needs = "    needs: [coverage]\n";
        let record = knows("coverage", "record");
        y.push_str(&format!(
            "  coverage:\n\
             \x20   name: trunkline / record coverage\n\
             \x20   runs-on: ubuntu-latest\n\
             \x20   permissions:\n\
             \x20     contents: {}\n\
             \x20   steps:\n",
            if record {
                "write # the coverage record on the data branch"
            } else {
                "read"
            }
        ));
        y.push_str(&checkout(false, None));
        y.push_str(&tests(t.stacks));
        y.push_str(&format!("      - uses: {}\n", tl.uses("coverage-gate")));
        if record {
            y.push_str("        with:\n          record: true\n");
        }
        y.push('\n');
    }
    y.push_str(&format!(
        "  staging:\n\
         \x20   name: deploy staging\n\
         {staging_needs}\
         \x20   runs-on: ubuntu-latest\n\
         \x20   environment: staging\n\
         \x20   permissions:\n\
         \x20     contents: read\n\
         \x20   steps:\n"
    ));
    y.push_str(&checkout(false, None));
    y.push_str(
        "      - name: Deploy this commit to staging\n\
         \x20       run: bash deploy/deploy.sh staging \"$GITHUB_SHA\"\n",
    );
    y.push_str(&format!(
        "\n  tag:\n\
         \x20   name: trunkline / tag\n\
         \x20   needs: [staging]\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   permissions:\n\
         \x20     contents: write # the release tag\n\
         \x20     deployments: read # staging's deployment must have succeeded\n\
         \x20   outputs:\n\
         \x20     tag: ${{{{ steps.tag.outputs.tag }}}}\n\
         \x20   # With a tag ruleset on the release tags, only its bypass actors may\n\
         \x20   # create them, and GitHub Actions cannot be one: give the secrets\n\
         \x20   # TRUNKLINE_APP_CLIENT_ID and TRUNKLINE_APP_PRIVATE_KEY of a GitHub App\n\
         \x20   # that is, and the tags are created with its token.\n\
         \x20   env:\n\
         \x20     APP_CLIENT_ID: ${{{{ secrets.TRUNKLINE_APP_CLIENT_ID }}}}\n\
         \x20   steps:\n\
         \x20     - name: The GitHub App's token, when one is set up\n\
         \x20       id: app\n\
         \x20       if: env.APP_CLIENT_ID != ''\n\
         \x20       uses: {}\n\
         \x20       with:\n\
         \x20         client-id: ${{{{ env.APP_CLIENT_ID }}}}\n\
         \x20         private-key: ${{{{ secrets.TRUNKLINE_APP_PRIVATE_KEY }}}}\n\
         \x20         permission-contents: write\n\
         \x20         permission-deployments: read\n\
         \x20     - id: tag\n\
         \x20       uses: {}\n\
         \x20       with:\n\
         \x20         github-token: ${{{{ steps.app.outputs.token || github.token }}}}\n",
        CREATE_APP_TOKEN.uses(),
        tl.uses("tag-on-staging")
    ));
    y.push_str(&format!(
        "\n  production:\n\
         \x20   name: start production on the tag\n\
         \x20   needs: [tag]\n\
         \x20   if: needs.tag.outputs.tag != ''\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   permissions:\n\
         \x20     actions: write # dispatch {PRODUCTION_FILE} on the tag\n\
         \x20   steps:\n"
    ));
    y.push_str(&dispatch_production(
        "${{ needs.tag.outputs.tag }}",
        "false",
    ));
    y
}

/// Starts the production workflow on `$TAG` (the run's ref is the tag, so
/// a tag-only deployment policy lets it deploy), with its `rollback` input
/// `$ROLLBACK`. The token travels through curl's stdin, never argv.
const DISPATCH_PRODUCTION: &str = r#"set -euo pipefail
body="$(jq -n --arg ref "refs/tags/$TAG" --arg rollback "$ROLLBACK" '{ref: $ref, inputs: {rollback: $rollback}}')"
printf 'header = "Authorization: Bearer %s"\n' "$GITHUB_TOKEN" |
  curl --config - --fail-with-body --silent --show-error --retry 3 \
    --header "Accept: application/vnd.github+json" --data "$body" \
    "${GITHUB_API_URL}/repos/${GITHUB_REPOSITORY}/actions/workflows/${WORKFLOW}/dispatches" > /dev/null
echo "Started ${WORKFLOW} on ${TAG}.""#;

/// The step that dispatches the production workflow on a tag.
fn dispatch_production(tag: &str, rollback: &str) -> String {
    script_step(
        "Start the production deploy on the tag",
        None,
        None,
        &[
            ("GITHUB_TOKEN", "${{ github.token }}"),
            ("TAG", tag),
            ("ROLLBACK", rollback),
            ("WORKFLOW", PRODUCTION_FILE),
        ],
        DISPATCH_PRODUCTION,
    )
}

/// The production deploy, on a release tag (the delivery flow and the
/// rollback dispatch it there): deploy, record the deployment, watch.
pub fn production(t: &Target<'_>) -> String {
    let mut y = header(
        "The production deploy, written by `trunkline init`: runs on a release tag\n# (the delivery flow and the rollback start it there, so the production\n# environment can allow the release tags alone), deploys it, records the\n# deployment and watches production.",
    );
    y.push_str(
        "name: trunkline production\n\
         \n\
         on:\n\
         \x20 workflow_dispatch:\n\
         \x20   inputs:\n\
         \x20     rollback:\n\
         \x20       description: A rollback to this tag (a breach then alerts instead of rolling back again)\n\
         \x20       required: false\n\
         \x20       default: false\n\
         \x20       type: boolean\n\
         \n\
         permissions: {}\n\
         \n\
         jobs:\n\
         \x20 production:\n\
         \x20   name: deploy production\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   environment: production\n\
         \x20   concurrency:\n\
         \x20     group: trunkline-production\n\
         \x20     cancel-in-progress: false\n\
         \x20   timeout-minutes: 120\n\
         \x20   permissions:\n\
         \x20     contents: read\n\
         \x20     deployments: write # the deployment and its status\n\
         \x20     actions: write # dispatch the rollback on a breach\n\
         \x20   steps:\n",
    );
    y.push_str(&script_step(
        "Check that this run is on a release tag",
        None,
        None,
        &[],
        "if [ \"$GITHUB_REF_TYPE\" != tag ]; then\n  echo \"::error title=Production::production deploys release tags only: run this workflow on a tag (Use workflow from: Tags)\"\n  exit 2\nfi",
    ));
    // A breach during a rollback alerts; it does not roll back again.
    y.push_str(&production_steps(
        t,
        "${{ github.ref_name }}",
        &[("on-breach", "${{ inputs.rollback && 'alert' || '' }}")],
    ));
    y
}

/// The rollback: redeploy a tag to production on `workflow_dispatch`, by
/// starting the production workflow on that tag.
pub fn rollback(_t: &Target<'_>) -> String {
    let mut y = header(
        "The rollback, written by `trunkline init`: redeploy a release tag to\n# production. post-deploy-watch dispatches it with the last good tag on a\n# breach; run it by hand from the Actions tab the same way. It starts\n# trunkline-production.yml on the tag, since production deploys tags only.",
    );
    y.push_str(
        "name: trunkline rollback\n\
         \n\
         on:\n\
         \x20 workflow_dispatch:\n\
         \x20   inputs:\n\
         \x20     tag:\n\
         \x20       description: The release tag to deploy to production again\n\
         \x20       required: true\n\
         \x20       type: string\n\
         \n\
         permissions: {}\n\
         \n\
         jobs:\n\
         \x20 rollback:\n\
         \x20   name: roll back production\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   permissions:\n\
         \x20     actions: write # start trunkline-production.yml on the tag\n\
         \x20   steps:\n",
    );
    y.push_str(&script_step(
        "Check the tag",
        None,
        None,
        &[("TAG", "${{ inputs.tag }}")],
        "case \"$TAG\" in\n  \"\" | -* | *[!A-Za-z0-9._/+-]*)\n    echo \"::error title=Rollback::not a release tag: give a tag such as v1.2.3\"\n    exit 2\n    ;;\nesac",
    ));
    y.push_str(&dispatch_production("${{ inputs.tag }}", "true"));
    y
}
