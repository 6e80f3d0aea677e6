//! The composite action: every input reaches a real flag through env:, no
//! expression sits inside run:, and the step itself runs for real here with
//! the freshly built binary (TRUNKLINE_BIN_DIR), writing the outputs the
//! action maps.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use fake_github::testing::{CANARY_TOKEN, TestRepo, assert_no_canary, hermetic_command, lines};
use gate_runtime::inputs::input_var;
use gate_runtime::outputs::parse_output_file;
use yaml_rust2::{Yaml, YamlLoader};

fn action_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../actions/pr-size-gate")
}

fn action() -> Yaml {
    let text = std::fs::read_to_string(action_dir().join("action.yml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn inputs(a: &Yaml) -> Vec<(String, Yaml)> {
    a["inputs"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

/// Flags that come from the runner's context rather than from inputs.
const CONTEXT_FLAGS: &[&str] = &[
    "format",
    "event",
    "event-name",
    "repo",
    "sha",
    "api-url",
    "now",
    "help",
    "version",
];

#[test]
fn every_input_is_a_flag_and_every_flag_an_input() {
    let a = action();
    let step = &a["runs"]["steps"][0];
    let env = step["env"].as_hash().unwrap();
    let cmd = pr_size_gate::cli::Cli::command();
    let longs: Vec<String> = cmd
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(str::to_owned))
        .collect();
    for (name, spec) in inputs(&a) {
        assert!(
            spec["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}: no description"
        );
        assert!(!spec["default"].is_badvalue(), "{name}: no default");
        if name == "github-token" {
            continue;
        }
        assert!(longs.contains(&name), "input {name} is not a flag");
        let var = input_var(&name);
        let value = env.get(&Yaml::String(var.clone())).and_then(Yaml::as_str);
        assert_eq!(
            value,
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{var}"
        );
    }
    let names: Vec<String> = inputs(&a).into_iter().map(|(n, _)| n).collect();
    for long in longs
        .iter()
        .filter(|l| !CONTEXT_FLAGS.contains(&l.as_str()))
    {
        assert!(names.contains(long), "flag --{long} has no input");
    }
}

#[test]
fn no_expression_inside_run_and_outputs_map_to_the_step() {
    let a = action();
    let step = &a["runs"]["steps"][0];
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    let run = step["run"].as_str().unwrap();
    assert!(!run.contains("${{"), "{run}");
    assert!(run.contains("${GITHUB_ACTION_PATH}"));
    for (name, out) in a["outputs"].as_hash().unwrap() {
        let name = name.as_str().unwrap();
        assert_eq!(
            out["value"].as_str().unwrap(),
            format!("${{{{ steps.gate.outputs.{name} }}}}")
        );
    }
}

/// Runs the action's one step the way the runner would: env from the
/// inputs (defaults, overridden by `with`), in the workspace, in bash.
fn run_step(
    workspace: &Path,
    with: &[(&str, &str)],
    extra_env: &[(&str, &str)],
) -> (i32, String, Vec<(String, String)>) {
    let a = action();
    let step = &a["runs"]["steps"][0];
    let bin_dir = Path::new(support::BIN).parent().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("output");
    let mut cmd = hermetic_command("bash");
    cmd.arg("-c")
        .arg(step["run"].as_str().unwrap())
        .current_dir(workspace);
    let resolve = |input: &str| -> String {
        if let Some((_, v)) = with.iter().find(|(k, _)| *k == input) {
            return (*v).to_owned();
        }
        let spec = inputs(&a).into_iter().find(|(n, _)| n == input).unwrap().1;
        let default = spec["default"].as_str().unwrap_or_default().to_owned();
        default.replace("${{ github.token }}", CANARY_TOKEN)
    };
    for (k, v) in step["env"].as_hash().unwrap() {
        let expr = v.as_str().unwrap();
        let input = expr
            .trim_start_matches("${{ inputs.")
            .trim_end_matches(" }}");
        cmd.env(k.as_str().unwrap(), resolve(input));
    }
    cmd.env("GITHUB_ACTION_PATH", action_dir())
        .env("TRUNKLINE_BIN_DIR", bin_dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .envs(extra_env.iter().copied());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_canary([stdout.as_str(), stderr.as_str()]);
    let outputs = parse_output_file(&std::fs::read_to_string(&output).unwrap_or_default()).unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!("{stdout}{stderr}"),
        outputs,
    )
}

#[test]
fn the_step_runs_the_binary_and_sets_the_outputs() {
    let r = TestRepo::new();
    r.write("a.txt", "a\n");
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/big.rs", lines(120, "big"));
    r.write("package-lock.json", lines(5000, "lock"));
    r.commit("work");
    let (code, log, outputs) = run_step(
        r.path(),
        &[
            ("base", "main"),
            ("max-lines", "100"),
            ("ignore", "# nothing\n"),
        ],
        &[],
    );
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("::error title=Pull request too large::120 changed lines"),
        "{log}"
    );
    assert_eq!(
        outputs,
        vec![
            ("verdict".into(), "fail".into()),
            ("counted-lines".into(), "120".into()),
            ("size-label".into(), "M".into()),
        ]
    );
    let (code, log, outputs) = run_step(r.path(), &[("base", "main")], &[]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(outputs[0], ("verdict".into(), "pass".into()));
}

#[test]
fn a_missing_binary_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(action_dir().join("../_shared/run-gate.sh"))
        .arg("pr-size-gate")
        .env("TRUNKLINE_BIN_DIR", dir.path())
        .env("GITHUB_ACTION_PATH", action_dir());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is not an executable"));
    let out = Command::new("bash")
        .arg(action_dir().join("../_shared/run-gate.sh"))
        .arg("rm -rf")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
