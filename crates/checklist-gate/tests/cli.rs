//! The binary, run hermetically with the canary token: files, stdin, event
//! payloads, the live body from the fake GitHub, and the template at base.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use test_support::testing::{Run, TestRepo, hermetic_command, output_text, run_hermetic};
use test_support::{FakeGitHub, Pull};

const BIN: &str = env!("CARGO_BIN_EXE_checklist-gate");
const R: &str = "Codertocat/Hello-World";

const TEMPLATE: &str = "## Summary\n\n<!-- What changed and why. -->\n\n## User flows tested\n\n- [ ] Checkout\n- [ ] Refund\n\n## Safety\n\n- [ ] New features sit behind a feature flag\n- [ ] Tests cover the change\n";

fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    run_hermetic(BIN, cwd, args, env)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/github-events")
        .join(name)
}

/// A pull_request event file with the given body, base and head.
fn event_file(dir: &Path, body: Option<&str>, base: &str, head: &str) -> String {
    let payload = std::fs::read_to_string(fixture("pull_request.opened.payload.json")).unwrap();
    let mut e: Value = serde_json::from_str(&payload).unwrap();
    e["pull_request"]["body"] = body.map(Value::from).unwrap_or(Value::Null);
    e["pull_request"]["base"]["sha"] = base.into();
    e["pull_request"]["head"]["sha"] = head.into();
    write(dir, "event.json", &e.to_string())
}

#[test]
fn body_file_default_mode_requires_every_box() {
    let d = tempfile::tempdir().unwrap();
    let body = write(
        d.path(),
        "pr.md",
        "- [x] a\n- [ ] b\n```\n- [ ] not a box\n```\n",
    );
    let r = run(d.path(), &["--body-file", &body, "--format", "json"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["unchecked_required"], serde_json::json!(["b"]));
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["items"][0]["required"], true);
    assert_eq!(v["items"][0]["section"], Value::Null);
}

#[test]
fn body_from_stdin() {
    let d = tempfile::tempdir().unwrap();
    let mut cmd = hermetic_command(BIN);
    cmd.current_dir(d.path())
        .args(["--body-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"- [x] done\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, _) = output_text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("[x] done"), "{stdout}");
}

/// #20 (one I/O seam): `--body-file -` reads the reader the front end
/// injects, not the process's stdin, so an in-process front end (`trunkline
/// check`) or a test hands the description in.
#[test]
fn body_from_the_injected_reader() {
    let d = tempfile::tempdir().unwrap();
    let config = write(d.path(), "trunkline.toml", "");
    let argv = [
        "checklist-gate",
        "--body-file",
        "-",
        "--format",
        "json",
        "--config",
        &config,
    ];
    let run = |body: &[u8]| {
        let ran = test_support::testing::run_in_process::<checklist_gate::cli::Cli, _>(
            checklist_gate::GATE,
            &argv,
            &gate_runtime::Env::default(),
            body,
            checklist_gate::run,
        );
        (ran.code, ran.json())
    };
    let (code, v) = run(b"- [x] done\n- [ ] todo\n");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["unchecked_required"], serde_json::json!(["todo"]));
    assert_eq!(v["body_source"], "--body-file -");
    let (code, v) = run(b"- [x] done\n");
    assert_eq!(code, 0, "{v}");
}

#[test]
fn template_matching_sections_and_not_applicable() {
    let d = tempfile::tempdir().unwrap();
    let template = write(d.path(), "template.md", TEMPLATE);
    let args = |body: &str| {
        vec![
            "--template".to_owned(),
            template.clone(),
            "--body-file".to_owned(),
            write(d.path(), "pr.md", body),
            "--section-rule".to_owned(),
            "user flows tested=at-least-one".to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ]
    };
    let go = |body: &str| {
        let a = args(body);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run(d.path(), &a, &[])
    };
    // Trivially edited items still match; the author's own item is optional.
    let r = go(
        "## User flows tested\n- [x] **checkout**\n## Safety\n- [X] New  features sit behind a [feature flag](https://x)\n- [x] `Tests` cover the change\n- [ ] my extra\n",
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["items"][3]["required"], false);
    assert_eq!(v["template"], template);
    // Deleting a required line fails and names it.
    let r = go("## User flows tested\n- [x] Checkout\n## Safety\n- [x] Tests cover the change\n");
    assert_eq!(r.code, 1);
    assert_eq!(
        r.json()["removed"],
        serde_json::json!(["New features sit behind a feature flag"])
    );
    // No flow ticked.
    let r = go(
        "## User flows tested\n- [ ] Checkout\n- [ ] Refund\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n",
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.json()["unanswered_sections"],
        serde_json::json!(["User flows tested"])
    );
    // Not applicable, two ways.
    let r = go(
        "## User flows tested\n- [x] Refund\n## Safety\n- [ ] ~~New features sit behind a feature flag~~\n- [ ] Tests cover the change N/A\n",
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["items"][1]["not_applicable"], true);
    assert_eq!(v["items"][2]["not_applicable"], true);
}

#[test]
fn required_optional_and_custom_na_marker() {
    let d = tempfile::tempdir().unwrap();
    let body = write(
        d.path(),
        "pr.md",
        "- [x] feature flag\n- [ ] screenshots\n- [ ] docs skip\n",
    );
    let r = run(
        d.path(),
        &[
            "--body-file",
            &body,
            "--optional",
            "screenshots",
            "--na-marker",
            "skip",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(
        d.path(),
        &["--body-file", &body, "--required", "(?i)FLAG"],
        &[],
    );
    assert_eq!(r.code, 0);
    let r = run(d.path(), &["--body-file", &body], &[]);
    assert_eq!(r.code, 1);
}

#[test]
fn bad_input_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let body = write(d.path(), "pr.md", "- [x] a\n");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--body-file", "/nonexistent.md"],
            "--body-file /nonexistent.md",
        ),
        (
            &["--body-file", &body, "--required", "("],
            "--required \"(\": not a valid regular expression: unclosed group",
        ),
        (
            &["--body-file", &body, "--section-rule", "Flows"],
            "--section-rule",
        ),
        (
            &["--body-file", &body, "--section-rule", "Flows=most"],
            "unknown rule",
        ),
        (
            &["--body-file", &body, "--template", "/nope.md"],
            "--template /nope.md",
        ),
        (&[], "no pull request description"),
    ];
    for (args, needle) in cases {
        let r = run(d.path(), args, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
}

fn fake_with_pr(body: Option<&str>) -> FakeGitHub {
    let fake = FakeGitHub::start();
    let mut pr = Pull::new(2, "Codertocat");
    pr.body = body.map(str::to_owned);
    fake.add_pull(R, pr);
    fake
}

fn actions_env<'a>(event: &'a str, fake: &'a FakeGitHub) -> Vec<(&'a str, &'a str)> {
    vec![
        ("GITHUB_EVENT_PATH", event),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REPOSITORY", R),
        ("GITHUB_API_URL", fake.url()),
    ]
}

#[test]
fn the_live_body_wins_over_a_stale_payload() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some("- [x] Tests cover the change\n"));
    let event = event_file(
        d.path(),
        Some("- [ ] Tests cover the change\n"),
        "b".repeat(40).as_str(),
        "a".repeat(40).as_str(),
    );
    let r = run(d.path(), &["--format", "json"], &actions_env(&event, &fake));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json()["body_source"], "pull request #2, fetched live");
    assert!(
        fake.requests()
            .iter()
            .any(|q| q.path == "/repos/Codertocat/Hello-World/pulls/2")
    );
}

#[test]
fn a_failed_fetch_falls_back_to_the_payload_and_says_so() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some("- [ ] x\n"));
    fake.fail_next(100, 404);
    let event = event_file(
        d.path(),
        Some("- [x] Tests cover the change\n"),
        &"b".repeat(40),
        &"a".repeat(40),
    );
    let r = run(d.path(), &["--format", "json"], &actions_env(&event, &fake));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["body_source"], "pull request #2, event payload");
    assert!(
        v["notes"]
            .to_string()
            .contains("could not fetch the live description")
    );
}

#[test]
fn a_null_body_fails_when_the_template_requires_items() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(None);
    let base = "b".repeat(40);
    fake.put_file(
        R,
        &base,
        ".github/pull_request_template.md",
        TEMPLATE.as_bytes(),
    );
    let event = write(
        d.path(),
        "event.json",
        &std::fs::read_to_string(fixture("pull_request.opened.with-null-body.json"))
            .unwrap()
            .replace(
                "\"sha\": \"ec26c3e57ca3a959ca5aad62de7213c562f8c821\"",
                &format!("\"sha\": \"{}\"", "a".repeat(40)),
            ),
    );
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&event).unwrap()).unwrap();
    e["pull_request"]["base"]["sha"] = base.clone().into();
    std::fs::write(&event, e.to_string()).unwrap();
    let r = run(d.path(), &["--format", "json"], &actions_env(&event, &fake));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert!(
        v["reasons"][0]
            .as_str()
            .unwrap()
            .contains("template was not used"),
        "{v}"
    );
    assert_eq!(v["template"], ".github/pull_request_template.md");
}

#[test]
fn the_template_is_read_at_the_base_commit_not_the_head() {
    let repo = TestRepo::new();
    repo.write(".github/pull_request_template.md", TEMPLATE);
    let base = repo.commit("template");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // The PR rewrites the template to drop the feature-flag item.
    repo.write(
        ".github/pull_request_template.md",
        "- [ ] Tests cover the change\n",
    );
    let head = repo.commit("loosen the rules");
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some(
        "## User flows tested\n- [x] Checkout\n- [x] Refund\n## Safety\n- [x] Tests cover the change\n",
    ));
    let event = event_file(d.path(), None, &base, &head);
    let r = run(
        repo.path(),
        &["--format", "json"],
        &actions_env(&event, &fake),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.json()["removed"],
        serde_json::json!(["New features sit behind a feature flag"])
    );
    // Read from local git: no contents request went to the API.
    assert!(
        fake.requests()
            .iter()
            .all(|q| !q.path.contains("/contents/"))
    );
}

#[test]
fn the_only_file_in_the_template_directory_is_used_and_two_are_ambiguous() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some("- [x] Tests cover the change\n"));
    let base = "c".repeat(40);
    fake.put_file(
        R,
        &base,
        ".github/PULL_REQUEST_TEMPLATE/feature.md",
        b"- [ ] Tests cover the change\n- [ ] Flag\n",
    );
    let event = event_file(d.path(), None, &base, &"a".repeat(40));
    let r = run(d.path(), &["--format", "json"], &actions_env(&event, &fake));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["template"], ".github/PULL_REQUEST_TEMPLATE/feature.md");
    assert_eq!(v["removed"], serde_json::json!(["Flag"]));
    fake.put_file(
        R,
        &base,
        ".github/PULL_REQUEST_TEMPLATE/bugfix.md",
        b"- [ ] x\n",
    );
    let r = run(d.path(), &["--format", "json"], &actions_env(&event, &fake));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("name the one to check with --template"),
        "{}",
        r.stderr
    );
}

#[test]
fn status_and_sticky_comment_follow_each_edit() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some("- [ ] Tests cover the change\n"));
    let head = "a".repeat(40);
    let event = event_file(d.path(), None, &"b".repeat(40), &head);
    let env = actions_env(&event, &fake);
    let args = ["--status-context", "trunkline/checklist", "--comment"];
    let r = run(d.path(), &args, &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let state = fake.repo(R);
    assert_eq!(state.statuses.len(), 1);
    assert_eq!(state.statuses[0].sha, head);
    assert_eq!(state.statuses[0].state, "failure");
    assert_eq!(state.comments[&2].len(), 1);
    assert!(
        state.comments[&2][0]
            .body
            .contains("- [ ] Tests cover the change")
    );

    // The author ticks the box: the status follows, the comment is marked done.
    fake.with_repo(R, |r| {
        r.pulls.get_mut(&2).unwrap().body = Some("- [x] Tests cover the change\n".into())
    });
    let r = run(d.path(), &args, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let state = fake.repo(R);
    assert_eq!(state.statuses.last().unwrap().state, "success");
    assert_eq!(state.comments[&2].len(), 1);
    assert!(state.comments[&2][0].body.contains("done"));

    // A dry run writes nothing and prints what it would write.
    fake.clear_requests();
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let r = run(d.path(), &dry, &env);
    assert_eq!(r.code, 0);
    assert!(fake.writes().is_empty());
    assert!(
        r.stdout
            .contains(&format!("would POST /repos/{R}/statuses/{head}")),
        "{}",
        r.stdout
    );
}

/// A fork's pull request runs with a read-only token: the checklist is
/// still decided, and the status and comment are skipped with a note rather
/// than refused with 403 (exit 2). Found by the delivery_flow scenario (#16).
#[test]
fn a_forks_pull_request_is_decided_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some("- [ ] Tests cover the change\n"));
    fake.read_only_token(test_support::testing::CANARY_TOKEN);
    let event = event_file(d.path(), None, &"b".repeat(40), &"a".repeat(40));
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&event).unwrap()).unwrap();
    e["pull_request"]["head"]["repo"]["full_name"] = "forker/Hello-World".into();
    let event = write(d.path(), "fork.json", &e.to_string());
    let env = actions_env(&event, &fake);
    let r = run(
        d.path(),
        &[
            "--status-context",
            "trunkline/checklist",
            "--comment",
            "--format",
            "json",
        ],
        &env,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let notes = r.json()["notes"].to_string();
    assert!(
        notes.contains("skipped create the sticky comment") && notes.contains("from a fork"),
        "{notes}"
    );
    assert!(
        notes.contains("skipped set status trunkline/checklist"),
        "{notes}"
    );
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
}

#[test]
fn github_format_outputs_and_a_single_escaped_annotation() {
    let d = tempfile::tempdir().unwrap();
    let body = write(
        d.path(),
        "pr.md",
        "- [ ] evil %0A::error::injected\n- [ ] second\n",
    );
    let out = d.path().join("out");
    let summary = d.path().join("summary");
    let r = run(
        d.path(),
        &["--body-file", &body],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", out.to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 1);
    // The token's mask comes first (hardening review, item 6).
    let commands = test_support::testing::live_commands_besides_masks(&r.stdout);
    assert_eq!(commands.len(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("::stop-commands::"));
    assert!(
        commands[0].contains("evil %250A::error::injected"),
        "{}",
        commands[0]
    );
    let outputs =
        gate_runtime::runner::outputs::parse_output_file(&std::fs::read_to_string(&out).unwrap())
            .unwrap();
    assert_eq!(
        outputs,
        vec![
            ("verdict".into(), "fail".into()),
            ("unchecked-count".into(), "2".into())
        ]
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("**Not checked:**") && md.contains("- [ ] second"),
        "{md}"
    );
}

#[test]
fn merge_group_passes() {
    let d = tempfile::tempdir().unwrap();
    // The policy file is read at the group's base through the API.
    let fake = FakeGitHub::start();
    let r = run(
        d.path(),
        &["--format", "json"],
        &[
            ("GITHUB_API_URL", fake.url()),
            (
                "GITHUB_EVENT_PATH",
                fixture("merge_group.checks_requested.trunkline.json")
                    .to_str()
                    .unwrap(),
            ),
            ("GITHUB_EVENT_NAME", "merge_group"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("checked on the pull request")
    );
}

// Regression (#13.8): invalid UTF-8 exited 2 but the JSON said `"verdict":"fail"`.
#[test]
fn invalid_utf8_is_the_error_form_everywhere() {
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("bad.md");
    std::fs::write(&bad, b"- [ ] fine\n- [ ] caf\xe9\n").unwrap();
    let bad = bad.to_str().unwrap();
    let good = write(d.path(), "good.md", "- [x] a\n");
    for args in [
        vec!["--body-file", bad],
        vec!["--body-file", &good, "--template", bad],
    ] {
        let mut a = args.clone();
        a.extend(["--format", "json"]);
        let r = run(d.path(), &a, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        let v = r.json();
        assert_eq!(v["verdict"], "error", "{v}");
        assert_eq!(v["error"], true);
        assert!(
            v["reasons"][0]
                .as_str()
                .unwrap()
                .ends_with("not UTF-8 text (line 2); save it as UTF-8"),
            "{v}"
        );
    }
    // The template at the base commit, from local git.
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.path().join(".github")).unwrap();
    std::fs::write(
        repo.path().join(".github/pull_request_template.md"),
        b"- [ ] \xff\n",
    )
    .unwrap();
    let base = repo.commit("template");
    let fake = fake_with_pr(Some("- [x] a\n"));
    let event = event_file(d.path(), None, &base, &base);
    let r = run(
        repo.path(),
        &["--format", "json"],
        &actions_env(&event, &fake),
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json()["verdict"], "error");
    assert!(r.stdout.contains(".github/pull_request_template.md at "));
    // The template through the contents API (the base is not checked out).
    let api_base = "c".repeat(40);
    fake.put_file(
        R,
        &api_base,
        ".github/pull_request_template.md",
        b"- [ ] \xff\n",
    );
    let event = event_file(d.path(), None, &api_base, &base);
    let r = run(d.path(), &["--format", "json"], &actions_env(&event, &fake));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json()["verdict"], "error");
    assert!(r.stdout.contains("not UTF-8 text (line 1)"), "{}", r.stdout);
    // The description from stdin.
    let mut cmd = hermetic_command(BIN);
    cmd.current_dir(d.path())
        .args(["--body-file", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"\xfe\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, _) = output_text(&out);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["verdict"], "error");
    assert_eq!(
        v["reasons"][0],
        "--body-file -: not UTF-8 text (line 1); save it as UTF-8"
    );
}

// Regression (#13.13): settings the template cannot apply passed silently; now exit 2.
#[test]
fn settings_the_template_cannot_apply_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let template = write(d.path(), "template.md", TEMPLATE);
    let body = write(d.path(), "pr.md", "- [x] Checkout\n");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--section-rule", "Flows tested=at-least-one"],
            "--section-rule \"Flows tested\": the template has no such heading; its headings are \"Summary\", \"User flows tested\", \"Safety\"",
        ),
        (
            &["--required", "(?i)migration"],
            "--required \"(?i)migration\": matches no checklist item in the template",
        ),
        (
            &["--optional", "Screenshots"],
            "--optional \"Screenshots\": matches no checklist item in the template",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["--template", &template, "--body-file", &body];
        args.extend_from_slice(extra);
        let r = run(d.path(), &args, &[]);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stdout);
        assert!(r.stderr.contains(needle), "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("template {template}: ")),
            "{}",
            r.stderr
        );
    }
    // The heading matches past its emoji and case.
    let t = write(
        d.path(),
        "emoji.md",
        "## ✅ User flows tested:\n- [ ] Checkout\n",
    );
    let r = run(
        d.path(),
        &[
            "--template",
            &t,
            "--body-file",
            &body,
            "--section-rule",
            "user flows tested=exactly-one",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

fn event_by(dir: &Path, author: &str, base: &str) -> String {
    let payload = std::fs::read_to_string(fixture("pull_request.opened.payload.json")).unwrap();
    let mut e: Value = serde_json::from_str(&payload).unwrap();
    e["pull_request"]["user"]["login"] = author.into();
    e["pull_request"]["base"]["sha"] = base.into();
    e["pull_request"]["head"]["sha"] = "a".repeat(40).into();
    write(dir, "event.json", &e.to_string())
}

// issue 13 item 15.
#[test]
fn bot_authors_pass_with_a_note_and_a_status() {
    let d = tempfile::tempdir().unwrap();
    let fake = fake_with_pr(Some("Bumps serde from 1.0.1 to 1.0.2.\n"));
    let base = "b".repeat(40);
    fake.put_file(
        R,
        &base,
        ".github/pull_request_template.md",
        TEMPLATE.as_bytes(),
    );
    let event = event_by(d.path(), "dependabot[bot]", &base);
    let env = actions_env(&event, &fake);
    let r = run(
        d.path(),
        &[
            "--format",
            "json",
            "--status-context",
            "trunkline/checklist",
        ],
        &env,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["skipped_author"], "dependabot[bot]");
    assert_eq!(
        v["reasons"][0],
        "skipped: the pull request is by dependabot[bot], one of --skip-authors"
    );
    let state = fake.repo(R);
    assert_eq!(state.statuses[0].state, "success");
    // Through the action input, as a list; `none` skips nobody.
    let mut env2 = env.clone();
    env2.push(("INPUT_SKIP_AUTHORS", "none"));
    let r = run(d.path(), &["--format", "json"], &env2);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let mut env3 = env.clone();
    env3.push(("INPUT_SKIP_AUTHORS", "octocat\nsome-bot[bot]"));
    assert_eq!(run(d.path(), &[], &env3).code, 1);
    let event = event_by(d.path(), "Some-Bot[bot]", &base);
    let env4 = [
        ("GITHUB_EVENT_PATH", event.as_str()),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REPOSITORY", R),
        ("GITHUB_API_URL", fake.url()),
        ("INPUT_SKIP_AUTHORS", "octocat, some-bot[bot]"),
    ];
    assert_eq!(run(d.path(), &[], &env4).code, 0);
}

// issue 13 items 16 and 18.
#[test]
fn require_checklist_and_require_pattern() {
    let d = tempfile::tempdir().unwrap();
    let prose = write(d.path(), "prose.md", "Refactors the parser.\n");
    let r = run(
        d.path(),
        &[
            "--body-file",
            &prose,
            "--require-checklist",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["no_checklist"], true);
    assert_eq!(run(d.path(), &["--body-file", &prose], &[]).code, 0);
    let r = run(
        d.path(),
        &["--body-file", &prose],
        &[("INPUT_REQUIRE_CHECKLIST", "true")],
    );
    assert_eq!(r.code, 1);

    let linked = write(
        d.path(),
        "linked.md",
        "Task: https://app.clickup.com/t/86b1x2\n\n- [x] Tests\n",
    );
    let pattern = r"https://app\.clickup\.com/t/\w+";
    let r = run(
        d.path(),
        &["--body-file", &linked, "--require-pattern", pattern],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(
        d.path(),
        &["--body-file", &prose, "--format", "json"],
        &[("INPUT_REQUIRE_PATTERN", &format!("{pattern}\n[A-Z]+-\\d+"))],
    );
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(
        v["missing_patterns"],
        serde_json::json!([pattern, "[A-Z]+-\\d+"])
    );
    assert!(
        v["reasons"][0]
            .as_str()
            .unwrap()
            .contains("--require-pattern https://app"),
        "{v}"
    );
    let r = run(
        d.path(),
        &["--body-file", &prose, "--require-pattern", "("],
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--require-pattern \"(\""), "{}", r.stderr);
}

// Regression (#13.10): a long heading was repeated per item in the JSON (400 MB for a 64 KB
// description).
#[test]
fn json_refers_to_sections_by_index() {
    let d = tempfile::tempdir().unwrap();
    let heading = "h".repeat(3000);
    let items = "- [x] a\n".repeat(100);
    let body = write(d.path(), "pr.md", &format!("## {heading}\n{items}"));
    let r = run(d.path(), &["--body-file", &body, "--format", "json"], &[]);
    assert_eq!(r.code, 0);
    let v = r.json();
    assert_eq!(v["sections"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["sections"][0]["heading"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        200
    );
    assert_eq!(v["items"][99]["section"], 0);
    assert!(r.stdout.len() < 10_000, "{}", r.stdout.len());
}

/// One representative run, as a snapshot of its JSON and its text: a
/// template with a section rule, and a description with a ticked item, a
/// struck-through one, an unticked required one, a deleted one and one of
/// the author's own.
#[test]
fn report_snapshots() {
    let d = tempfile::tempdir().unwrap();
    let template = write(d.path(), "template.md", TEMPLATE);
    let body = write(
        d.path(),
        "pr.md",
        "## Summary\n\nFixes the refund rounding.\n\n## User flows tested\n\n- [ ] Checkout\n- [ ] Refund\n\n## Safety\n\n- [ ] ~~New features sit behind a feature flag~~\n- [ ] my own note\n",
    );
    let args = [
        "--template",
        &template,
        "--body-file",
        &body,
        "--section-rule",
        "user flows tested=at-least-one",
    ];
    test_support::assert_report_snapshots!(
        test_support::contract::snapshot_settings(),
        "checklist-gate.report.schema.json",
        1,
        |format: &str| run(d.path(), &[&args[..], &["--format", format]].concat(), &[]),
        run(
            d.path(),
            &["--body-file", "no-such.md", "--format", "json"],
            &[]
        ),
    );
}
