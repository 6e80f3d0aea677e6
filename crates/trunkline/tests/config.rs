//! The policy file and `trunkline config`: every key round-trips, bad
//! values are rejected naming file, key and valid values, the precedence is
//! flag > input > file > default, and the committed schema is current.

#![allow(clippy::unwrap_used)]

use crate::support;

use serde_json::Value;
use support::*;
use test_support::testing::TestRepo;

#[test]
fn the_committed_schema_is_current() {
    let r = TestRepo::new();
    let run = trunkline(r.path(), &["config", "--schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let generated: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        generated,
        committed_schema(),
        "schemas/trunkline.schema.json is stale: cargo run -p trunkline -- config --schema > schemas/trunkline.schema.json"
    );
}

/// A value for `key` that differs from its default and passes its checks,
/// as TOML, and as the text the gate sees.
fn sample(key: &str, spec: &Value) -> (String, Vec<String>) {
    let special: &[(&str, &str)] = &[
        ("max-branch-age", "3d"),
        ("timezone", "Europe/Berlin"),
        ("size-buckets", "S=10,L"),
        ("interval", "45s"),
        ("duration", "7m"),
        ("initial-delay", "2s"),
        ("timeout", "3s"),
        ("max-latency", "900ms"),
        ("expect-status", "200"),
    ];
    let lists: &[(&str, &str)] = &[
        ("section-rule", "Flows=at-least-one"),
        ("required", "^a"),
        ("optional", "^b"),
        ("url", "https://shop.example/health"),
        ("query", "up: up < 2"),
        ("package", "core=src/**"),
    ];
    match spec["type"].as_str().unwrap() {
        "boolean" => ("true".into(), vec!["true".into()]),
        "integer" => {
            let n = spec["default"]
                .as_u64()
                .unwrap_or(0)
                .max(spec["minimum"].as_u64().unwrap_or(0))
                + 7;
            (n.to_string(), vec![n.to_string()])
        }
        "number" => ("42.5".into(), vec!["42.5".into()]),
        "array" => {
            let item = lists
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .unwrap_or("item-1");
            (
                format!("[{item:?}, {item:?}]"),
                vec![item.into(), item.into()],
            )
        }
        "string" => {
            let text = match spec["enum"].as_array() {
                Some(e) => e
                    .iter()
                    .rev()
                    .map(|v| v.as_str().unwrap())
                    .find(|v| Some(*v) != spec["default"].as_str())
                    .unwrap()
                    .to_owned(),
                None => special
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| (*v).to_owned())
                    .unwrap_or_else(|| format!("{key}-x")),
            };
            (format!("{text:?}"), vec![text])
        }
        other => panic!("{key}: type {other}"),
    }
}

#[test]
fn every_key_round_trips_through_its_gate() {
    let schema = committed_schema();
    let mut toml = String::new();
    let mut want = Vec::new();
    for (table, t) in schema["properties"].as_object().unwrap() {
        toml.push_str(&format!("[{table}]\n"));
        for (key, spec) in t["properties"].as_object().unwrap() {
            let (text, values) = sample(key, spec);
            toml.push_str(&format!("{key} = {text}\n"));
            want.push((table.clone(), key.clone(), values));
        }
    }
    let r = TestRepo::new();
    r.write(".github/trunkline.toml", &toml);
    let run = trunkline(r.path(), &["config", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{toml}", run.stderr);
    let v = run.json();
    assert_eq!(v["file"]["found"], true);
    assert!(want.len() > 60, "{}", want.len());
    for (table, key, values) in want {
        let got = &v["tables"][&table][&key];
        assert_eq!(got["source"], "file", "[{table}] {key}: {got}");
        assert_eq!(got["values"], serde_json::json!(values), "[{table}] {key}");
    }
}

#[test]
fn bad_values_name_the_file_the_key_and_the_valid_values() {
    let cases = [
        (
            "[pr-size]\nmax-lines = 0\n",
            "[pr-size] max-lines = 0: give a whole number, at least 1",
        ),
        (
            "[pr-size]\nmax-lines = \"400\"\n",
            "[pr-size] max-lines = \"400\": give a whole number, at least 1",
        ),
        (
            "[pr-size]\nmax-line = 400\n",
            "[pr-size] has no key max-line; the keys are",
        ),
        (
            "[pr-size]\nmax-branch-age = \"two days\"\n",
            "[pr-size] max-branch-age = \"two days\": give an age such as 2d",
        ),
        (
            "[pr-size]\ntimezone = \"Mars/Olympus\"\n",
            "[pr-size] timezone = \"Mars/Olympus\": give an IANA time zone",
        ),
        (
            "[checklist]\nsection-rule = [\"Flows=most\"]\n",
            "[checklist] section-rule = [\"Flows=most\"]: give a list of strings",
        ),
        (
            "[checklist]\nrequired = [\"(\"]\n",
            "give a list of strings such as [\"a\", \"b\"], each a regular expression",
        ),
        (
            "[coverage]\ntolerance = 150\n",
            "[coverage] tolerance = 150: give a number from 0 to 100",
        ),
        (
            "[coverage]\nreport-format = \"xml\"\n",
            "give one of lcov, cobertura, jacoco, go",
        ),
        (
            "[tag]\nrelease = \"yes\"\n",
            "[tag] release = \"yes\": give true or false",
        ),
        (
            "[watch]\nfailure-threshold = 0\n",
            "[watch] failure-threshold = 0: give a whole number, at least 1",
        ),
        (
            "[watch]\ninterval = \"soon\"\n",
            "[watch] interval = \"soon\": give a duration",
        ),
        (
            "[watch]\ndeployment-id = 3\n",
            "[watch] has no key deployment-id",
        ),
        (
            "[size]\n",
            "unknown table size; the tables are [pr-size], [checklist], [coverage], [tag], [watch]",
        ),
        ("[pr-size\n", "line 1: not valid TOML"),
    ];
    for (toml, want) in cases {
        let r = TestRepo::new();
        r.write(".github/trunkline.toml", toml);
        let run = trunkline(r.path(), &["config"]);
        assert_eq!(run.code, 2, "{toml}: {}", run.stdout);
        assert!(
            run.stderr.contains(".github/trunkline.toml"),
            "{toml}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(want), "{toml}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn precedence_flag_then_input_then_file_then_default() {
    let r = TestRepo::new();
    r.write(
        ".github/trunkline.toml",
        "[pr-size]\nmax-lines = 100\nwarn-lines = 50\nmax-files = 9\n",
    );
    let run = trunkline_env(
        r.path(),
        &[
            "config",
            "--format",
            "json",
            "pr-size-gate",
            "--",
            "--max-lines",
            "300",
        ],
        &[("INPUT_WARN_LINES", "70")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = &run.json()["tables"]["pr-size"];
    assert_eq!(t["max-lines"]["values"][0], "300");
    assert_eq!(t["max-lines"]["source"], "flag");
    assert_eq!(t["warn-lines"]["values"][0], "70");
    assert_eq!(t["warn-lines"]["source"], "input");
    assert_eq!(t["warn-lines"]["from"], "input INPUT_WARN_LINES");
    assert_eq!(t["max-files"]["values"][0], "9");
    assert_eq!(t["max-files"]["source"], "file");
    assert_eq!(t["timezone"]["values"][0], "UTC");
    assert_eq!(t["timezone"]["source"], "default");
    // The text form says the same, one line per key.
    let run = trunkline_env(
        r.path(),
        &["config", "pr-size-gate", "--", "--max-lines", "300"],
        &[("INPUT_WARN_LINES", "70")],
    );
    assert!(
        run.stdout
            .contains("policy file: .github/trunkline.toml (working tree)"),
        "{}",
        run.stdout
    );
    let line = |k: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(k))
            .unwrap()
            .to_owned()
    };
    assert!(line("max-lines").ends_with("# flag"), "{}", run.stdout);
    assert!(line("warn-lines").ends_with("# input INPUT_WARN_LINES"));
    assert!(line("max-files").ends_with("# file .github/trunkline.toml [pr-size] max-files"));
    assert!(line("timezone").ends_with("# default"));
}

#[test]
fn config_at_a_base_and_missing_files() {
    let r = TestRepo::new();
    r.write(".github/trunkline.toml", "[tag]\nprefix = \"rel-\"\n");
    r.commit("base");
    r.write(".github/trunkline.toml", "[tag]\nprefix = \"x\"\n");
    let run = trunkline(
        r.path(),
        &["config", "--format", "json", "--base", "main", "tag"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["tables"]["tag"]["prefix"]["values"][0], "rel-");
    let empty = TestRepo::new();
    let run = trunkline(empty.path(), &["config"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("not found, so every value is a default"),
        "{}",
        run.stdout
    );
    let run = trunkline(empty.path(), &["config", "--config", "nope.toml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--config nope.toml: cannot read it"),
        "{}",
        run.stderr
    );
    let run = trunkline(empty.path(), &["config", "no-such-gate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a gate"), "{}", run.stderr);
}
