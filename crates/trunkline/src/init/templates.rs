//! The policy file, the PR template and the deploy script stub.

use crate::gates::knows;
use crate::init::stack::Stack;
use crate::init::workflows::ROLLBACK_FILE;

/// A TOML string: JSON's escapes are TOML's.
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| toml_str(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `.github/trunkline.toml`: the process's defaults, a comment per key.
pub fn policy(stacks: &[Stack], health_url: Option<&str>, schema_url: &str) -> String {
    let mut t = String::new();
    t.push_str(&format!("#:schema {schema_url}\n"));
    t.push_str(
        "# Trunkline's policy: one table per gate, each key the gate's flag of the\n\
         # same name (see Trunkline's README). In a pull request every gate reads\n\
         # this file at the base commit, so a change to it applies once it merges.\n\
         # Precedence: a workflow's `with:` input, then this file, then the default.\n",
    );
    t.push_str(
        "\n[pr-size]\n\
         # Small pull requests: fail over 400 changed lines, warn over 300.\n\
         # Lockfiles, generated and vendored files do not count.\n\
         max-lines = 400\n\
         warn-lines = 300\n\
         # Short-lived branches, and one pull request per author per day.\n\
         max-branch-age = \"2d\"\n\
         max-prs-per-day = 1\n\
         # Label each pull request with its size; explain a failure in a comment.\n\
         label = true\n\
         comment = true\n",
    );
    t.push_str(
        "\n[checklist]\n\
         # The checklist of .github/pull_request_template.md: every item answered,\n\
         # at least one user flow tested, and the feature flag question answered.\n\
         section-rule = [\"User flows tested=at-least-one\", \"Feature flag=at-least-one\"]\n\
         # List what is still open in a comment, marked done once answered.\n\
         comment = true\n",
    );
    t.push_str("\n[coverage]\n");
    let reports: Vec<String> = stacks.iter().flat_map(|s| s.reports.clone()).collect();
    if reports.is_empty() {
        t.push_str(
            "# The coverage reports your tests write (lcov, Cobertura, JaCoCo, Go,\n\
             # Clover, OpenCover or SimpleCov), e.g.\n\
             # reports = [\"coverage/lcov.info\"]\n",
        );
    } else {
        let names: Vec<&str> = stacks.iter().map(|s| s.name).collect();
        t.push_str(&format!(
            "# The coverage reports the tests write ({}); each package keeps its\n\
             # coverage at its baseline or better.\n\
             reports = {}\n",
            names.join(", "),
            toml_list(&reports)
        ));
        let roots: Vec<String> = stacks.iter().flat_map(|s| s.source_roots.clone()).collect();
        if !roots.is_empty() {
            t.push_str(&format!(
                "# Where JaCoCo's classes' sources live.\nsource-root = {}\n",
                toml_list(&roots)
            ));
        }
    }
    // Keys of coverage-gate's baseline store and patch coverage, once the
    // installed gate has them.
    if knows("coverage", "min-patch") {
        t.push_str("# The lines a pull request adds must be 80% covered.\nmin-patch = 80\n");
    }
    if knows("coverage", "comment") {
        t.push_str("# Show coverage on the pull request in a comment.\ncomment = true\n");
    }
    t.push_str(
        "\n[tag]\n\
         # Release tags vX.Y.Z, from conventional commits, cut only on a commit\n\
         # whose newest staging deployment succeeded.\n\
         prefix = \"v\"\n\
         require-deployment = \"staging\"\n",
    );
    t.push_str(&format!(
        "\n[watch]\n\
         # After each production deploy, watch production for 30 minutes; three\n\
         # breaches in a row of one check fail the watch at once.\n\
         duration = \"30m\"\n\
         interval = \"30s\"\n\
         failure-threshold = 3\n\
         # On a breach: mark the deployment failed, redeploy the last good tag\n\
         # with the rollback workflow, and alert.\n\
         on-breach = \"rollback\"\n\
         rollback-workflow = \"{ROLLBACK_FILE}\"\n\
         # What to watch: production's health URL (a 2xx within 10s), and/or\n\
         # Prometheus queries, e.g.\n\
         # prometheus-url = \"http://prometheus.internal:9090\"\n\
         # query = [\"error-rate: sum(rate(http_errors_total[5m])) or vector(0) < 1\"]\n"
    ));
    match health_url {
        Some(url) => t.push_str(&format!("url = {}\n", toml_list(&[url.to_owned()]))),
        None => t.push_str(
            "# The watch needs at least one check: until you add one, the production\n\
             # job stops at the watch with \"nothing to watch\".\n\
             # url = [\"https://your-app.example/health\"]\n",
        ),
    }
    t
}

/// `.github/pull_request_template.md`: the checklist the process asks for.
pub fn pull_request_template() -> String {
    "## Task\n\
     \n\
     <!-- The link to the task this pull request does. -->\n\
     Task: \n\
     \n\
     - [ ] The task is linked above\n\
     \n\
     ## User flows tested\n\
     \n\
     <!-- Tick each flow you ran by hand (at least one); add lines for others. -->\n\
     - [ ] The main flow this change touches, end to end\n\
     - [ ] Its error and empty states\n\
     \n\
     ## Feature flag\n\
     \n\
     <!-- Tick one. -->\n\
     - [ ] The new feature sits behind a feature flag that is off by default\n\
     - [ ] Nothing new to put behind a flag\n\
     \n\
     ## Tests\n\
     \n\
     - [ ] Tests cover the change\n"
        .to_owned()
}

/// `deploy/deploy.sh`: the one script the workflows call to deploy.
pub fn deploy_script() -> String {
    "#!/usr/bin/env bash\n\
     # Deploys REF to ENVIRONMENT:\n\
     #   deploy/deploy.sh staging <commit sha>     (every push to the main branch)\n\
     #   deploy/deploy.sh production <tag>        (after staging succeeded and the tag was cut)\n\
     #   deploy/deploy.sh production <older tag>  (the rollback workflow)\n\
     # The workflows in .github/workflows/trunkline-*.yml call it from a checkout\n\
     # of REF. Exit non-zero when the deploy fails: the flow stops there.\n\
     #\n\
     # Fill in how your service deploys (and delete the error below), e.g.\n\
     #   kubectl set image deployment/app app=registry.example/app:\"$ref\"\n\
     #   flyctl deploy --app \"app-$environment\" --image-label \"$ref\"\n\
     set -euo pipefail\n\
     \n\
     environment=\"${1:?usage: deploy/deploy.sh ENVIRONMENT REF}\"\n\
     ref=\"${2:?usage: deploy/deploy.sh ENVIRONMENT REF}\"\n\
     case \"$environment\" in\n\
     \x20 staging | production) ;;\n\
     \x20 *)\n\
     \x20   echo \"deploy/deploy.sh: unknown environment '$environment' (staging or production)\" >&2\n\
     \x20   exit 2\n\
     \x20   ;;\n\
     esac\n\
     \n\
     echo \"::error title=deploy/deploy.sh is a stub::fill in how to deploy ${ref} to ${environment}\"\n\
     exit 1\n"
        .to_owned()
}
