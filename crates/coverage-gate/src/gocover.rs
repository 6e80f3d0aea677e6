//! Go coverprofiles (`go test -coverprofile`), modes `set`, `count` and
//! `atomic`. Go counts statements: each block is kept with its statements,
//! so totals are Go's own (`go test -cover`, `go tool cover -func`). For
//! patch coverage each block's lines get its count too, a line the largest
//! count of the blocks on it; a block of no statements (`func f() {}`) marks
//! no line. A block listed more than once (several test binaries) is
//! merged as Go merges it: `set` ORs, `count`/`atomic` add, and the same
//! block with another statement count is malformed. Import paths are
//! mapped to repository paths by stripping the module path from `go.mod`.
//! A block must run forward and span at most [`MAX_BLOCK_LINES`] lines;
//! anything else is malformed at its line.

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::model::{
    Coverage, FileBuilder, ReadError, excerpt, malformed, read_line, saturating_count, too_large,
};

/// The module path declared in a `go.mod`.
pub fn module_path(go_mod: &str) -> Option<String> {
    go_mod.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("module")?;
        let m = rest.trim().trim_matches('"');
        (!m.is_empty() && rest.starts_with([' ', '\t'])).then(|| m.to_owned())
    })
}

/// The most lines one block may span: Go files are not this long, and a
/// block claiming more is a broken profile, not coverage.
pub const MAX_BLOCK_LINES: u32 = 1_000_000;

/// A position `line.col`.
fn position(p: &str) -> Result<(u32, u32), String> {
    let (l, c) = p
        .split_once('.')
        .ok_or_else(|| format!("expected a position LINE.COL, found {}", excerpt(p)))?;
    let number = |s: &str, what: &str| -> Result<u32, String> {
        match s.parse::<u32>() {
            Ok(n) => Ok(n),
            Err(_) if saturating_count(s).is_some() => Err(too_large(what, s, u32::MAX.into())),
            Err(_) => Err(format!(
                "expected a block range START.COL,END.COL, found {}",
                excerpt(p)
            )),
        }
    };
    Ok((number(l, "the line number")?, number(c, "the column")?))
}

/// `loc` with the module path `module` removed, when `loc` lies in the
/// module: the module is a whole path prefix (`example.com/m` does not
/// own `example.com/mx/a.go`).
fn strip_module(loc: &str, module: Option<&str>) -> String {
    let Some(m) = module
        .map(|m| m.trim_end_matches('/'))
        .filter(|m| !m.is_empty())
    else {
        return loc.to_owned();
    };
    match loc.strip_prefix(m) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            rest.trim_start_matches('/').to_owned()
        }
        _ => loc.to_owned(),
    }
}

/// A block's place: start and end `(line, col)`.
type Range = ((u32, u32), (u32, u32));

/// Reads a coverprofile; `module` (from `go.mod` or `--go-module`) is
/// stripped from import paths.
pub fn read(mut reader: impl BufRead, module: Option<&str>) -> Result<Coverage, ReadError> {
    let mut mode: Option<String> = None;
    // file → block → (statements, count, line first listed)
    let mut files: BTreeMap<String, BTreeMap<Range, (u32, u64)>> = BTreeMap::new();
    let mut raw = Vec::new();
    let mut line_no = 0u64;
    while read_line(&mut reader, &mut raw, line_no + 1)? {
        line_no += 1;
        let line = std::str::from_utf8(&raw).map_err(|_| malformed(line_no, "not UTF-8 text"))?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = |m: String| malformed(line_no, m);
        if let Some(m) = line.strip_prefix("mode:") {
            let m = m.trim();
            if !matches!(m, "set" | "count" | "atomic") {
                return Err(bad(format!(
                    "unknown mode {}; expected set, count or atomic",
                    excerpt(m)
                )));
            }
            mode = Some(m.to_owned());
            continue;
        }
        let Some(mode) = &mode else {
            return Err(bad(
                "expected the first line to be mode: set|count|atomic".into()
            ));
        };
        let shape = || {
            bad(format!(
                "expected FILE.go:START.COL,END.COL STATEMENTS COUNT, found {}",
                excerpt(line)
            ))
        };
        // path/to/file.go:12.3,14.5 2 1  (the path may contain ':' on Windows)
        let (path, nums) = line.rsplit_once(".go:").ok_or_else(shape)?;
        let mut parts = nums.split_whitespace();
        let (Some(range), Some(stmts), Some(count), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(shape());
        };
        let (start, end) = range.split_once(',').ok_or_else(|| {
            bad(format!(
                "expected a block range START.COL,END.COL, found {}",
                excerpt(range)
            ))
        })?;
        let (start, end) = (position(start).map_err(bad)?, position(end).map_err(bad)?);
        if end.0 < start.0 {
            return Err(bad(format!(
                "block {} ends before it starts: expected END >= START",
                excerpt(range)
            )));
        }
        if end.0 - start.0 >= MAX_BLOCK_LINES {
            return Err(bad(format!(
                "block {} spans {} lines: expected at most {MAX_BLOCK_LINES}",
                excerpt(range),
                u64::from(end.0 - start.0) + 1
            )));
        }
        let stmts: u32 = match stmts.parse() {
            Ok(n) => n,
            Err(_) if saturating_count(stmts).is_some() => {
                return Err(bad(too_large(
                    "the statement count",
                    stmts,
                    u32::MAX.into(),
                )));
            }
            Err(_) => {
                return Err(bad(format!(
                    "expected a statement count of 0 or more, found {}",
                    excerpt(stmts)
                )));
            }
        };
        let count = saturating_count(count).ok_or_else(|| {
            bad(format!(
                "expected a count of 0 or more, found {}",
                excerpt(count)
            ))
        })?;
        let blocks = match files.get_mut(path) {
            Some(b) => b,
            None => files.entry(path.to_owned()).or_default(),
        };
        match blocks.get_mut(&(start, end)) {
            None => {
                blocks.insert((start, end), (stmts, count));
            }
            Some((n, c)) => {
                if *n != stmts {
                    return Err(bad(format!(
                        "block {} was listed with {n} statements and now {stmts}: the profiles are of different code",
                        excerpt(range)
                    )));
                }
                *c = if mode == "set" {
                    (*c).max(count.min(1))
                } else {
                    c.saturating_add(count)
                };
            }
        }
    }
    if mode.is_none() {
        return Err(malformed(
            1,
            "empty profile: expected mode: set|count|atomic",
        ));
    }
    let mut cov = Coverage::default();
    let mut builder = FileBuilder::default();
    let mut lines: BTreeMap<u32, u64> = BTreeMap::new();
    for (path, blocks) in files {
        for (&(start, end), &(stmts, count)) in &blocks {
            builder.block(start, end, stmts, count);
            if stmts > 0 {
                for l in start.0..=end.0 {
                    let hits = lines.entry(l).or_default();
                    *hits = (*hits).max(count);
                }
            }
        }
        for (&line, &hits) in &lines {
            builder.line(line, hits);
        }
        lines.clear();
        cov.add_file(
            strip_module(&format!("{path}.go"), module),
            builder.finish(),
        );
    }
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_merging_and_module_paths() {
        let profile = "mode: count\nexample.com/shop/cart/cart.go:3.20,5.2 2 3\nexample.com/shop/cart/cart.go:7.2,7.10 1 0\nexample.com/shop/cart/cart.go:3.20,5.2 2 1\n";
        let cov = read(profile.as_bytes(), Some("example.com/shop")).unwrap();
        let f = &cov.files["cart/cart.go"];
        assert_eq!(f.lines.get(3), Some(4));
        assert_eq!(f.lines.get(5), Some(4));
        assert_eq!(f.lines.get(7), Some(0));
        assert_eq!(f.totals().lines_found, 4);
        let set = "mode: set\na/b.go:1.1,1.5 1 1\na/b.go:1.1,1.5 1 1\n";
        assert_eq!(
            read(set.as_bytes(), None).unwrap().files["a/b.go"]
                .lines
                .get(1),
            Some(1)
        );
    }

    #[test]
    fn go_mod() {
        assert_eq!(
            module_path("// x\nmodule example.com/shop\n\ngo 1.22\n").as_deref(),
            Some("example.com/shop")
        );
        assert_eq!(module_path("modulex foo"), None);
    }

    #[test]
    fn malformed_profiles_name_the_line() {
        for (text, line) in [
            ("a.go:1.1,2.2 1 1\n", 1),
            ("mode: set\na.go:1.1,2.2 1\n", 2),
            ("mode: fast\n", 1),
            ("mode: set\nb.go:x,2.2 1 1\n", 2),
            ("", 1),
        ] {
            let err = read(text.as_bytes(), None).unwrap_err().to_string();
            assert!(err.starts_with(&format!("line {line}:")), "{text:?}: {err}");
        }
    }

    #[test]
    fn broken_blocks_are_malformed_at_their_line() {
        for (text, line, needle) in [
            ("mode: set\na.go:5.1,2.2 1 1\n", 2, "ends before it starts"),
            (
                "mode: set\na.go:1.1,1.1 1 1\na.go:1.1,4000000000.2 1 1\n",
                3,
                "spans",
            ),
            ("mode: set\na.go:1.1,1000001.2 1 1\n", 2, "at most 1000000"),
            (
                "mode: set\na.go:1.1,99999999999.2 1 1\n",
                2,
                "is too large (at most 4294967295)",
            ),
            ("mode: set\na.go:1.1,2.1 1 -1\n", 2, "expected a count"),
        ] {
            let err = read(text.as_bytes(), None).unwrap_err().to_string();
            assert!(err.starts_with(&format!("line {line}:")), "{text:?}: {err}");
            assert!(err.contains(needle), "{text:?}: {err}");
        }
        // The largest span allowed still reads.
        let ok = read("mode: set\na.go:1.1,1000000.2 1 1\n".as_bytes(), None).unwrap();
        assert_eq!(ok.files["a.go"].lines.len(), 1_000_000);
    }

    // Regression (review 82b73f7): huge Go ranges and counts hung or overflowed.
    #[test]
    fn huge_counts_saturate() {
        let profile = "mode: count\na.go:1.1,1.2 1 18446744073709551615\na.go:1.1,1.2 1 7\n";
        let cov = read(profile.as_bytes(), None).unwrap();
        assert_eq!(cov.files["a.go"].lines.get(1), Some(u64::MAX));
    }

    // Regression (review 82b73f7): a Go profile's non-UTF-8 text was not reported with its line.
    #[test]
    fn invalid_utf8_names_its_line() {
        let err = read(
            &b"mode: set\na.go:1.1,1.2 1 1\n\xff.go:1.1,1.2 1 1\n"[..],
            None,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "line 3: not UTF-8 text");
    }

    // Regression (review 82b73f7): module `example.com/m` was also stripped from
    // `example.com/mx/...`.
    #[test]
    fn the_module_is_stripped_only_at_a_path_boundary() {
        let profile =
            "mode: set\nexample.com/m/a.go:1.1,1.2 1 1\nexample.com/mx/a.go:1.1,1.2 1 1\n";
        let cov = read(profile.as_bytes(), Some("example.com/m")).unwrap();
        let paths: Vec<&str> = cov.files.keys().map(String::as_str).collect();
        assert_eq!(paths, ["a.go", "example.com/mx/a.go"]);
        let cov = read(profile.as_bytes(), Some("example.com/m/")).unwrap();
        assert!(cov.files.contains_key("a.go"));
    }
}
