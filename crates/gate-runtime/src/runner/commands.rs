//! GitHub Actions workflow commands: annotations and `::add-mask::`.
//!
//! Untrusted text (PR titles, file names, report contents) ends up inside
//! these commands. Without GitHub's escaping a newline starts a new command
//! and a `,` or `:` in a path breaks the properties, so every command we
//! print goes through [`escape_data`] / [`escape_property`] here, and nowhere
//! else.

use std::io::{self, Write};

/// GitHub shows at most this many annotations of each level per step.
pub const ANNOTATIONS_SHOWN_PER_LEVEL: usize = 10;

/// Escapes a command's message, as `@actions/core` does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: the message escapes plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Annotation severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    /// The workflow command name.
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation. `rank` orders annotations of the same level: lower is more
/// important and is shown first when GitHub's cap cuts the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    pub message: String,
    pub title: Option<String>,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub end_line: Option<u64>,
    pub rank: u64,
}

impl Annotation {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
            title: None,
            file: None,
            line: None,
            end_line: None,
            rank: 0,
        }
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn lines(mut self, line: u64, end_line: Option<u64>) -> Self {
        self.line = Some(line);
        self.end_line = end_line;
        self
    }

    pub fn rank(mut self, rank: u64) -> Self {
        self.rank = rank;
        self
    }

    /// The workflow command line, escaped, without the trailing newline.
    pub fn to_command(&self) -> String {
        let mut props = Vec::new();
        if let Some(file) = &self.file {
            props.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            props.push(format!("line={line}"));
        }
        if let Some(end) = self.end_line {
            props.push(format!("endLine={end}"));
        }
        if let Some(title) = &self.title {
            props.push(format!("title={}", escape_property(title)));
        }
        let props = if props.is_empty() {
            String::new()
        } else {
            format!(" {}", props.join(","))
        };
        // The runner parses this line as a `::` command; the legacy form is
        // neutralised as well, so no parser can read a second command in it.
        let line = format!(
            "::{}{}::{}",
            self.level.command(),
            props,
            escape_data(&self.message)
        );
        neutralise_legacy(&line).into_owned()
    }
}

/// How many annotations of each level were not shown because of GitHub's cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    pub errors: usize,
    pub warnings: usize,
    pub notices: usize,
}

impl Omitted {
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.notices
    }

    /// A sentence for the step summary, or `None` when nothing was cut.
    pub fn summary_note(&self) -> Option<String> {
        if self.total() == 0 {
            return None;
        }
        let parts: Vec<String> = [
            (self.errors, "error"),
            (self.warnings, "warning"),
            (self.notices, "notice"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }))
        .collect();
        Some(format!(
            "GitHub shows {ANNOTATIONS_SHOWN_PER_LEVEL} annotations of each kind per step; {} more were left out and are listed in this summary.",
            parts.join(", ")
        ))
    }
}

/// Writes annotations, the most important first, at most
/// [`ANNOTATIONS_SHOWN_PER_LEVEL`] of each level, and says how many were cut.
pub fn write_annotations(out: &mut dyn Write, annotations: &[Annotation]) -> io::Result<Omitted> {
    let mut sorted: Vec<&Annotation> = annotations.iter().collect();
    sorted.sort_by_key(|a| (a.level, a.rank));
    let mut omitted = Omitted::default();
    let mut shown = [0usize; 3];
    for a in sorted {
        let slot = a.level as usize;
        if shown[slot] >= ANNOTATIONS_SHOWN_PER_LEVEL {
            match a.level {
                Level::Error => omitted.errors += 1,
                Level::Warning => omitted.warnings += 1,
                Level::Notice => omitted.notices += 1,
            }
            continue;
        }
        shown[slot] += 1;
        writeln!(out, "{}", a.to_command())?;
    }
    Ok(omitted)
}

/// Writes free text (a report that quotes file names, PR text or API
/// messages) to the log with workflow commands switched off around it, so a
/// line of untrusted text starting with `::` is shown, never run. This is
/// the one routine every line of untrusted text goes through in `github`
/// format. The runner also obeys the legacy `##[command]` form anywhere in
/// a line, so that is neutralised too, inside the fence as well: a runner
/// (or a local emulator) that pauses only the `::` form must not be told
/// anything either.
pub fn write_inert(out: &mut dyn Write, text: &str) -> io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let token = crate::runner::outputs::random_delimiter();
    writeln!(out, "::stop-commands::{token}")?;
    write!(out, "{}", neutralise_legacy(text))?;
    if !text.ends_with('\n') {
        writeln!(out)?;
    }
    writeln!(out, "::{token}::")
}

/// `##[` with a word joiner (U+2060) between the hashes: it reads the same,
/// and the runner's legacy `##[command]` parser no longer sees it.
pub fn neutralise_legacy(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("##[") {
        std::borrow::Cow::Owned(text.replace("##[", "#\u{2060}#["))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Asks the runner to mask a secret in all later log output.
/// Multi-line secrets are masked line by line, as the runner matches lines.
pub fn write_add_mask(out: &mut dyn Write, secret: &str) -> io::Result<()> {
    for line in secret.lines().filter(|l| !l.trim().is_empty()) {
        writeln!(out, "::add-mask::{}", escape_data(line))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping_matches_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
        // Escaping % first keeps an already-escaped-looking input literal.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn property_escaping_adds_colon_and_comma() {
        assert_eq!(escape_property("C:\\a,b.rs"), "C%3A\\a%2Cb.rs");
        assert_eq!(escape_property("x\ny"), "x%0Ay");
    }

    #[test]
    fn hostile_message_cannot_inject_a_command() {
        let hostile = "oops\n::error::injected%\r\n::add-mask::x";
        let a = Annotation::new(Level::Warning, hostile)
            .title("t,i:t\nle")
            .file("src/a,b:c.rs")
            .lines(3, Some(5));
        let cmd = a.to_command();
        assert_eq!(
            cmd,
            "::warning file=src/a%2Cb%3Ac.rs,line=3,endLine=5,title=t%2Ci%3At%0Ale::oops%0A::error::injected%25%0D%0A::add-mask::x"
        );
        assert_eq!(cmd.lines().count(), 1);
    }

    #[test]
    fn no_properties_means_no_space() {
        assert_eq!(
            Annotation::new(Level::Notice, "hi").to_command(),
            "::notice::hi"
        );
    }

    #[test]
    fn caps_each_level_at_ten_in_rank_order() {
        let mut anns = Vec::new();
        for i in (0..13).rev() {
            anns.push(Annotation::new(Level::Error, format!("e{i}")).rank(i));
        }
        anns.push(Annotation::new(Level::Warning, "w"));
        let mut out = Vec::new();
        let omitted = write_annotations(&mut out, &anns).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "::error::e0");
        assert_eq!(lines[9], "::error::e9");
        assert_eq!(lines[10], "::warning::w");
        assert_eq!(
            omitted,
            Omitted {
                errors: 3,
                warnings: 0,
                notices: 0
            }
        );
        let note = omitted.summary_note().unwrap();
        assert!(note.contains("3 errors"), "{note}");
        assert_eq!(Omitted::default().summary_note(), None);
    }

    #[test]
    fn inert_text_is_fenced_by_a_random_token() {
        let mut out = Vec::new();
        write_inert(&mut out, "a\n::error::injected\n").unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        let token = lines[0].strip_prefix("::stop-commands::").unwrap();
        assert!(token.len() > 30);
        assert_eq!(lines[3], format!("::{token}::"));
        assert_eq!(lines[2], "::error::injected");
    }

    // Regression (#12.4, security review): a `##[stop-commands]` in untrusted text silenced the
    // gate's own error.
    /// Hardening review, item 4: a `##[stop-commands]` in untrusted text
    /// could silence the gate's own error.
    #[test]
    fn inert_text_neutralises_the_legacy_form() {
        let mut out = Vec::new();
        write_inert(&mut out, "x ##[stop-commands]t\n##[error]forged\n").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("##["), "{text}");
        assert!(text.contains("x #\u{2060}#[stop-commands]t"), "{text}");
    }

    #[test]
    fn add_mask_per_line() {
        let mut out = Vec::new();
        write_add_mask(&mut out, "ab%c\nd").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::add-mask::ab%25c\n::add-mask::d\n"
        );
    }
}
