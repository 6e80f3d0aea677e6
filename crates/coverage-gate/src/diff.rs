//! The lines a change adds, read from a unified diff.
//!
//! Patch coverage is about the lines a pull request adds or changes, which
//! are exactly the `+` lines of `git diff merge-base..head` (a changed line
//! is a removed line plus an added one). Deleted lines are gone from the
//! head and cannot be covered; a rename with no edits adds nothing. The
//! same parser reads `git diff` output line by line, as it streams, and
//! the per-file `patch` hunks GitHub's pull request API returns.

use std::collections::BTreeMap;

/// Added lines per file (new-side path), each list ascending.
pub type ChangedLines = BTreeMap<String, Vec<u32>>;

/// A unified-diff reader fed one line at a time.
#[derive(Debug, Default)]
pub struct DiffParser {
    files: ChangedLines,
    /// The new-side path of the file whose hunks come next; `None` for a
    /// deleted file.
    current: Option<String>,
    /// Inside a hunk: the next new-side line number, and the old and new
    /// lines the hunk still has to show.
    next_line: u32,
    old_left: u64,
    new_left: u64,
}

/// `@@ -a[,b] +c[,d] @@`: (b, c, d); an omitted count is 1.
fn hunk_header(line: &str) -> Option<(u64, u32, u64)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let count = |r: &str| -> Option<(u64, u64)> {
        match r.split_once(',') {
            Some((start, n)) => Some((start.parse().ok()?, n.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (_, old_n) = count(old)?;
    let (start, new_n) = count(new)?;
    Some((old_n, u32::try_from(start).ok()?, new_n))
}

/// A path as git prints it in a header: C-quoted when it holds special
/// characters (`"b/a\tb\303\251.py"`), the prefix still on.
pub fn unquote(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_owned();
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'r') => out.push(b'\r'),
            Some(b'a') => out.push(7),
            Some(b'b') => out.push(8),
            Some(b'f') => out.push(12),
            Some(b'v') => out.push(11),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    match bytes.peek() {
                        Some(n @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(*n - b'0');
                            bytes.next();
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            Some(other) => out.push(other),
            None => out.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl DiffParser {
    /// A parser for one file's hunks (an API `patch`, which has no headers).
    pub fn for_file(path: &str) -> Self {
        Self {
            current: Some(path.to_owned()),
            ..Self::default()
        }
    }

    /// Feeds one line of the diff, without its newline.
    pub fn line(&mut self, raw: &[u8]) -> anyhow::Result<()> {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if self.old_left > 0 || self.new_left > 0 {
            match line.first() {
                Some(b'+') => {
                    if let Some(path) = &self.current {
                        self.files
                            .entry(path.clone())
                            .or_default()
                            .push(self.next_line);
                    }
                    self.next_line = self.next_line.saturating_add(1);
                    self.new_left = self.new_left.saturating_sub(1);
                }
                Some(b'-') => self.old_left = self.old_left.saturating_sub(1),
                // "\ No newline at end of file" belongs to the line before.
                Some(b'\\') => {}
                // A context line; an empty one is a blank context line whose
                // space a tool trimmed.
                Some(b' ') | None => {
                    self.next_line = self.next_line.saturating_add(1);
                    self.old_left = self.old_left.saturating_sub(1);
                    self.new_left = self.new_left.saturating_sub(1);
                }
                Some(_) => anyhow::bail!("unexpected diff line inside a hunk: {:?}", excerpt(line)),
            }
            return Ok(());
        }
        let text = String::from_utf8_lossy(line);
        if text.starts_with("diff --git ") {
            self.current = None;
        } else if let Some(path) = text.strip_prefix("+++ ") {
            let path = unquote(path.trim_end_matches('\t'));
            self.current = match path.as_str() {
                "/dev/null" => None,
                p => Some(p.strip_prefix("b/").unwrap_or(p).to_owned()),
            };
        } else if text.starts_with("@@") {
            let (old, start, new) = hunk_header(&text)
                .ok_or_else(|| anyhow::anyhow!("unreadable hunk header {:?}", excerpt(line)))?;
            self.old_left = old;
            self.new_left = new;
            self.next_line = start;
        }
        // Other header lines (index, mode, rename, similarity, "Binary files
        // differ") add no lines.
        Ok(())
    }

    /// The added lines, per file, ascending and without repeats.
    pub fn finish(mut self) -> ChangedLines {
        for lines in self.files.values_mut() {
            lines.sort_unstable();
            lines.dedup();
        }
        self.files
    }

    /// Reads a whole diff text.
    pub fn parse(text: &str) -> anyhow::Result<ChangedLines> {
        let mut p = Self::default();
        for l in text.lines() {
            p.line(l.as_bytes())?;
        }
        Ok(p.finish())
    }
}

/// At most 200 characters of untrusted input, for a message.
fn excerpt(line: &[u8]) -> String {
    String::from_utf8_lossy(line).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_from_a_git_diff() {
        let diff = "\
diff --git a/src/a.py b/src/a.py
index 1111111..2222222 100644
--- a/src/a.py
+++ b/src/a.py
@@ -3,0 +4,2 @@ def f():
+    x = 1
+    y = 2
@@ -10 +12 @@
-old
+new
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git a/old.py b/new.py
similarity index 100%
rename from old.py
rename to new.py
diff --git a/edited_old.py b/edited_new.py
similarity index 90%
rename from edited_old.py
rename to edited_new.py
--- a/edited_old.py
+++ b/edited_new.py
@@ -7 +7,2 @@
--- not a header, a removed line
+++ not a header, an added line
+second
diff --git a/img.png b/img.png
Binary files a/img.png and b/img.png differ
diff --git \"a/sp ace\\303\\251.py\" \"b/sp ace\\303\\251.py\"
--- \"a/sp ace\\303\\251.py\"
+++ \"b/sp ace\\303\\251.py\"
@@ -0,0 +1 @@
+print()
\\ No newline at end of file
";
        let got = DiffParser::parse(diff).unwrap();
        let want: ChangedLines = [
            ("src/a.py".to_owned(), vec![4, 5, 12]),
            ("edited_new.py".to_owned(), vec![7, 8]),
            ("sp aceé.py".to_owned(), vec![1]),
        ]
        .into();
        assert_eq!(got, want);
    }

    #[test]
    fn an_api_patch_with_context_lines() {
        let patch = "@@ -1,4 +1,5 @@\n import os\n-x = 1\n+x = 2\n+y = 3\n \n def f():\n@@ -20,3 +21,3 @@ def g():\n     a\n-    b\n+    c\n     d";
        let mut p = DiffParser::for_file("app/m.py");
        for l in patch.lines() {
            p.line(l.as_bytes()).unwrap();
        }
        assert_eq!(p.finish()["app/m.py"], vec![2, 3, 22]);
    }

    #[test]
    fn bad_hunks_are_errors_with_an_excerpt() {
        assert!(DiffParser::parse("@@ -x +1 @@\n").is_err());
        let long = format!("@@ -1 +1 @@\n?{}\n", "z".repeat(5000));
        let err = DiffParser::parse(&long).unwrap_err().to_string();
        assert!(err.len() < 300, "{}", err.len());
        assert_eq!(unquote("\"a\\\"b\\\\c\\tx\""), "a\"b\\c\tx");
        assert_eq!(unquote("plain"), "plain");
    }
}
