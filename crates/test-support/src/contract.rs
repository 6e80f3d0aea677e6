//! The test side of the gates' JSON contract (`gate_runtime::contract`):
//! the committed schema files, and snapshot settings that keep a report's
//! snapshot the same on every machine.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Set to `1` to write the schema files instead of comparing them.
pub const WRITE_SCHEMAS: &str = "TRUNKLINE_WRITE_SCHEMAS";

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Checks that `schemas/<file>` is `generated`, the schema derived from
/// `package`'s report types; panics saying how to regenerate it when it is
/// not. With `TRUNKLINE_WRITE_SCHEMAS=1` it writes the file instead.
/// The test calling this must have `committed_report_schema` in its name,
/// which the regenerating command selects.
pub fn assert_committed_schema(package: &str, file: &str, generated: &Value) {
    let path = workspace_root().join("schemas").join(file);
    let regenerate = format!(
        "{WRITE_SCHEMAS}=1 cargo test -p {package} --lib committed_report_schema, then commit schemas/{file}"
    );
    if std::env::var(WRITE_SCHEMAS).as_deref() == Ok("1") {
        let mut text = serde_json::to_string_pretty(generated)
            .unwrap_or_else(|e| panic!("schema of {package}: {e}"));
        text.push('\n');
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("schemas/{file}: {e}; generate it: {regenerate}"));
    let committed: Value = serde_json::from_str(&committed)
        .unwrap_or_else(|e| panic!("schemas/{file}: not JSON ({e}); regenerate it: {regenerate}"));
    assert!(
        committed == *generated,
        "schemas/{file} differs from {package}'s report types; regenerate it: {regenerate}\ngenerated:\n{}",
        serde_json::to_string_pretty(generated).unwrap_or_default()
    );
}

/// Checks `report` (a gate's printed JSON) against the committed
/// `schemas/<file>`, with a validator other than the code that wrote the
/// schema; panics listing where it does not conform.
pub fn assert_conforms(file: &str, report: &Value) {
    let path = workspace_root().join("schemas").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("schemas/{file}: {e}"));
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("schemas/{file} is not a valid schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the report does not conform to schemas/{file}: {errors:#?}\n{report:#}"
    );
}

/// Snapshots one representative report of a gate in both forms, and checks
/// the JSON and the error form against the gate's committed schema. In the
/// caller's file (so the snapshots are `tests/snapshots/report.json.snap`
/// and `report.txt.snap` beside it):
///
/// ```ignore
/// test_support::assert_report_snapshots!(
///     settings,                           // snapshot_settings(), maybe with more filters
///     "pr-size-gate.report.schema.json",  // the committed schema
///     0,                                  // the exit code of the report
///     |format: &str| run(.., format),     // the representative run, in "json" or "text"
///     run(..bad input..),                 // a run that exits 2
/// );
/// ```
#[macro_export]
macro_rules! assert_report_snapshots {
    ($settings:expr, $schema:expr, $code:expr, $run:expr, $error:expr $(,)?) => {
        $settings.bind(|| {
            let run = $run;
            let json: $crate::testing::Run = run("json");
            assert_eq!(json.code, $code, "{}\n{}", json.stdout, json.stderr);
            $crate::contract::assert_conforms($schema, &json.json());
            $crate::contract::insta::assert_json_snapshot!("report.json", json.json());
            let text: $crate::testing::Run = run("text");
            assert_eq!(text.code, $code, "{}\n{}", text.stdout, text.stderr);
            $crate::contract::insta::assert_snapshot!("report.txt", text.stdout);
            // The error form (exit 2) conforms too.
            let error: $crate::testing::Run = $error;
            assert_eq!(error.code, 2, "{}\n{}", error.stdout, error.stderr);
            $crate::contract::assert_conforms($schema, &error.json());
        })
    };
}

/// The snapshot crate, for [`assert_report_snapshots`].
pub use insta;

/// insta settings for a gate's reports: placeholders for what differs
/// between machines and runs. Full commit SHAs become `[sha]`, temporary
/// directories `[tmp]`, the workspace's path `[workspace]`, and RFC 3339
/// times `[time]`. A test adds filters of its own (a short SHA it knows) to
/// the returned settings, then runs its assertions in `bind`.
pub fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_omit_expression(true);
    s.set_prepend_module_to_snapshot(false);
    // Tests' directories have random names under the temp dir; the temp
    // dir may be reached through a symbolic link (macOS: /var -> /private/var).
    let tmp = std::env::temp_dir();
    for dir in [tmp.canonicalize().unwrap_or_else(|_| tmp.clone()), tmp] {
        let dir = regex::escape(dir.to_string_lossy().trim_end_matches('/'));
        s.add_filter(&format!(r"{dir}/\.tmp[A-Za-z0-9]+"), "[tmp]");
    }
    if let Ok(root) = workspace_root().canonicalize() {
        s.add_filter(&regex::escape(&root.to_string_lossy()), "[workspace]");
    }
    s.add_filter(r"\b[0-9a-f]{40}\b", "[sha]");
    s.add_filter(
        r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[time]",
    );
    s
}

/// Adds placeholders for these commits' abbreviations (any prefix of seven
/// or more characters), as `[sha]` like the full SHA.
pub fn redact_commits(settings: &mut insta::Settings, shas: &[&str]) {
    for sha in shas {
        let head = sha.get(..7).unwrap_or(sha);
        settings.add_filter(&format!(r"\b{}[0-9a-f]*\b", regex::escape(head)), "[sha]");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_for_what_differs_between_machines() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = format!(
            "at {}/a.md, {}/x, commit 0123456789abcdef0123456789abcdef01234567 (0123456789ab) on 2026-11-26T08:44:11Z, 2026-01-02T03:04:05.123+01:00, 1234567",
            tmp.path().display(),
            workspace_root()
                .canonicalize()
                .unwrap_or_default()
                .display(),
        );
        snapshot_settings().bind(|| {
            insta::assert_snapshot!(text, @"at [tmp]/a.md, [workspace]/x, commit [sha] (0123456789ab) on [time], [time], 1234567");
        });
    }
}
