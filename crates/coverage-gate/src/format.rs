//! A report's format: the one type (also the `--report-format` values) and
//! its detection from the report's first bytes, in bounded memory.

use std::io::Read;

use clap::ValueEnum;

/// A report format; as `--report-format`, overrides detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
    Go,
    Clover,
    #[value(name = "opencover")]
    OpenCover,
    #[value(name = "simplecov")]
    SimpleCov,
}

impl Format {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Lcov => "lcov",
            Format::Cobertura => "Cobertura",
            Format::Jacoco => "JaCoCo",
            Format::Go => "Go",
            Format::Clover => "Clover",
            Format::OpenCover => "OpenCover",
            Format::SimpleCov => "SimpleCov",
        }
    }
}

/// What a report is, from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A format this gate reads.
    Format(Format),
    /// A coverage format this gate does not read: its name, and how to
    /// produce one it reads.
    Other {
        name: &'static str,
        advice: &'static str,
    },
    /// Nothing recognised.
    Unknown,
}

/// How much of a report's start the text and JSON checks look at.
const HEAD_BYTES: usize = 64 << 10;

/// A window on a reader, refilled as the checks move on, so a leading XML
/// comment of any length is skipped in bounded memory.
struct Window<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// What each read lands in, zeroed once: a reader that hands back a
    /// few bytes a call (a pipe, a slow stream) costs what it returns, not
    /// a fresh 64 KiB each time.
    chunk: Vec<u8>,
}

impl<R: Read> Window<R> {
    /// Whether `n` bytes are available from the position.
    fn fill(&mut self, n: usize) -> std::io::Result<bool> {
        while self.buf.len() - self.pos < n && !self.eof {
            if self.pos >= HEAD_BYTES {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            if self.chunk.is_empty() {
                self.chunk = vec![0; HEAD_BYTES];
            }
            let got = loop {
                match self.reader.read(&mut self.chunk) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    r => break r,
                }
            }?;
            self.buf.extend_from_slice(&self.chunk[..got]);
            self.eof = got == 0;
        }
        Ok(self.buf.len() - self.pos >= n)
    }

    fn rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn starts_with(&mut self, s: &[u8]) -> std::io::Result<bool> {
        Ok(self.fill(s.len())? && self.rest().starts_with(s))
    }

    fn skip_space(&mut self) -> std::io::Result<()> {
        while self.fill(1)? && self.rest()[0].is_ascii_whitespace() {
            self.pos += 1;
        }
        Ok(())
    }

    /// Moves past the next `end`; `false` when the input ends first.
    fn skip_past(&mut self, end: &[u8]) -> std::io::Result<bool> {
        loop {
            if let Some(i) = memchr::memmem::find(self.rest(), end) {
                self.pos += i + end.len();
                return Ok(true);
            }
            // Keep a tail that may hold the start of `end`.
            let keep = (end.len() - 1).min(self.buf.len() - self.pos);
            self.pos = self.buf.len() - keep;
            let have = self.buf.len() - self.pos;
            if !self.fill(have + 1)? {
                return Ok(false);
            }
        }
    }
}

/// An XML document's root element and its first child: names and the
/// root's start tag.
struct XmlStart {
    root: String,
    root_tag: Vec<u8>,
    first_child: Option<String>,
}

fn xml_name(s: &[u8]) -> String {
    let end = s
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':')))
        .unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).into_owned()
}

/// Skips the prolog (declaration, comments of any length, processing
/// instructions, DOCTYPE) and reads the root's start tag, then the name of
/// its first child element. `None` when the input is not XML of that shape.
fn xml_start<R: Read>(w: &mut Window<R>) -> std::io::Result<Option<XmlStart>> {
    // Misc (comments, PIs) up to and between elements.
    fn skip_misc<R: Read>(w: &mut Window<R>, text_too: bool) -> std::io::Result<bool> {
        let mut scanned = 0usize;
        loop {
            w.skip_space()?;
            if w.starts_with(b"<!--")? {
                if !w.skip_past(b"-->")? {
                    return Ok(false);
                }
            } else if w.starts_with(b"<?")? {
                if !w.skip_past(b"?>")? {
                    return Ok(false);
                }
            } else if w.starts_with(b"<![CDATA[")? {
                if !w.skip_past(b"]]>")? {
                    return Ok(false);
                }
            } else if text_too && w.fill(1)? && w.rest()[0] != b'<' {
                // Text before the first child.
                scanned += 1;
                if scanned > crate::model::MAX_LINE_BYTES {
                    return Ok(false);
                }
                w.pos += 1;
            } else {
                return Ok(true);
            }
        }
    }
    if !skip_misc(w, false)? {
        return Ok(None);
    }
    if w.starts_with(b"<!DOCTYPE")? || w.starts_with(b"<!doctype")? {
        // Up to the `>` outside any internal subset `[...]`.
        let mut depth = 0usize;
        let mut scanned = 0usize;
        loop {
            if !w.fill(1)? || scanned > crate::model::MAX_LINE_BYTES {
                return Ok(None);
            }
            let c = w.rest()[0];
            w.pos += 1;
            scanned += 1;
            match c {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b'>' if depth == 0 => break,
                _ => {}
            }
        }
        if !skip_misc(w, false)? {
            return Ok(None);
        }
    }
    if !w.starts_with(b"<")? {
        return Ok(None);
    }
    // The root's start tag, whole (bounded).
    let mut tag = Vec::new();
    loop {
        if !w.fill(1)? || tag.len() > crate::model::MAX_LINE_BYTES {
            return Ok(None);
        }
        let rest = w.rest();
        match memchr::memchr(b'>', rest) {
            Some(i) => {
                tag.extend_from_slice(&rest[..=i]);
                w.pos += i + 1;
                break;
            }
            None => {
                tag.extend_from_slice(rest);
                w.pos = w.buf.len();
            }
        }
    }
    let root = xml_name(&tag[1..]);
    if root.is_empty() {
        return Ok(None);
    }
    let mut first_child = None;
    if !tag.ends_with(b"/>") && skip_misc(w, true)? && w.starts_with(b"<")? {
        w.fill(256)?;
        let name = xml_name(&w.rest()[1..]);
        if !name.is_empty() {
            first_child = Some(name);
        }
    }
    Ok(Some(XmlStart {
        root,
        root_tag: tag,
        first_child,
    }))
}

/// Whether the start tag has the attribute `name`.
fn has_attribute(tag: &[u8], name: &str) -> bool {
    let pattern = format!("{name}=");
    memchr::memmem::find_iter(tag, pattern.as_bytes())
        .any(|i| i > 0 && tag[i - 1].is_ascii_whitespace())
}

fn xml_format(x: &XmlStart) -> Detected {
    let child = x.first_child.as_deref();
    match x.root.as_str() {
        "coverage" => {
            let clover = has_attribute(&x.root_tag, "clover")
                || child == Some("project")
                || (has_attribute(&x.root_tag, "generated")
                    && !has_attribute(&x.root_tag, "line-rate"));
            Detected::Format(if clover {
                Format::Clover
            } else {
                Format::Cobertura
            })
        }
        "report" => Detected::Format(Format::Jacoco),
        "CoverageSession" => Detected::Format(Format::OpenCover),
        "results" if child == Some("modules") => Detected::Other {
            name: "Visual Studio (Microsoft.CodeCoverage) XML",
            advice: "produce Cobertura with `dotnet test --collect \"Code Coverage;Format=cobertura\"` or `dotnet-coverage merge -f cobertura`",
        },
        "Root" if has_attribute(&x.root_tag, "DotCoverVersion") => Detected::Other {
            name: "dotCover XML",
            advice: "produce Cobertura with `dotnet-coverage` or coverlet, or convert with ReportGenerator (`-reporttypes:Cobertura`)",
        },
        "scoverage" => Detected::Other {
            name: "scoverage XML",
            advice: "produce Cobertura with sbt-scoverage (`coverageReport` writes cobertura.xml)",
        },
        _ => Detected::Unknown,
    }
}

/// How to get a report this gate reads out of gcovr.
const GCOVR_ADVICE: &str = "produce Cobertura with `gcovr --cobertura coverage.xml` or lcov with `gcovr --lcov coverage.info`";

/// A recogniser of the compacted head, a name, and the advice.
type OtherJson = (fn(&str) -> bool, &'static str, &'static str);

/// JSON coverage formats this gate does not read: how each shows in a
/// report's start (whitespace taken out), its name, and how to produce a
/// format the gate reads instead. The first that matches names the report.
const OTHER_JSON: &[OtherJson] = &[
    (
        |c| c.contains("\"gcovr/summary_format_version\""),
        "gcovr JSON summary",
        GCOVR_ADVICE,
    ),
    (
        |c| c.contains("\"gcovr/format_version\""),
        "gcovr JSON",
        GCOVR_ADVICE,
    ),
    (
        |c| c.contains("\"gcc_version\"") && c.contains("\"format_version\""),
        "gcov JSON (gcov --json-format)",
        "produce lcov with `lcov --capture` or Cobertura with `gcovr --cobertura coverage.xml`",
    ),
    (
        |c| c.contains("\"statementMap\""),
        "istanbul JSON (coverage-final.json)",
        "produce lcov with `nyc report --reporter=lcov`, jest's `--coverageReporters=lcov` or c8's `--reporter=lcov`",
    ),
    (
        |c| c.starts_with("{\"data\":[{\"files\"") || c.contains("\"llvm.coverage.json.export\""),
        "llvm-cov export JSON",
        "produce lcov with `llvm-cov export -format=lcov` (or `cargo llvm-cov --lcov`)",
    ),
    (
        |c| c.starts_with("{\"meta\":{") && c.contains("\"show_contexts\""),
        "coverage.py JSON",
        "produce Cobertura with `coverage xml` or lcov with `coverage lcov`",
    ),
];

/// A JSON report's kind, from its start.
fn json_format(head: &str) -> Detected {
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some((_, name, advice)) = OTHER_JSON.iter().find(|(is, ..)| is(&compact)) {
        return Detected::Other { name, advice };
    }
    // SimpleCov: `.resultset.json` is {suite: {"coverage": ..., "timestamp": ...}};
    // simplecov-json's coverage.json is {"meta": {"simplecov_version": ...}, "coverage": ...}.
    let suite = compact
        .strip_prefix("{\"")
        .and_then(|r| r.split_once("\":{\""))
        .is_some_and(|(_, r)| r.starts_with("coverage\":") || r.starts_with("timestamp\":"));
    if suite || compact.contains("\"simplecov_version\"") {
        return Detected::Format(Format::SimpleCov);
    }
    Detected::Unknown
}

/// Detects the format from the start of a report.
pub fn detect(reader: impl Read) -> std::io::Result<Detected> {
    let mut w = Window {
        reader,
        buf: Vec::new(),
        pos: 0,
        eof: false,
        chunk: Vec::new(),
    };
    if w.starts_with(b"\xef\xbb\xbf")? {
        w.pos += 3;
    }
    w.skip_space()?;
    if w.starts_with(b"<")? {
        return Ok(match xml_start(&mut w)? {
            Some(x) => xml_format(&x),
            None => Detected::Unknown,
        });
    }
    w.fill(HEAD_BYTES)?;
    let head = w.rest();
    let head = String::from_utf8_lossy(&head[..head.len().min(HEAD_BYTES)]);
    if head.starts_with('{') {
        return Ok(json_format(&head));
    }
    if head.starts_with("mode:") {
        return Ok(Detected::Format(Format::Go));
    }
    let first = head
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = first else {
        return Ok(Detected::Unknown);
    };
    if ["TN:", "SF:", "VER:", "KF:"]
        .iter()
        .any(|p| first.starts_with(p))
    {
        return Ok(Detected::Format(Format::Lcov));
    }
    // gcov's text output: `        -:    0:Source:main.c`.
    let mut fields = first.splitn(3, ':');
    if let (Some(_), Some(zero), Some(rest)) = (fields.next(), fields.next(), fields.next()) {
        if zero.trim() == "0" && rest.starts_with("Source") {
            return Ok(Detected::Other {
                name: "gcov text (.gcov)",
                advice: "produce lcov with `lcov --capture --directory .` or Cobertura with `gcovr --cobertura coverage.xml`",
            });
        }
    }
    Ok(Detected::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(bytes: &[u8]) -> Option<Format> {
        match detect(bytes).unwrap() {
            Detected::Format(f) => Some(f),
            _ => None,
        }
    }

    /// A reader that hands back one byte a call, as a slow pipe may.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            match out.first_mut() {
                Some(slot) => {
                    *slot = *first;
                    self.0 = rest;
                    Ok(1)
                }
                None => Ok(0),
            }
        }
    }

    // Regression (the clover fuzz target's 10-minute run, 2026-11-26): an
    // XML declaration left open (`?=` for `?>`) made detection read the
    // whole report through a one-byte reader, and each read zeroed a fresh
    // 64 KiB: 2.9 s for an 8 KB report in a debug build. Each read now
    // lands in one buffer zeroed once; the answer is the same either way.
    #[test]
    fn an_open_declaration_read_a_byte_at_a_time_detects_as_whole() {
        let mut report = b"<?xml version=\"1.0\"?=\x0b<coverage clover=\"4.3.1\">\n".to_vec();
        report.extend(b"<line num=\"1\" count=\"1\" type=\"stmt\"/>\n".repeat(3_000));
        let whole = detect(&report[..]).unwrap();
        let trickled = detect(OneByte(&report)).unwrap();
        assert_eq!(format!("{whole:?}"), format!("{trickled:?}"));
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(format(b"TN:\nSF:a\n"), Some(Format::Lcov));
        assert_eq!(format(b"\xef\xbb\xbf# comment\nSF:a\n"), Some(Format::Lcov));
        assert_eq!(format(b"mode: set\n"), Some(Format::Go));
        assert_eq!(
            format(b"<?xml version=\"1.0\" ?>\n<!-- x -->\n<coverage version=\"7\">"),
            Some(Format::Cobertura)
        );
        assert_eq!(format(b"<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"x\" \"report.dtd\"><report name=\"a\">"), Some(Format::Jacoco));
        assert_eq!(format(b"{\"json\": true}"), None);
        assert_eq!(format(b"<html>"), None);
        assert_eq!(
            format(b"<coverage generated=\"1\" clover=\"4.3.1\">\n<project>"),
            Some(Format::Clover)
        );
        assert_eq!(
            format(b"<coverage generated=\"1619680221\">\n  <project timestamp=\"1\">"),
            Some(Format::Clover)
        );
        assert_eq!(
            format(b"<?xml version=\"1.0\"?><CoverageSession><Summary/>"),
            Some(Format::OpenCover)
        );
        assert_eq!(
            format(b"{\n  \"RSpec\": {\n    \"coverage\": {"),
            Some(Format::SimpleCov)
        );
    }

    // Regression (#17.6): a long leading XML comment, or one mentioning `<lines>`, broke format
    // detection.
    #[test]
    fn detection_survives_leading_comments_of_any_length() {
        // A comment longer than any buffer, and one that mentions <lines>.
        let long = format!(
            "<?xml version=\"1.0\"?>\n<!-- {} -->\n<!-- has <lines> and <report> -->\n<!DOCTYPE coverage [ <!ENTITY x \"y\"> ]>\n<coverage line-rate=\"1\"><sources/>",
            "x".repeat(300_000)
        );
        assert_eq!(format(long.as_bytes()), Some(Format::Cobertura));
        // Cut inside the comment: not a report.
        assert_eq!(format(&long.as_bytes()[..1000]), None);
        let clover = format!(
            "<!-- {} --><coverage generated=\"1\"><!-- c --><project>",
            "<lines>".repeat(20_000)
        );
        assert_eq!(format(clover.as_bytes()), Some(Format::Clover));
    }

    #[test]
    fn formats_we_do_not_read_are_named() {
        for (head, name) in [
            (
                &b"{\"root\": \"..\", \"gcovr/format_version\": \"0.6\", \"files\": []}"[..],
                "gcovr JSON",
            ),
            (
                b"{\"/src/a.js\": {\"path\": \"/src/a.js\", \"statementMap\": {}}}",
                "istanbul JSON",
            ),
            (
                b"        -:    0:Source:main.c\n        -:    0:Graph:main.gcno\n",
                "gcov text",
            ),
            (
                b"{\"data\":[{\"files\":[]}],\"type\":\"llvm.coverage.json.export\"}",
                "llvm-cov",
            ),
            (
                b"{\"meta\": {\"format\": 3, \"version\": \"7.6\", \"show_contexts\": false}}",
                "coverage.py JSON",
            ),
        ] {
            match detect(head).unwrap() {
                Detected::Other { name: got, advice } => {
                    assert!(got.starts_with(name), "{got}");
                    assert!(advice.contains("produce"), "{advice}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
