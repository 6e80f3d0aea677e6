//! SimpleCov's `.resultset.json` (Ruby), and the `coverage.json` of
//! simplecov-json.
//!
//! A resultset holds one result per test suite (`RSpec`, `Minitest`, or
//! one per parallel process), each `{"coverage": {path: ...}, "timestamp"}`;
//! suites merge as SimpleCov merges them: line counts add up, and a branch
//! is the same branch in every suite. A file is either an array of line
//! counts (before SimpleCov 0.18) or `{"lines": [...], "branches": {...}}`;
//! `null` marks a line that is not code, and `lines` itself may be `null`
//! (branch coverage only). Each branch (`"[:then, 1, 13, 6, 13, 18]"`
//! under its condition `"[:if, 0, 12, 4, 20, 29]"`) counts on the line its
//! condition starts (the condition's third field).
//!
//! Read as a stream into the packed model, not into a JSON tree, and no
//! single JSON token may run past [`MAX_LINE_BYTES`]: a report is a single
//! line, often of megabytes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::{Coverage, FileBuilder, MAX_LINE_BYTES, ReadError, malformed};

/// What has been read: each file's lines so far, and its branches by
/// (condition, branch) to their summed counts.
#[derive(Default)]
struct State {
    cov: Coverage,
    builder: FileBuilder,
    branches: BTreeMap<String, HashMap<(String, String), u64>>,
    /// A branch key whose line could not be read, for the note.
    odd_branch: Option<String>,
}

/// A JSON reader that refuses a token (a run of bytes without `,:[]{}`)
/// longer than [`MAX_LINE_BYTES`], before serde buffers it.
struct Bounded<R> {
    inner: R,
    run: usize,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        for &b in &out[..n] {
            if matches!(b, b',' | b':' | b'[' | b']' | b'{' | b'}') {
                self.run = 0;
            } else {
                self.run += 1;
            }
        }
        if self.run > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a single JSON value longer than {} MiB: not a coverage report this gate reads",
                    MAX_LINE_BYTES >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// Reads a SimpleCov resultset (or simplecov-json report).
pub fn read(reader: impl Read) -> Result<Coverage, ReadError> {
    let mut state = State::default();
    let bounded = std::io::BufReader::with_capacity(
        1 << 16,
        Bounded {
            inner: reader,
            run: 0,
        },
    );
    let mut de = serde_json::Deserializer::from_reader(bounded);
    let result = de
        .deserialize_map(TopVisitor(&mut state))
        .and_then(|()| de.end());
    if let Err(e) = result {
        let line = u64::try_from(e.line()).unwrap_or(0).max(1);
        return Err(malformed(
            line,
            format!(
                "not a SimpleCov resultset: {}",
                crate::model::clip(&e.to_string())
            ),
        ));
    }
    let State {
        mut cov,
        mut builder,
        branches,
        odd_branch,
    } = state;
    for (path, by_id) in branches {
        // line -> (found, taken)
        let mut lines: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for ((condition, _), taken) in &by_id {
            let Some(line) = branch_line(condition) else {
                continue;
            };
            let e = lines.entry(line).or_default();
            e.0 += 1;
            e.1 += u64::from(*taken > 0);
        }
        for (line, (found, hit)) in lines {
            builder.unnamed_branches(line, found, hit);
        }
        cov.add_file(path, builder.finish());
    }
    if let Some(key) = odd_branch {
        cov.notes.push(format!(
            "skipped branch conditions whose line could not be read, such as {}",
            crate::model::excerpt(&key)
        ));
    }
    if cov.totals().lines_found == 0 {
        cov.notes.push(if cov.files.is_empty() {
            "no file under any suite's \"coverage\": the resultset holds no coverage".to_owned()
        } else {
            format!(
                "{} file(s) but no line counts (\"lines\" empty or null): the resultset holds no line data",
                cov.files.len()
            )
        });
    }
    Ok(cov)
}

/// The start line of a condition `"[:if, 0, 12, 4, 20, 29]"`: its third
/// field.
fn branch_line(key: &str) -> Option<u32> {
    let inner = key.trim().strip_prefix('[')?.strip_suffix(']')?;
    inner.split(',').nth(2)?.trim().parse().ok()
}

/// The whole document: suites, or (simplecov-json) `meta` and `coverage`.
struct TopVisitor<'a>(&'a mut State);

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of test suites")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "coverage" => map.next_value_seed(FilesSeed(self.0))?,
                "meta" | "timestamp" => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => map.next_value_seed(SuiteSeed(self.0))?,
            }
        }
        Ok(())
    }
}

/// One suite: `{"coverage": {...}, "timestamp": N}`.
struct SuiteSeed<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for SuiteSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SuiteSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a suite {\"coverage\": ..., \"timestamp\": ...}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "coverage" {
                map.next_value_seed(FilesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `{path: file}`.
struct FilesSeed<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for FilesSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FilesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of files")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(path) = map.next_key::<String>()? {
            map.next_value_seed(FileSeed {
                state: &mut *self.0,
                path: &path,
            })?;
            let file = self.0.builder.finish();
            self.0.cov.add_file(path, file);
        }
        Ok(())
    }
}

/// A file: an array of line counts, or `{"lines": [...], "branches": ...}`.
struct FileSeed<'a> {
    state: &'a mut State,
    path: &'a str,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a file's line counts, or {\"lines\": ..., \"branches\": ...}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        LinesSeed(&mut self.state.builder).visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "lines" => map.next_value_seed(LinesSeed(&mut self.state.builder))?,
                "branches" => map.next_value_seed(BranchesSeed {
                    state: &mut *self.state,
                    path: self.path,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `[null, 1, 0, ...]`: line `i + 1` ran `n` times; anything but a number
/// is no line.
struct LinesSeed<'a>(&'a mut FileBuilder);

impl<'de> DeserializeSeed<'de> for LinesSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LinesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of line counts or null")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut line: u32 = 0;
        while let Some(count) = seq.next_element::<Count>()? {
            line = line.checked_add(1).ok_or_else(|| {
                serde::de::Error::custom("more lines than a file can have (2^32 - 1)")
            })?;
            if let Count::Number(n) = count {
                self.0.line(line, n);
            }
        }
        Ok(())
    }
}

/// A line's entry: a count (negative means not run, past `u64` saturates),
/// or anything else (`null`, `"ignored"`), which is no line.
enum Count {
    Number(u64),
    NotALine,
}

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a line count")
            }
            fn visit_u64<E>(self, n: u64) -> Result<Count, E> {
                Ok(Count::Number(n))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Count, E> {
                Ok(Count::Number(u64::try_from(n).unwrap_or(0)))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Count, E> {
                Ok(Count::Number(if n.is_finite() {
                    n.max(0.0) as u64
                } else {
                    0
                }))
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count::NotALine)
            }
            fn visit_none<E>(self) -> Result<Count, E> {
                Ok(Count::NotALine)
            }
            fn visit_str<E>(self, _: &str) -> Result<Count, E> {
                Ok(Count::NotALine)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
                Ok(Count::NotALine)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{condition: {branch: count}}` (a resultset), or simplecov-json's
/// `[{"type", "start_line", "coverage"}]`.
struct BranchesSeed<'a> {
    state: &'a mut State,
    path: &'a str,
}

impl<'de> DeserializeSeed<'de> for BranchesSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BranchesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of branch conditions")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(condition) = map.next_key::<String>()? {
            let arms: BTreeMap<String, Count> = map.next_value()?;
            if branch_line(&condition).is_none() {
                self.state.odd_branch.get_or_insert(condition);
                continue;
            }
            let by_id = match self.state.branches.get_mut(self.path) {
                Some(b) => b,
                None => self.state.branches.entry(self.path.to_owned()).or_default(),
            };
            for (arm, count) in arms {
                let taken = match count {
                    Count::Number(n) => n,
                    Count::NotALine => continue,
                };
                let t = by_id.entry((condition.clone(), arm)).or_default();
                *t = t.saturating_add(taken);
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        #[derive(serde::Deserialize)]
        struct Arm {
            #[serde(rename = "type", default)]
            kind: String,
            start_line: u32,
            coverage: Count,
        }
        let mut index = 0u64;
        while let Some(arm) = seq.next_element::<Arm>()? {
            index += 1;
            let Count::Number(taken) = arm.coverage else {
                continue;
            };
            // Unnamed by the format: each arm is its own branch.
            let condition = format!("[:arm, {index}, {}]", arm.start_line);
            let by_id = match self.state.branches.get_mut(self.path) {
                Some(b) => b,
                None => self.state.branches.entry(self.path.to_owned()).or_default(),
            };
            let t = by_id.entry((condition, arm.kind)).or_default();
            *t = t.saturating_add(taken);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_merge_and_branches_count_on_their_condition_line() {
        let report = r#"{
  "RSpec": {
    "coverage": {
      "/app/lib/a.rb": {
        "lines": [null, 1, 0, null, 2],
        "branches": {
          "[:if, 0, 2, 4, 5, 7]": {"[:then, 1, 3, 6, 3, 16]": 1, "[:else, 2, 5, 6, 5, 18]": 0}
        }
      },
      "/app/lib/old.rb": [1, 0, null]
    },
    "timestamp": 1700000000
  },
  "Minitest": {
    "coverage": {
      "/app/lib/a.rb": {
        "lines": [null, 0, 3, null, 0],
        "branches": {
          "[:if, 0, 2, 4, 5, 7]": {"[:then, 1, 3, 6, 3, 16]": 0, "[:else, 2, 5, 6, 5, 18]": 4}
        }
      },
      "/app/lib/branchy.rb": {"lines": null, "branches": {}}
    },
    "timestamp": 1700000001
  }
}"#;
        let cov = read(report.as_bytes()).unwrap();
        let a = &cov.files["/app/lib/a.rb"];
        assert_eq!(a.lines.iter().collect::<Vec<_>>(), [(2, 1), (3, 3), (5, 2)]);
        let t = a.totals();
        assert_eq!((t.branches_found, t.branches_hit), (2, 2));
        let old = cov.files["/app/lib/old.rb"].totals();
        assert_eq!((old.lines_found, old.lines_hit), (2, 1));
        assert!(cov.files.contains_key("/app/lib/branchy.rb"));
    }

    #[test]
    fn broken_resultsets_name_the_line() {
        let err = read(&b"{\n\"RSpec\": {\"coverage\": {\"a.rb\": [1, 0,\n"[..])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 3:"), "{err}");
        let err = read(&b"{\"RSpec\": {\"coverage\": {\"a.rb\": {\"lines\": 7}}}}"[..])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("line 1: not a SimpleCov resultset"),
            "{err}"
        );
    }
}
