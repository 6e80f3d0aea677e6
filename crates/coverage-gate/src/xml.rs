//! What the XML formats (Cobertura, JaCoCo) share: a streaming reader that
//! knows its line number, so a malformed report names where it broke, and
//! a way to read plain attributes without allocating.

use std::cell::Cell;
use std::io::{BufRead, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{MAX_LINE_BYTES, ReadError, malformed};

/// An XML boolean attribute: `true`, `True` (coverlet, `dotnet test`),
/// `TRUE` or `1`, spaces around ignored. Everything else is false.
pub fn is_true(value: &str) -> bool {
    match value {
        "true" | "True" | "1" => true,
        "false" | "False" | "0" => false,
        _ => {
            let value = value.trim();
            value.eq_ignore_ascii_case("true") || value == "1"
        }
    }
}

/// A `BufRead` that knows the line of its read position, so a malformed
/// report names where it broke. Newlines are counted a buffer at a time,
/// and within the current buffer only when asked, from where the last ask
/// left off, so asking often costs no more than asking once.
pub struct LineCounting<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// Newlines in the buffers before this one.
    newlines: u64,
    /// Newlines in this buffer before `counted_to`.
    counted: Cell<u64>,
    counted_to: Cell<usize>,
    /// Bytes consumed in all, and when the event being read began: one
    /// event's length so far is their difference.
    consumed: u64,
    event_start: u64,
}

impl<R: BufRead> LineCounting<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            filled: 0,
            newlines: 0,
            counted: Cell::new(0),
            counted_to: Cell::new(0),
            consumed: 0,
            event_start: 0,
        }
    }

    /// The next event starts here.
    fn start_event(&mut self) {
        self.event_start = self.consumed;
    }

    /// Whether a single event (a tag, a text, a comment) ran past
    /// [`MAX_LINE_BYTES`]: reading then fails rather than buffer it whole.
    pub fn token_too_long(&self) -> bool {
        self.consumed - self.event_start > MAX_LINE_BYTES as u64
    }

    /// The 1-based line the reader has reached.
    pub fn line(&self) -> u64 {
        let (mut counted, mut from) = (self.counted.get(), self.counted_to.get());
        if from > self.pos {
            (counted, from) = (0, 0);
        }
        counted += newlines(self.buf.get(from..self.pos).unwrap_or_default());
        self.counted.set(counted);
        self.counted_to.set(self.pos);
        self.newlines + counted + 1
    }
}

fn newlines(s: &[u8]) -> u64 {
    // Byte-wide counters over short chunks vectorise well.
    s.chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, b| n + u8::from(*b == b'\n'))))
        .sum()
}

impl<R: BufRead> Read for LineCounting<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.token_too_long() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "an XML token too long",
            ));
        }
        if self.pos >= self.filled {
            let from = self.counted_to.get().min(self.filled);
            self.newlines += self.counted.get() + newlines(&self.buf[from..self.filled]);
            self.counted.set(0);
            self.counted_to.set(0);
            self.pos = 0;
            self.filled = 0;
            self.filled = loop {
                match self.inner.read(&mut self.buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        let end = (self.pos + amt).min(self.filled);
        self.consumed += (end - self.pos) as u64;
        self.pos = end;
    }
}

/// The elements open at the read position, each with the line it opened
/// on, so a report cut short says what was left open. Names share one
/// buffer: pushing allocates nothing once it has grown.
#[derive(Debug, Default)]
pub struct OpenElements {
    names: String,
    /// Where each name starts in `names`, and its line.
    open: Vec<(usize, u64)>,
    /// The document's root element, once it has opened.
    root: Option<String>,
}

impl OpenElements {
    /// A start tag (not an empty element) on `line`.
    pub fn open(&mut self, name: &str, line: u64) {
        self.saw(name);
        self.open.push((self.names.len(), line));
        self.names.push_str(name);
    }

    /// An end tag. quick-xml has checked that it matches the open element.
    pub fn close(&mut self) {
        if let Some((start, _)) = self.open.pop() {
            self.names.truncate(start);
        }
    }

    /// An empty element: a root written `<root/>` is closed at once.
    pub fn empty(&mut self, name: &str) {
        self.saw(name);
    }

    fn saw(&mut self, name: &str) {
        if self.open.is_empty() && self.root.is_none() {
            self.root = Some(name.to_owned());
        }
    }

    /// At the end of the report: an error naming the innermost element left
    /// open, or a document whose root is not `<root>` (`format` names the
    /// report kind). `line` is the report's last line.
    pub fn at_end(&self, line: u64, format: &str, root: &str) -> Result<(), ReadError> {
        if let Some((start, opened)) = self.open.last() {
            let name = self.names.get(*start..).unwrap_or_default();
            return Err(malformed(
                line,
                format!(
                    "unexpected end of the report: <{name}> opened at line {opened} is not closed"
                ),
            ));
        }
        if self.root.as_deref() != Some(root) {
            return Err(malformed(
                line,
                format!("expected a {format} <{root}> document"),
            ));
        }
        Ok(())
    }
}

/// The values of the attributes `names`, when a tag's attributes are all
/// plain: `name="value"` with whitespace between, and no `&`,
/// `<`, tab or line break in a value, so each value is already what
/// [`attr`] would return. The first of a repeated attribute counts, as in
/// `attr`. `None` when the attributes are not plain: then ask `attr`.
pub fn plain_attributes<'a, const K: usize>(
    e: &'a BytesStart<'_>,
    names: [&str; K],
) -> Option<[Option<&'a str>; K]> {
    let mut found = [None; K];
    let raw = e.attributes_raw();
    let b = raw.as_bytes();
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let mut i = 0;
    loop {
        let before = i;
        while b.get(i).is_some_and(|c| space(*c)) {
            i += 1;
        }
        if i == b.len() {
            return Some(found);
        }
        if i == before {
            return None; // no space before the attribute
        }
        let key_start = i;
        while b
            .get(i)
            .is_some_and(|c| !space(*c) && !matches!(c, b'=' | b'"' | b'\'' | b'<' | b'>' | b'&'))
        {
            i += 1;
        }
        if i == key_start || b.get(i..i + 2) != Some(b"=\"") {
            return None;
        }
        let key = &b[key_start..i];
        i += 2;
        let value_start = i;
        while b
            .get(i)
            .is_some_and(|c| !matches!(c, b'"' | b'&' | b'<' | b'\t' | b'\n' | b'\r'))
        {
            i += 1;
        }
        if b.get(i) != Some(&b'"') {
            return None;
        }
        if let Some(slot) = names.iter().position(|n| n.as_bytes() == key) {
            // Cut at ASCII quotes, so on character boundaries.
            found[slot] = found[slot].or(raw.get(value_start..i));
        }
        i += 1;
    }
}

/// An attribute's unescaped value, if present and well-formed.
pub fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::default())
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The next XML event; a syntax error names its line. The line of any
/// other error is `xml.get_ref().line()`, asked when it happens.
pub fn next_event<'b, R: BufRead>(
    xml: &mut Reader<LineCounting<R>>,
    buf: &'b mut Vec<u8>,
) -> Result<Event<'b>, ReadError> {
    xml.get_mut().start_event();
    match xml.read_event_into(buf) {
        Ok(e) if xml.get_ref().token_too_long() => {
            drop(e);
            Err(token_too_long(xml.get_ref().line()))
        }
        Ok(e) => Ok(e),
        Err(_) if xml.get_ref().token_too_long() => Err(token_too_long(xml.get_ref().line())),
        Err(e) => Err(malformed(
            xml.get_ref().line(),
            format!(
                "not well-formed XML: {}",
                crate::model::clip(&e.to_string())
            ),
        )),
    }
}

fn token_too_long(line: u64) -> ReadError {
    malformed(
        line,
        format!(
            "a single XML tag, text or comment longer than {} MiB: not a coverage report this gate reads",
            MAX_LINE_BYTES >> 20
        ),
    )
}

/// The next event, with `open` kept up to date, so a report that ends with
/// elements still open can say which.
pub fn next_tracked<'b, R: BufRead>(
    xml: &mut Reader<LineCounting<R>>,
    buf: &'b mut Vec<u8>,
    open: &mut OpenElements,
) -> Result<Event<'b>, ReadError> {
    let event = next_event(xml, buf)?;
    match &event {
        Event::Start(e) => open.open(e.name().0, xml.get_ref().line()),
        Event::Empty(e) => open.empty(e.name().0),
        Event::End(_) => open.close(),
        _ => {}
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first `Start` or `Empty` tag of `xml`.
    fn tag(xml: &str) -> BytesStart<'static> {
        let mut r = Reader::from_str(xml);
        loop {
            match r.read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) => return e.into_owned(),
                Event::Eof => panic!("no tag in {xml:?}"),
                _ => {}
            }
        }
    }

    #[test]
    fn plain_attributes_agree_with_attr_or_step_aside() {
        let names = ["number", "hits", "branch", "condition-coverage"];
        for (xml, plain) in [
            (r#"<line number="3" hits="1"/>"#, true),
            (
                r#"<line number="3" hits="1" branch="true" condition-coverage="50% (1/2)" missing-branches="5"/>"#,
                true,
            ),
            (
                r#"<line	number="3"
                 hits="0" ></line>"#,
                true,
            ),
            (r#"<line number="3" number="4" hits="1"/>"#, true),
            (r#"<line x:y="a'b>c" number="3" hits="1"/>"#, true),
            (r#"<line number="3" hits="&#49;"/>"#, false),
            (r#"<line number='3' hits="1"/>"#, false),
            (r#"<line number = "3" hits="1"/>"#, false),
            (r#"<line number="3" hits="1" branch="tr	ue"/>"#, false),
            (r#"<line number="3"hits="1"/>"#, false),
            (r#"<line number="3" hits/>"#, false),
        ] {
            let e = tag(xml);
            match plain_attributes(&e, names) {
                Some(values) => {
                    assert!(plain, "{xml}");
                    for (name, value) in names.iter().zip(values) {
                        assert_eq!(value.map(str::to_owned), attr(&e, name), "{xml} {name}");
                    }
                }
                None => assert!(!plain, "{xml}"),
            }
        }
    }

    #[test]
    fn the_line_is_counted_across_buffers() {
        let text = "a\n".repeat(100_000) + "<";
        let mut r = LineCounting::new(text.as_bytes());
        let mut out = Vec::new();
        r.read_until(b'<', &mut out).unwrap();
        assert_eq!(r.line(), 100_001);
    }

    #[test]
    fn asking_the_line_often_gives_the_same_answers() {
        let text = "<a>\n<b/>\n\n".repeat(30_000) + "<";
        let mut r = LineCounting::new(text.as_bytes());
        let mut seen = 0u64;
        loop {
            let mut out = Vec::new();
            let n = r.read_until(b'>', &mut out).unwrap();
            if n == 0 {
                break;
            }
            seen += out.iter().filter(|b| **b == b'\n').count() as u64;
            assert_eq!(r.line(), seen + 1);
        }
        assert_eq!(r.line(), 90_001);
    }

    #[test]
    fn open_elements_name_the_innermost() {
        let mut open = OpenElements::default();
        assert!(open.at_end(1, "Test", "root").is_err());
        open.open("root", 1);
        open.open("class", 4);
        open.empty("line");
        let err = open.at_end(9, "Test", "root").unwrap_err().to_string();
        assert_eq!(
            err,
            "line 9: unexpected end of the report: <class> opened at line 4 is not closed"
        );
        open.close();
        open.close();
        assert!(open.at_end(9, "Test", "root").is_ok());
        let mut other = OpenElements::default();
        other.empty("html");
        let err = other.at_end(1, "Test", "root").unwrap_err().to_string();
        assert_eq!(err, "line 1: expected a Test <root> document");
    }
}
