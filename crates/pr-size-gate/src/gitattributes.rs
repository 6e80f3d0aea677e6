//! `.gitattributes`, read the way git reads it, for `linguist-generated` and
//! `linguist-vendored`.
//!
//! GitHub honours these attributes when it collapses generated files, but not
//! in a PR's line counts, so the gate applies them itself. The files come from
//! the base commit (a PR cannot exempt itself), possibly through the API with
//! no checkout at all, which is why this is a matcher of our own rather than
//! a call to `git check-attr`. The tests hold it to `git check-attr`.

use globset::{GlobBuilder, GlobMatcher};

/// An attribute's state for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrState {
    /// `attr` or `attr=true`.
    Set,
    /// `-attr` or `attr=false`.
    Unset,
}

#[derive(Debug, Clone)]
struct Rule {
    matcher: GlobMatcher,
    /// (attribute, Some(state) or None for `!attr` / other values)
    assigns: Vec<(String, Option<AttrState>)>,
}

/// The attribute rules of every `.gitattributes` file, shallowest first.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    rules: Vec<Rule>,
    /// Lines that could not be used, for the report.
    pub skipped: Vec<String>,
}

/// The attributes the gate cares about.
pub const WATCHED: [&str; 2] = ["linguist-generated", "linguist-vendored"];

impl Attributes {
    /// Builds the rules from `(directory, contents)` pairs; the directory is
    /// where the `.gitattributes` file sits ("" for the root, else `a/b/`).
    /// Files are ordered shallowest first so that deeper ones win, as in git.
    pub fn from_files(mut files: Vec<(String, String)>) -> Self {
        files.sort_by_key(|(dir, _)| dir.matches('/').count());
        let mut attrs = Attributes::default();
        // Macros may only be defined in the top-level file.
        let macros: Vec<Macro> = files
            .iter()
            .filter(|(dir, _)| dir.is_empty())
            .flat_map(|(_, text)| text.lines())
            .filter_map(|line| {
                let rest = line.trim_start().strip_prefix("[attr]")?;
                let mut words = rest.split_whitespace();
                let name = words.next()?.to_owned();
                Some((name, words.filter_map(assignment).collect()))
            })
            .collect();
        for (dir, text) in files {
            let dir = if dir.is_empty() || dir.ends_with('/') {
                dir
            } else {
                format!("{dir}/")
            };
            for (n, line) in text.lines().enumerate() {
                match parse_line(&dir, line, &macros) {
                    Ok(Some(rule)) => attrs.rules.push(rule),
                    Ok(None) => {}
                    Err(why) => attrs
                        .skipped
                        .push(format!("{dir}.gitattributes:{}: {why}", n + 1)),
                }
            }
        }
        attrs
    }

    /// The state of `attr` for a path, after every rule that matches it.
    pub fn state(&self, path: &str, attr: &str) -> Option<AttrState> {
        let mut state = None;
        for rule in &self.rules {
            if !rule.matcher.is_match(path) {
                continue;
            }
            for (name, value) in &rule.assigns {
                if name == attr {
                    state = *value;
                }
            }
        }
        state
    }
}

/// The directories whose `.gitattributes` can apply to `path`: "", "a/", "a/b/".
pub fn candidate_dirs(path: &str) -> Vec<String> {
    let mut dirs = vec![String::new()];
    let mut acc = String::new();
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        acc.push_str(part);
        acc.push('/');
        dirs.push(acc.clone());
    }
    dirs
}

fn unquote(s: &str) -> Result<(String, &str), String> {
    // C-style quoting, as git writes and reads quoted patterns.
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let pattern = String::from_utf8(out).map_err(|_| "pattern is not UTF-8")?;
                return Ok((pattern, &s[i + 1..]));
            }
            b'\\' if i + 1 < bytes.len() => {
                i += 1;
                match bytes[i] {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'r' => out.push(b'\r'),
                    b'v' => out.push(11),
                    b'0'..=b'3'
                        if i + 2 < bytes.len()
                            && bytes[i + 1..i + 3]
                                .iter()
                                .all(|b| (b'0'..=b'7').contains(b)) =>
                    {
                        let v = (bytes[i] - b'0') * 64
                            + (bytes[i + 1] - b'0') * 8
                            + (bytes[i + 2] - b'0');
                        out.push(v);
                        i += 2;
                    }
                    other => out.push(other),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    Err("unterminated quoted pattern".into())
}

/// Rewrites a git wildmatch pattern as a globset glob. `**` keeps its special
/// meaning only as `**/`, `/**` or `/**/`; elsewhere it is a plain `*`.
fn to_glob(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '*' {
            let start = i;
            while i < chars.len() && chars[i] == '*' {
                i += 1;
            }
            let run = i - start;
            let before_ok = start == 0 || chars[start - 1] == '/';
            let after_ok = i == chars.len() || chars[i] == '/';
            if run == 2 && before_ok && after_ok {
                out.push_str("**");
            } else {
                out.push('*');
            }
            continue;
        }
        if c == '[' && i + 1 < chars.len() && chars[i + 1] == '^' {
            out.push_str("[!");
            i += 2;
            continue;
        }
        if c == '{' || c == '}' {
            // Alternation in globset, a plain character in git.
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    // POSIX classes inside brackets, which globset does not know.
    for (class, chars) in [
        ("[:alnum:]", "a-zA-Z0-9"),
        ("[:alpha:]", "a-zA-Z"),
        ("[:digit:]", "0-9"),
        ("[:lower:]", "a-z"),
        ("[:upper:]", "A-Z"),
        ("[:xdigit:]", "0-9a-fA-F"),
        ("[:space:]", " \t\n\r"),
        ("[:blank:]", " \t"),
    ] {
        out = out.replace(class, chars);
    }
    out
}

/// One `attr`, `-attr`, `!attr` or `attr=value` word, when it names an
/// attribute we watch.
fn assignment(word: &str) -> Option<(String, Option<AttrState>)> {
    let (name, state) = if let Some(n) = word.strip_prefix('-') {
        (n, Some(AttrState::Unset))
    } else if let Some(n) = word.strip_prefix('!') {
        (n, None)
    } else if let Some((n, v)) = word.split_once('=') {
        let state = match v {
            "true" => Some(AttrState::Set),
            "false" => Some(AttrState::Unset),
            _ => None,
        };
        (n, state)
    } else {
        (word, Some(AttrState::Set))
    };
    WATCHED.contains(&name).then(|| (name.to_owned(), state))
}

/// An attribute assignment: the name, and its state (`None`: unspecified).
type Assign = (String, Option<AttrState>);
/// A `[attr]` macro: its name and what it stands for.
type Macro = (String, Vec<Assign>);
type Macros = [Macro];

fn parse_line(dir: &str, line: &str, macros: &Macros) -> Result<Option<Rule>, String> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (pattern, rest) = if line.starts_with('"') {
        unquote(line)?
    } else {
        let end = line.find([' ', '\t']).unwrap_or(line.len());
        (line[..end].to_owned(), &line[end..])
    };
    if pattern.starts_with("[attr]") {
        return Ok(None); // Macro definitions: none of ours are macros.
    }
    if pattern.starts_with('!') {
        return Err("negative patterns are ignored in .gitattributes".into());
    }
    if pattern.ends_with('/') {
        // Matches directories only, and attributes never recurse into them.
        return Ok(None);
    }
    let mut assigns: Vec<(String, Option<AttrState>)> = Vec::new();
    for word in rest.split_whitespace() {
        // A set macro stands for its attributes.
        if let Some((_, expanded)) = macros.iter().find(|(name, _)| name == word) {
            assigns.extend(expanded.iter().cloned());
        } else if let Some(a) = assignment(word) {
            assigns.push(a);
        }
    }
    if assigns.is_empty() {
        return Ok(None);
    }
    let escaped_dir = globset::escape(dir);
    let glob = if pattern.contains('/') {
        format!("{escaped_dir}{}", to_glob(pattern.trim_start_matches('/')))
    } else {
        format!("{escaped_dir}**/{}", to_glob(&pattern))
    };
    let matcher = GlobBuilder::new(&glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("pattern {pattern:?}: {e}"))?
        .compile_matcher();
    Ok(Some(Rule { matcher, assigns }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(files: &[(&str, &str)]) -> Attributes {
        Attributes::from_files(
            files
                .iter()
                .map(|(d, t)| ((*d).to_owned(), (*t).to_owned()))
                .collect(),
        )
    }

    const GEN: &str = "linguist-generated";

    #[test]
    fn basename_patterns_match_at_any_depth() {
        let a = attrs(&[("", "*.pb.go linguist-generated\n")]);
        assert_eq!(a.state("x.pb.go", GEN), Some(AttrState::Set));
        assert_eq!(a.state("a/b/x.pb.go", GEN), Some(AttrState::Set));
        assert_eq!(a.state("a/b/x.go", GEN), None);
    }

    #[test]
    fn slash_patterns_are_anchored() {
        let a = attrs(&[(
            "",
            "/gen/*.rs linguist-generated=true\ndocs/** linguist-vendored\n",
        )]);
        assert_eq!(a.state("gen/a.rs", GEN), Some(AttrState::Set));
        assert_eq!(a.state("src/gen/a.rs", GEN), None);
        assert_eq!(a.state("gen/sub/a.rs", GEN), None);
        assert_eq!(
            a.state("docs/x/y.md", "linguist-vendored"),
            Some(AttrState::Set)
        );
    }

    #[test]
    fn later_lines_and_deeper_files_win() {
        let a = attrs(&[
            ("sub/", "*.txt -linguist-generated\n"),
            (
                "",
                "*.txt linguist-generated\nkeep.txt linguist-generated=false\n",
            ),
        ]);
        assert_eq!(a.state("a.txt", GEN), Some(AttrState::Set));
        assert_eq!(a.state("keep.txt", GEN), Some(AttrState::Unset));
        assert_eq!(a.state("sub/a.txt", GEN), Some(AttrState::Unset));
        assert_eq!(a.state("other/a.txt", GEN), Some(AttrState::Set));
    }

    #[test]
    fn subdirectory_file_applies_only_below_itself() {
        let a = attrs(&[("web/", "*.js linguist-generated\n")]);
        assert_eq!(a.state("web/a.js", GEN), Some(AttrState::Set));
        assert_eq!(a.state("web/x/a.js", GEN), Some(AttrState::Set));
        assert_eq!(a.state("a.js", GEN), None);
        assert_eq!(a.state("webby/a.js", GEN), None);
    }

    #[test]
    fn unspecify_and_other_values() {
        let a = attrs(&[(
            "",
            "* linguist-generated\n*.md !linguist-generated\n*.txt linguist-generated=maybe\n",
        )]);
        assert_eq!(a.state("a.rs", GEN), Some(AttrState::Set));
        assert_eq!(a.state("a.md", GEN), None);
        assert_eq!(a.state("a.txt", GEN), None);
    }

    #[test]
    fn quirks() {
        let a = attrs(&[(
            "",
            "# comment\n\n!neg linguist-generated\ndir/ linguist-generated\n\"with space.txt\" linguist-generated\na**b linguist-generated\n",
        )]);
        assert_eq!(a.skipped.len(), 1);
        assert_eq!(a.state("dir/x", GEN), None);
        assert_eq!(a.state("with space.txt", GEN), Some(AttrState::Set));
        assert_eq!(a.state("axxb", GEN), Some(AttrState::Set));
        assert_eq!(a.state("ax/xb", GEN), None);
    }

    // Regression (review c39e92f): a quoted `.gitattributes` pattern with a broken octal escape
    // panicked.
    #[test]
    fn a_quoted_pattern_with_a_broken_octal_escape_does_not_panic() {
        let a = attrs(&[(
            "",
            "\"\\12é\" linguist-generated\n\"\\1\" linguist-generated\n",
        )]);
        assert_eq!(a.state("x", GEN), None);
    }

    #[test]
    fn globs() {
        assert_eq!(to_glob("**/a"), "**/a");
        assert_eq!(to_glob("a/**"), "a/**");
        assert_eq!(to_glob("a/**/b"), "a/**/b");
        assert_eq!(to_glob("a**b"), "a*b");
        assert_eq!(to_glob("***/x"), "*/x");
        assert_eq!(to_glob("[^a]"), "[!a]");
    }

    #[test]
    fn candidate_directories() {
        assert_eq!(candidate_dirs("a.txt"), vec![""]);
        assert_eq!(candidate_dirs("a/b/c.txt"), vec!["", "a/", "a/b/"]);
    }
}
