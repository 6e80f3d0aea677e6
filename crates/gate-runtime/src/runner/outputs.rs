//! The `GITHUB_OUTPUT` file: step outputs a later step or job can read.
//!
//! Values are written in the runner's heredoc form with a random delimiter,
//! so a multi-line value (a changelog, a PR title) cannot end the value early
//! and inject another output. A value that contains the delimiter is refused
//! rather than written half-way.

use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The name is empty or holds a character the runner cannot parse.
    #[error("output name {0:?} is invalid: use letters, digits, '-' and '_'")]
    InvalidName(String),
    /// The value contains the generated delimiter; writing it would let the
    /// value end early.
    #[error("output {name}: the value contains the delimiter line; refusing to write it")]
    DelimiterInValue { name: String },
    /// The file could not be opened or written.
    #[error("writing output {name} to GITHUB_OUTPUT ({path}): {source}")]
    Io {
        name: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A random delimiter in the shape `@actions/core` uses.
pub fn random_delimiter() -> String {
    // RandomState is seeded from the OS per process and per instance, so two
    // hashers give two independent 64-bit values without pulling in a crate.
    let a = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("ghadelimiter_{a:016x}{:016x}", h.finish())
}

/// Formats one output record with the given delimiter.
pub fn format_output(name: &str, value: &str, delimiter: &str) -> Result<String, OutputError> {
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(OutputError::InvalidName(name.to_owned()));
    }
    if value.contains(delimiter) {
        return Err(OutputError::DelimiterInValue {
            name: name.to_owned(),
        });
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// Writes step outputs; a no-op when `GITHUB_OUTPUT` is not set.
#[derive(Debug, Clone)]
pub struct Outputs {
    path: Option<PathBuf>,
}

impl Outputs {
    pub fn new(path: Option<PathBuf>) -> Self {
        Self { path }
    }

    /// The file being written, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Sets one output. The record is written with a single `write_all`, so a
    /// failure never leaves a half-open heredoc behind.
    pub fn set(&self, name: &str, value: &str) -> Result<(), OutputError> {
        let record = format_output(name, value, &random_delimiter())?;
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| OutputError::Io {
            name: name.to_owned(),
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        file.write_all(record.as_bytes()).map_err(io)
    }

    /// Sets several outputs, in order.
    pub fn set_all<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<(), OutputError> {
        for (name, value) in pairs {
            self.set(name, &value)?;
        }
        Ok(())
    }
}

/// Parses a `GITHUB_OUTPUT` file the way the runner does. Used by tests here
/// and by the local action runner in the gates' tests.
pub fn parse_output_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        // As the runner: a '=' before any '<<' makes it name=value.
        let eq = line.find('=');
        let heredoc = line.find("<<");
        let is_heredoc = heredoc.is_some_and(|h| eq.is_none_or(|e| h < e));
        if let (true, Some((name, delim))) = (is_heredoc, line.split_once("<<")) {
            let mut value = Vec::new();
            let mut closed = false;
            for l in lines.by_ref() {
                let l = l.strip_suffix('\r').unwrap_or(l);
                if l == delim {
                    closed = true;
                    break;
                }
                value.push(l);
            }
            if !closed {
                return Err(format!("output {name}: delimiter {delim} never closed"));
            }
            out.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            out.push((name.to_owned(), value.to_owned()));
        } else {
            return Err(format!("unparseable output line {line:?}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_differ() {
        assert_ne!(random_delimiter(), random_delimiter());
        assert!(random_delimiter().len() > 40);
    }

    #[test]
    fn multi_line_value_with_delimiter_like_line_roundtrips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let outputs = Outputs::new(Some(path.clone()));
        let hostile = "line1\nEOF\nghadelimiter_0000\nname=evil\nx<<EOF\n";
        outputs.set("changelog", hostile).unwrap();
        outputs.set("tag", "v1.2.3").unwrap();
        let parsed = parse_output_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            parsed,
            vec![
                ("changelog".to_owned(), hostile.to_owned()),
                ("tag".to_owned(), "v1.2.3".to_owned())
            ]
        );
    }

    #[test]
    fn value_containing_the_delimiter_is_refused_and_nothing_written() {
        let err = format_output("x", "a\nDELIM\nb", "DELIM").unwrap_err();
        assert!(matches!(err, OutputError::DelimiterInValue { .. }));
        assert!(err.to_string().contains("output x"));
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", "a=b", "a\nb", "a<<b", "a b"] {
            assert!(format_output(name, "v", "D").is_err(), "{name:?}");
        }
    }

    // Regression (review c39e92f): GITHUB_OUTPUT parsing differed from the runner's ('=' before
    // '<<').
    #[test]
    fn equals_before_heredoc_is_a_plain_value() {
        assert_eq!(
            parse_output_file("a=b<<c\n").unwrap(),
            vec![("a".to_owned(), "b<<c".to_owned())]
        );
    }

    #[test]
    fn no_file_is_a_noop() {
        Outputs::new(None).set("a", "b").unwrap();
    }
}
