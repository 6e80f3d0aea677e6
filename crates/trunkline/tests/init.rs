//! `trunkline init` in real temporary repositories of each stack: which
//! files it writes, what they hold, re-runs, `--force` and `--dry-run`.

#![allow(clippy::unwrap_used)]

use crate::support;

use support::*;
use test_support::testing::TestRepo;
use yaml_rust2::{Yaml, YamlLoader};

const FILES: [&str; 7] = [
    ".github/trunkline.toml",
    ".github/pull_request_template.md",
    ".github/workflows/trunkline-pr.yml",
    ".github/workflows/trunkline-main.yml",
    ".github/workflows/trunkline-production.yml",
    ".github/workflows/trunkline-rollback.yml",
    "deploy/deploy.sh",
];

fn read(r: &TestRepo, path: &str) -> String {
    std::fs::read_to_string(r.path().join(path)).unwrap()
}

#[test]
fn each_stack_gets_its_test_command_and_report() {
    let cases = [
        (
            "Cargo.toml",
            "Rust",
            "cargo llvm-cov --workspace --lcov --output-path lcov.info",
            "\"lcov.info\"",
        ),
        (
            "package.json",
            "Node.js",
            "c8@10.1.3 --reporter=lcov npm test",
            "\"coverage/lcov.info\"",
        ),
        (
            "go.mod",
            "Go",
            "go test -coverprofile=coverage.out ./...",
            "\"coverage.out\"",
        ),
        (
            "pyproject.toml",
            "Python",
            "--cov-report=xml:coverage.xml",
            "\"coverage.xml\"",
        ),
        (
            "setup.py",
            "Python",
            "--cov-report=xml:coverage.xml",
            "\"coverage.xml\"",
        ),
        (
            "pom.xml",
            "Java (Maven)",
            "jacoco-maven-plugin:0.8.12:report",
            "\"target/site/jacoco/jacoco.xml\"",
        ),
        (
            "build.gradle",
            "Java (Gradle)",
            "test jacocoTestReport --init-script",
            "\"build/reports/jacoco/test/jacocoTestReport.xml\"",
        ),
        (
            "build.gradle.kts",
            "Kotlin/Java (Gradle)",
            "test jacocoTestReport --init-script",
            "\"build/reports/jacoco/test/jacocoTestReport.xml\"",
        ),
    ];
    for (marker, name, command, report) in cases {
        let r = TestRepo::new();
        r.write(marker, "{}\n");
        let run = init(r.path(), &[]);
        assert!(
            run.stdout.contains(&format!("detected: {name} ({marker})")),
            "{marker}: {}",
            run.stdout
        );
        for f in FILES {
            assert!(
                run.stdout.contains(&format!("written    {f}")),
                "{marker} {f}: {}",
                run.stdout
            );
            assert!(r.path().join(f).is_file(), "{f}");
        }
        let pr = read(&r, ".github/workflows/trunkline-pr.yml");
        assert!(pr.contains(command), "{marker}: {pr}");
        assert!(pr.contains("name: trunkline / coverage"), "{marker}");
        let main = read(&r, ".github/workflows/trunkline-main.yml");
        assert!(main.contains(command), "{marker}");
        assert!(main.contains("needs: [coverage]"), "{marker}");
        let policy = read(&r, ".github/trunkline.toml");
        assert!(
            policy.contains(&format!("reports = [{report}]")),
            "{marker}: {policy}"
        );
        if marker.ends_with(".kts") {
            assert!(policy.contains("source-root = [\"src/main/java\", \"src/main/kotlin\"]"));
        }
    }
}

#[test]
fn no_stack_means_no_coverage_job() {
    let r = TestRepo::new();
    r.write("README.md", "hi\n");
    let run = init(r.path(), &[]);
    assert!(run.stdout.contains("detected: no stack"), "{}", run.stdout);
    // The next steps name the environments' policies doctor checks.
    assert!(
        run.stdout.contains("create the environments staging (deploys from main) and production (deploys the release tags v* alone: trunkline-production.yml runs on the tag)"),
        "{}",
        run.stdout
    );
    let pr = read(&r, ".github/workflows/trunkline-pr.yml");
    assert!(!pr.contains("coverage"), "{pr}");
    assert!(read(&r, ".github/trunkline.toml").contains("# reports = [\"coverage/lcov.info\"]"));
}

#[test]
fn the_process_defaults_are_in_the_policy_and_the_template() {
    let r = TestRepo::new();
    init(r.path(), &["--health-url", "https://shop.example/health"]);
    let policy = read(&r, ".github/trunkline.toml");
    for want in [
        "max-lines = 400",
        "warn-lines = 300",
        "max-branch-age = \"2d\"",
        "max-prs-per-day = 1",
        "section-rule = [\"User flows tested=at-least-one\", \"Feature flag=at-least-one\"]",
        "prefix = \"v\"",
        "require-deployment = \"staging\"",
        "duration = \"30m\"",
        "on-breach = \"rollback\"",
        "rollback-workflow = \"trunkline-rollback.yml\"",
        "url = [\"https://shop.example/health\"]",
    ] {
        assert!(policy.contains(want), "{want}: {policy}");
    }
    assert!(policy.starts_with(&format!(
        "#:schema https://raw.githubusercontent.com/trunkline/trunkline/{PIN}/schemas/trunkline.schema.json\n# Written by trunkline init"
    )));
    let template = read(&r, ".github/pull_request_template.md");
    for want in [
        "## User flows tested",
        "## Feature flag",
        "- [ ] The new feature sits behind a feature flag that is off by default",
        "- [ ] Tests cover the change",
        "- [ ] The task is linked above",
    ] {
        assert!(template.contains(want), "{want}: {template}");
    }
    let deploy = read(&r, "deploy/deploy.sh");
    assert!(deploy.starts_with("#!/usr/bin/env bash\n# Written by trunkline init"));
    assert!(deploy.contains("fill in how to deploy"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(r.path().join("deploy/deploy.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111);
    }
    // The stub says what to fill in, and fails until it is.
    let out = std::process::Command::new("bash")
        .arg(r.path().join("deploy/deploy.sh"))
        .args(["staging", "abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fill in how to deploy abc to staging"));
}

#[test]
fn a_rerun_keeps_what_you_changed_and_force_keeps_a_backup() {
    let r = TestRepo::new();
    r.write("go.mod", "module x\n");
    init(r.path(), &[]);
    let policy = r.path().join(".github/trunkline.toml");
    let edited = read(&r, ".github/trunkline.toml").replace("max-lines = 400", "max-lines = 250");
    std::fs::write(&policy, &edited).unwrap();
    r.write(".github/pull_request_template.md", "my own template\n");

    let run = init(r.path(), &[]);
    assert!(
        run.stdout
            .contains("kept       .github/trunkline.toml (you changed it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("kept       .github/pull_request_template.md"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("unchanged  .github/workflows/trunkline-pr.yml"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("2 file(s) kept"), "{}", run.stdout);
    assert_eq!(read(&r, ".github/trunkline.toml"), edited);
    assert_eq!(
        read(&r, ".github/pull_request_template.md"),
        "my own template\n"
    );

    let run = init(r.path(), &["--force"]);
    assert!(
        run.stdout.contains(
            "overwritten .github/trunkline.toml (your version is in .github/trunkline.toml.bak)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(read(&r, ".github/trunkline.toml.bak"), edited);
    assert_eq!(
        read(&r, ".github/pull_request_template.md.bak"),
        "my own template\n"
    );
    assert!(read(&r, ".github/trunkline.toml").contains("max-lines = 400"));
    // A second forced overwrite never clobbers the first backup.
    std::fs::write(&policy, "[tag]\n").unwrap();
    init(r.path(), &["--force"]);
    assert_eq!(read(&r, ".github/trunkline.toml.bak"), edited);
    assert_eq!(read(&r, ".github/trunkline.toml.bak.1"), "[tag]\n");
}

#[test]
fn inits_own_copy_is_brought_up_to_date() {
    let r = TestRepo::new();
    init(r.path(), &["--health-url", "https://a.example/health"]);
    let run = init(r.path(), &["--health-url", "https://b.example/health"]);
    assert!(
        run.stdout.contains("updated    .github/trunkline.toml"),
        "{}",
        run.stdout
    );
    assert!(read(&r, ".github/trunkline.toml").contains("https://b.example/health"));
    assert!(!r.path().join(".github/trunkline.toml.bak").exists());
}

#[test]
fn dry_run_prints_the_files_and_writes_nothing() {
    let r = TestRepo::new();
    let run = init(r.path(), &["--dry-run"]);
    for f in FILES {
        assert!(
            run.stdout.contains(&format!("--- {f} (would write)")),
            "{f}: {}",
            run.stdout
        );
        assert!(!r.path().join(f).exists(), "{f}");
    }
    assert!(run.stdout.contains("name: trunkline pull request"));
}

#[test]
fn bad_input_exits_2() {
    let r = TestRepo::new();
    for (args, needle) in [
        (
            vec!["init", "--actions-ref", "v1"],
            "--actions-ref \"v1\": give a full 40-character commit SHA",
        ),
        (
            vec!["init", "--actions-ref", PIN, "--actions-repo", "nope"],
            "--actions-repo",
        ),
        (
            vec!["init", "--actions-ref", PIN, "--dir", "/nonexistent"],
            "--dir /nonexistent",
        ),
        (
            vec!["init", "--actions-ref", PIN, "--health-url", "shop"],
            "--health-url",
        ),
    ] {
        let run = trunkline(r.path(), &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    if option_env!("TRUNKLINE_ACTIONS_SHA").is_none() {
        let run = trunkline(r.path(), &["init"]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("development build"), "{}", run.stderr);
    }
}

fn yaml(text: &str) -> Yaml {
    YamlLoader::load_from_str(text).unwrap().remove(0)
}

#[test]
fn the_workflows_keep_the_security_rules() {
    let r = TestRepo::new();
    for f in [
        "Cargo.toml",
        "package.json",
        "go.mod",
        "pyproject.toml",
        "pom.xml",
        "build.gradle",
    ] {
        r.write(f, "{}\n");
    }
    init(r.path(), &[]);
    let pinned = regex_like_pin;
    for file in [
        "trunkline-pr.yml",
        "trunkline-main.yml",
        "trunkline-production.yml",
        "trunkline-rollback.yml",
    ] {
        let text = read(&r, &format!(".github/workflows/{file}"));
        let w = yaml(&text);
        assert!(
            w["permissions"].as_hash().is_some_and(|h| h.is_empty()),
            "{file}: permissions: {{}}"
        );
        for (name, job) in w["jobs"].as_hash().unwrap() {
            let name = name.as_str().unwrap();
            assert!(
                job["permissions"].as_hash().is_some(),
                "{file} {name}: per-job permissions"
            );
            for step in job["steps"].as_vec().unwrap() {
                if let Some(run) = step["run"].as_str() {
                    assert!(
                        !run.contains("${{"),
                        "{file} {name}: expression in run: {run}"
                    );
                }
                if let Some(uses) = step["uses"].as_str() {
                    assert!(pinned(uses), "{file} {name}: not pinned: {uses}");
                    if uses.starts_with("actions/checkout@") {
                        assert_eq!(
                            step["with"]["persist-credentials"].as_bool(),
                            Some(false),
                            "{file} {name}"
                        );
                    }
                }
            }
        }
        // Each pin carries its version in a comment.
        for line in text.lines().filter(|l| l.contains("uses: ")) {
            assert!(line.contains(" # "), "{file}: {line}");
        }
    }
    let pr = yaml(&read(&r, ".github/workflows/trunkline-pr.yml"));
    assert!(!pr["on"]["merge_group"].is_badvalue());
    assert!(!pr["on"]["pull_request"].is_badvalue());
    let rollback = yaml(&read(&r, ".github/workflows/trunkline-rollback.yml"));
    assert_eq!(
        rollback["on"]["workflow_dispatch"]["inputs"]["tag"]["required"].as_bool(),
        Some(true)
    );
    let main = read(&r, ".github/workflows/trunkline-main.yml");
    assert!(main.contains("bash deploy/deploy.sh staging \"$GITHUB_SHA\""));
    let main = yaml(&main);
    assert_eq!(main["jobs"]["tag"]["needs"][0].as_str(), Some("staging"));
    assert_eq!(main["jobs"]["production"]["needs"][0].as_str(), Some("tag"));
    // With a tag ruleset only a GitHub App may create the release tags:
    // tag-on-staging takes the App's token when its secrets are set, and
    // the workflow's own token until then.
    let steps = main["jobs"]["tag"]["steps"].as_vec().unwrap();
    assert!(
        steps[0]["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/create-github-app-token@")
    );
    assert_eq!(steps[0]["if"].as_str(), Some("env.APP_CLIENT_ID != ''"));
    assert_eq!(
        main["jobs"]["tag"]["env"]["APP_CLIENT_ID"].as_str(),
        Some("${{ secrets.TRUNKLINE_APP_CLIENT_ID }}")
    );
    assert_eq!(
        steps[1]["with"]["github-token"].as_str(),
        Some("${{ steps.app.outputs.token || github.token }}")
    );
    assert_eq!(
        main["jobs"]["staging"]["environment"].as_str(),
        Some("staging")
    );
    // Production deploys only on a tag: the delivery flow and the
    // rollback start the production workflow on it, so the environment
    // can allow the release tags alone; neither job is in the
    // environment on the default branch's ref.
    for (file, job) in [
        ("trunkline-main.yml", "production"),
        ("trunkline-rollback.yml", "rollback"),
    ] {
        let text = read(&r, &format!(".github/workflows/{file}"));
        let w = yaml(&text);
        assert!(w["jobs"][job]["environment"].is_badvalue(), "{file}");
        assert!(
            text.contains("WORKFLOW: trunkline-production.yml"),
            "{file}"
        );
        assert!(text.contains("--arg ref \"refs/tags/$TAG\""), "{file}");
    }
    let production = read(&r, ".github/workflows/trunkline-production.yml");
    assert!(production.contains("bash deploy/deploy.sh production \"$TAG\""));
    assert!(production.contains("\"$GITHUB_REF_TYPE\" != tag"));
    let production = yaml(&production);
    assert!(!production["on"]["workflow_dispatch"].is_badvalue());
    assert_eq!(
        production["jobs"]["production"]["environment"].as_str(),
        Some("production")
    );
}

/// `owner/repo[/path]@<40 hex>`.
fn regex_like_pin(uses: &str) -> bool {
    uses.split_once('@')
        .is_some_and(|(_, rev)| rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit()))
}

#[test]
fn the_generated_policy_is_valid_for_every_gate_and_the_schema() {
    let schema = committed_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for markers in [
        &[][..],
        &["Cargo.toml"][..],
        &["build.gradle.kts", "package.json"][..],
    ] {
        let r = TestRepo::new();
        for m in markers {
            r.write(m, "{}\n");
        }
        init(r.path(), &["--health-url", "https://shop.example/health"]);
        let text = read(&r, ".github/trunkline.toml");
        let errors: Vec<String> = validator
            .iter_errors(&toml_as_json(&text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{markers:?}: {errors:?}");
        // Every gate accepts its table.
        let run = trunkline(r.path(), &["config"]);
        assert_eq!(run.code, 0, "{markers:?}: {}", run.stderr);
        assert!(run.stdout.contains("max-lines"), "{}", run.stdout);
    }
    // And the schema is no rubber stamp.
    for bad in [
        "[pr-size]\nmax-lines = 0\n",
        "[pr-size]\nmax-line = 1\n",
        "[watch]\non-breach = \"panic\"\n",
        "[coverage]\ntolerance = 101\n",
        "[bogus]\n",
    ] {
        assert!(!validator.is_valid(&toml_as_json(bad)), "{bad}");
    }
}

#[test]
fn the_actions_let_the_policy_file_apply() {
    // An action input with a default would always be set, and so always beat
    // the file: every policy key's input defaults to empty.
    let schema = committed_schema();
    let actions = [
        ("pr-size", "pr-size-gate"),
        ("checklist", "checklist-gate"),
        ("coverage", "coverage-gate"),
        ("tag", "tag-on-staging"),
        ("watch", "post-deploy-watch"),
    ];
    for (table, gate) in actions {
        let text =
            std::fs::read_to_string(workspace_root().join(format!("actions/{gate}/action.yml")))
                .unwrap();
        let action = yaml(&text);
        let keys = schema["properties"][table]["properties"]
            .as_object()
            .unwrap();
        for key in keys.keys() {
            let input = &action["inputs"][key.as_str()];
            assert!(!input.is_badvalue(), "{gate}: no input {key}");
            assert_eq!(
                input["default"].as_str(),
                Some(""),
                "{gate}: input {key} must default to empty"
            );
        }
        assert!(
            !action["inputs"]["config"].is_badvalue(),
            "{gate}: no config input"
        );
    }
}
