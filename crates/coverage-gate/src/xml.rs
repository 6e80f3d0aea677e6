//! What the XML formats (Cobertura, JaCoCo) share: a streaming reader that
//! knows its line number, so a malformed report names where it broke.

use std::io::{BufRead, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{ReadError, malformed};

/// A `BufRead` that counts the newlines it has handed out, so the line of
/// the parser's current position is known exactly.
pub struct LineCounting<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> LineCounting<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, newlines: 0 }
    }

    /// The 1-based line the reader has reached.
    pub fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R: BufRead> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.newlines += buf[..amt].iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.inner.consume(amt);
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

/// The next XML event and the line it ended on; a syntax error names its line.
pub fn next_event<'b, R: BufRead>(
    xml: &mut Reader<LineCounting<R>>,
    buf: &'b mut Vec<u8>,
) -> Result<(Event<'b>, u64), ReadError> {
    let event = xml.read_event_into(buf);
    let line = xml.get_ref().line();
    event
        .map(|e| (e, line))
        .map_err(|e| malformed(line, format!("not well-formed XML: {e}")))
}
