//! The coverage of a code base: per file, per line hit counts, branches,
//! functions and MC/DC conditions. Totals are always computed from these
//! records, never taken from a report's own summary lines.

use std::collections::BTreeMap;

use serde::Serialize;

/// Why a report could not be read: every reader says where.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The report is not of the expected shape at this line.
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    /// The file could not be read.
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
}

/// A malformed-report error at `line`.
pub fn malformed(line: u64, message: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        line,
        message: message.into(),
    }
}

/// One branch outcome: `(line, block, branch)`, where block and branch are
/// the report's own identifiers (lcov 2.x's may be text with commas).
pub type BranchKey = (u32, String, String);

/// One MC/DC condition outcome: `(line, group size, sense, index)`.
pub type McdcKey = (u32, u32, bool, u32);

/// A function: where it starts (when known) and how often it ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Function {
    pub line: Option<u32>,
    pub hits: u64,
}

/// One source file's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Line number to execution count.
    pub lines: BTreeMap<u32, u64>,
    /// Branch outcome to times taken.
    pub branches: BTreeMap<BranchKey, u64>,
    /// Function name to its record.
    pub functions: BTreeMap<String, Function>,
    /// MC/DC condition outcome to times covered (lcov 2.2 `MCDC`).
    pub mcdc: BTreeMap<McdcKey, u64>,
}

impl FileCoverage {
    /// Adds another report's counts for the same file, line by line.
    pub fn merge(&mut self, other: &FileCoverage) {
        for (line, hits) in &other.lines {
            *self.lines.entry(*line).or_default() += hits;
        }
        for (key, taken) in &other.branches {
            *self.branches.entry(key.clone()).or_default() += taken;
        }
        for (name, f) in &other.functions {
            let mine = self.functions.entry(name.clone()).or_default();
            mine.hits += f.hits;
            mine.line = mine.line.or(f.line);
        }
        for (key, hits) in &other.mcdc {
            *self.mcdc.entry(*key).or_default() += hits;
        }
    }

    pub fn totals(&self) -> Totals {
        Totals {
            lines_found: self.lines.len() as u64,
            lines_hit: self.lines.values().filter(|h| **h > 0).count() as u64,
            branches_found: self.branches.len() as u64,
            branches_hit: self.branches.values().filter(|h| **h > 0).count() as u64,
            functions_found: self.functions.len() as u64,
            functions_hit: self.functions.values().filter(|f| f.hits > 0).count() as u64,
            mcdc_found: self.mcdc.len() as u64,
            mcdc_hit: self.mcdc.values().filter(|h| **h > 0).count() as u64,
        }
    }
}

/// Found and hit counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub lines_found: u64,
    pub lines_hit: u64,
    pub branches_found: u64,
    pub branches_hit: u64,
    pub functions_found: u64,
    pub functions_hit: u64,
    pub mcdc_found: u64,
    pub mcdc_hit: u64,
}

impl Totals {
    pub fn add(&mut self, o: &Totals) {
        self.lines_found += o.lines_found;
        self.lines_hit += o.lines_hit;
        self.branches_found += o.branches_found;
        self.branches_hit += o.branches_hit;
        self.functions_found += o.functions_found;
        self.functions_hit += o.functions_hit;
        self.mcdc_found += o.mcdc_found;
        self.mcdc_hit += o.mcdc_hit;
    }

    /// Line coverage in percent; `None` with no lines.
    pub fn line_percent(&self) -> Option<f64> {
        percent(self.lines_hit, self.lines_found)
    }

    /// Branch coverage in percent; `None` with no branches.
    pub fn branch_percent(&self) -> Option<f64> {
        percent(self.branches_hit, self.branches_found)
    }
}

fn percent(hit: u64, found: u64) -> Option<f64> {
    (found > 0).then(|| hit as f64 * 100.0 / found as f64)
}

/// Coverage by file path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub files: BTreeMap<String, FileCoverage>,
}

impl Coverage {
    /// Merges a file's coverage in, summing with what is there.
    pub fn add_file(&mut self, path: String, file: FileCoverage) {
        match self.files.get_mut(&path) {
            Some(existing) => existing.merge(&file),
            None => {
                self.files.insert(path, file);
            }
        }
    }

    /// Merges a whole report in.
    pub fn merge(&mut self, other: Coverage) {
        for (path, file) in other.files {
            self.add_file(path, file);
        }
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for f in self.files.values() {
            t.add(&f.totals());
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_sums_line_by_line() {
        let mut a = FileCoverage::default();
        a.lines.insert(1, 0);
        a.lines.insert(2, 3);
        let mut b = FileCoverage::default();
        b.lines.insert(1, 2);
        b.lines.insert(3, 0);
        let mut cov = Coverage::default();
        cov.add_file("x.rs".into(), a);
        cov.add_file("x.rs".into(), b);
        let f = &cov.files["x.rs"];
        assert_eq!(f.lines.get(&1), Some(&2));
        assert_eq!(f.lines.get(&2), Some(&3));
        assert_eq!(f.lines.get(&3), Some(&0));
        let t = cov.totals();
        assert_eq!((t.lines_found, t.lines_hit), (3, 2));
        assert!((t.line_percent().unwrap() - 66.666).abs() < 0.01);
        assert_eq!(t.branch_percent(), None);
    }
}
