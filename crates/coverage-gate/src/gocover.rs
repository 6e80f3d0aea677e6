//! Go coverprofiles (`go test -coverprofile`), modes `set`, `count` and
//! `atomic`. Each block covers a range of lines; a line's count is the
//! largest count of the blocks on it. A block listed more than once (several
//! test binaries) is merged: `set` ORs, `count`/`atomic` add. Import paths are
//! mapped to repository paths by stripping the module path from `go.mod`.

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

/// `start.col,end.col` → (start line, end line).
fn block_lines(range: &str) -> Option<(u32, u32)> {
    let (start, end) = range.split_once(',')?;
    let line = |p: &str| p.split_once('.').and_then(|(l, _)| l.parse().ok());
    Some((line(start)?, line(end)?))
}

/// Reads a coverprofile; `module` (from `go.mod` or `--go-module`) is
/// stripped from import paths.
pub fn read(reader: impl BufRead, module: Option<&str>) -> Result<Coverage, ReadError> {
    let mut mode: Option<String> = None;
    // (file, block range) → (statements, count)
    let mut blocks: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line?;
        let line = line.trim_end_matches('\r');
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
        block_lines(range).ok_or_else(|| bad(format!("bad block range {range:?}")))?;
        let count: u64 = count
            .parse()
            .map_err(|_| bad(format!("bad count {count:?}")))?;
        let entry = blocks.entry((loc, range.to_owned())).or_default();
        *entry = if mode == "set" {
            (*entry).max(count.min(1))
        } else {
            *entry + count
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
        let path = match module {
            Some(m) => loc
                .strip_prefix(m)
                .map(|r| r.trim_start_matches('/').to_owned())
                .unwrap_or(loc),
            None => loc,
        };
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
}
