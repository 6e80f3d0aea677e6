//! Go coverprofiles (`go test -coverprofile`), modes `set`, `count` and
//! `atomic`. Each block covers a range of lines; a line's count is the
//! largest count of the blocks on it. A block listed more than once (several
//! test binaries) is merged: `set` ORs, `count`/`atomic` add. Import paths are
//! mapped to repository paths by stripping the module path from `go.mod`.
//! A block must run forward and span at most [`MAX_BLOCK_LINES`] lines;
//! anything else is malformed at its line.

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::model::{Coverage, FileBuilder, ReadError, malformed};

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

/// `start.col,end.col` → (start line, end line).
fn block_lines(range: &str) -> Option<(u32, u32)> {
    let (start, end) = range.split_once(',')?;
    let line = |p: &str| p.split_once('.').and_then(|(l, _)| l.parse().ok());
    Some((line(start)?, line(end)?))
}

/// `loc` with the module path `module` removed, when `loc` lies in the
/// module: the module is a whole path prefix (`example.com/m` does not
/// own `example.com/mx/a.go`).
fn strip_module(loc: String, module: Option<&str>) -> String {
    let Some(m) = module
        .map(|m| m.trim_end_matches('/'))
        .filter(|m| !m.is_empty())
    else {
        return loc;
    };
    match loc.strip_prefix(m) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            rest.trim_start_matches('/').to_owned()
        }
        _ => loc,
    }
}

/// Reads a coverprofile; `module` (from `go.mod` or `--go-module`) is
/// stripped from import paths.
pub fn read(reader: impl BufRead, module: Option<&str>) -> Result<Coverage, ReadError> {
    let mut mode: Option<String> = None;
    // (file, block range) → count
    let mut blocks: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut reader = reader;
    let mut raw = Vec::new();
    let mut line_no = 0u64;
    loop {
        raw.clear();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        line_no += 1;
        let line = std::str::from_utf8(&raw).map_err(|_| malformed(line_no, "not UTF-8 text"))?;
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let bad = |m: String| ReadError::Malformed {
            line: line_no,
            message: m,
        };
        if let Some(m) = line.strip_prefix("mode:") {
            let m = m.trim();
            if !matches!(m, "set" | "count" | "atomic") {
                return Err(bad(format!(
                    "unknown mode {m:?}; expected set, count or atomic"
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
        // path/to/file.go:12.3,14.5 2 1  (the path may contain ':' on Windows)
        let (loc, nums) = line
            .rsplit_once(".go:")
            .map(|(p, r)| (format!("{p}.go"), r))
            .ok_or_else(|| {
                bad(format!(
                    "expected FILE.go:START.COL,END.COL STATEMENTS COUNT, found {line:?}"
                ))
            })?;
        let mut parts = nums.split_whitespace();
        let (Some(range), Some(_stmts), Some(count), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad(format!(
                "expected FILE.go:START.COL,END.COL STATEMENTS COUNT, found {line:?}"
            )));
        };
        let (start, end) = block_lines(range).ok_or_else(|| {
            bad(format!(
                "expected a block range START.COL,END.COL, found {range:?}"
            ))
        })?;
        if end < start {
            return Err(bad(format!(
                "block {range:?} ends before it starts: expected END >= START"
            )));
        }
        if end - start >= MAX_BLOCK_LINES {
            return Err(bad(format!(
                "block {range:?} spans {} lines: expected at most {MAX_BLOCK_LINES}",
                u64::from(end - start) + 1
            )));
        }
        let count: u64 = count
            .parse()
            .map_err(|_| bad(format!("expected a count of 0 or more, found {count:?}")))?;
        let entry = blocks.entry((loc, range.to_owned())).or_default();
        *entry = if mode == "set" {
            (*entry).max(count.min(1))
        } else {
            entry.saturating_add(count)
        };
    }
    if mode.is_none() {
        return Err(malformed(
            1,
            "empty profile: expected mode: set|count|atomic",
        ));
    }
    // Path → line → the largest count of the blocks on it.
    let mut files: BTreeMap<String, BTreeMap<u32, u64>> = BTreeMap::new();
    for ((loc, range), count) in blocks {
        let path = strip_module(loc, module);
        let (start, end) = block_lines(&range).unwrap_or((0, 0));
        let file = files.entry(path).or_default();
        for l in start..=end {
            let hits = file.entry(l).or_default();
            *hits = (*hits).max(count);
        }
    }
    let mut cov = Coverage::default();
    let mut builder = FileBuilder::default();
    for (p, lines) in files {
        for (line, hits) in lines {
            builder.line(line, hits);
        }
        cov.add_file(p, builder.finish());
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
            ("mode: set\na.go:1.1,99999999999.2 1 1\n", 2, "block range"),
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

    #[test]
    fn huge_counts_saturate() {
        let profile = "mode: count\na.go:1.1,1.2 1 18446744073709551615\na.go:1.1,1.2 1 7\n";
        let cov = read(profile.as_bytes(), None).unwrap();
        assert_eq!(cov.files["a.go"].lines.get(1), Some(u64::MAX));
    }

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
