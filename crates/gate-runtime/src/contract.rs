//! The JSON contract: what a gate prints under `--format json`, as types.
//!
//! Every object a gate prints is a [`JsonReport`] (the gate decided) or an
//! [`ErrorReport`] (it could not), and carries `"schema": 1`
//! ([`SCHEMA_VERSION`]). Within one version fields may be added; none is
//! removed, renamed or changed in meaning; a breaking change bumps the
//! version. A gate's own fields are a `#[derive(Serialize, JsonSchema)]`
//! type flattened into the report, so [`report_schema`] derives the JSON
//! Schema from the same types that write the output; each gate's is
//! committed in `schemas/<gate>.report.schema.json` and a test keeps it
//! current.

use std::io::Write;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

use crate::policy::{PolicyFile, Via};
use crate::verdict::Verdict;

/// The version of the JSON reports' shape; see the module doc for what may
/// change within one.
pub const SCHEMA_VERSION: u32 = 1;

/// The `schema` field: always [`SCHEMA_VERSION`], so no report can carry
/// another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchemaVersion;

impl Serialize for SchemaVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(SCHEMA_VERSION)
    }
}

impl JsonSchema for SchemaVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SchemaVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The version of this object's shape. Within a version fields may be added; none is removed, renamed or changed in meaning.",
            "type": "integer",
            "const": SCHEMA_VERSION,
        })
    }
}

/// The `policy` field: the policy file the run read.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PolicyJson {
    /// The path, in the repository (or on disk for the working tree).
    pub path: String,
    /// The revision it was read at; null for the working tree.
    pub commit: Option<String>,
    /// How it was read.
    pub source: Via,
    /// Whether there is a file there (when not, the defaults apply).
    pub found: bool,
    /// Whether the change edits it; null when no head was compared.
    pub changed: Option<bool>,
}

impl From<&PolicyFile> for PolicyJson {
    fn from(p: &PolicyFile) -> Self {
        Self {
            path: p.path.clone(),
            commit: p.commit.clone(),
            source: p.via,
            found: p.text.is_some(),
            changed: p.changed,
        }
    }
}

/// A gate's report: the fields every gate starts with, the gate's own
/// (`details`, flattened in), and the policy file when one was looked for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonReport<'a, D> {
    pub schema: SchemaVersion,
    /// The gate's name.
    pub gate: &'a str,
    /// `pass` and `warn` exit 0, `fail` exits 1.
    pub verdict: Verdict,
    /// Why, one sentence each.
    pub reasons: &'a [String],
    #[serde(flatten)]
    pub details: &'a D,
    /// The policy file read for this run; absent when none was looked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyJson>,
}

impl<'a, D: Serialize> JsonReport<'a, D> {
    pub fn new(gate: &'a str, verdict: Verdict, reasons: &'a [String], details: &'a D) -> Self {
        Self {
            schema: SchemaVersion,
            gate,
            verdict,
            reasons,
            details,
            policy: None,
        }
    }

    pub fn policy(mut self, policy: Option<&PolicyFile>) -> Self {
        self.policy = policy.map(PolicyJson::from);
        self
    }

    /// Writes the report as one object and a newline, in one write: the
    /// writer may be an unbuffered stdout, and a report of thousands of
    /// items is thousands of small pieces.
    pub fn write(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        write_line(out, self)
    }
}

/// What a gate prints when it could not decide (exit 2).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorReport<'a> {
    pub schema: SchemaVersion,
    /// The gate's name.
    pub gate: &'a str,
    /// Always `error`: no verdict, so a script that reads only `verdict`
    /// cannot take "could not decide" for "no".
    #[schemars(extend("const" = "error"))]
    pub verdict: &'static str,
    /// The error, on one line.
    pub reasons: [&'a str; 1],
    /// Always true.
    #[schemars(extend("const" = true))]
    pub error: bool,
}

impl<'a> ErrorReport<'a> {
    pub fn new(gate: &'a str, line: &'a str) -> Self {
        Self {
            schema: SchemaVersion,
            gate,
            verdict: "error",
            reasons: [line],
            error: true,
        }
    }
}

/// Everything `--format json` may print, for the schema: a report, or the
/// error form.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Printed<'a, D> {
    Report(JsonReport<'a, D>),
    Error(ErrorReport<'a>),
}

/// The JSON Schema of a gate's `--format json` output, whose own fields
/// are `D`.
pub fn report_schema<D: JsonSchema>(gate: &str) -> serde_json::Value {
    let mut schema = SchemaGenerator::default().into_root_schema_for::<Printed<'_, D>>();
    schema.insert("title".to_owned(), format!("{gate} --format json").into());
    schema.insert(
        "description".to_owned(),
        format!(
            "One object on stdout: the report (exit 0 or 1) or the error form (exit 2). \
             Generated from {gate}'s report types; \"schema\" is {SCHEMA_VERSION}."
        )
        .into(),
    );
    schema.to_value()
}

/// Writes one JSON object and a newline in one write.
pub(crate) fn write_line<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    value: &T,
) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec(value)?;
    bytes.push(b'\n');
    out.write_all(&bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Serialize, JsonSchema)]
    struct Demo {
        extra: u32,
    }

    #[test]
    fn every_printed_object_says_its_schema_first() {
        let reasons = vec!["r".to_owned()];
        let mut out = Vec::new();
        JsonReport::new("demo", Verdict::Warn, &reasons, &Demo { extra: 1 })
            .write(&mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(r#"{"schema":1,"gate":"demo""#), "{text}");
        assert!(text.ends_with("}\n") && !text.contains("policy"), "{text}");

        let mut out = Vec::new();
        write_line(&mut out, &ErrorReport::new("demo", "bad")).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"schema": 1, "gate": "demo", "verdict": "error", "reasons": ["bad"], "error": true})
        );
    }

    #[test]
    fn the_schema_pins_the_version_and_both_forms() {
        let s = report_schema::<Demo>("demo");
        let text = s.to_string();
        assert_eq!(s["title"], "demo --format json");
        assert_eq!(s["anyOf"].as_array().unwrap().len(), 2, "{text}");
        assert!(text.contains(r#""const":1"#), "{text}");
        assert!(text.contains(r#""const":"error""#), "{text}");
        assert!(text.contains(r#""extra""#), "{text}");
    }
}
