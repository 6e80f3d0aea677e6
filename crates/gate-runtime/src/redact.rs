//! Keeping secrets out of everything a gate prints.
//!
//! A token can reach our output by routes no single call site controls: a
//! server that echoes it in an error message, a report file that is really
//! a symlink to `/proc/self/environ`, a URL given with its password. So
//! besides never formatting a secret ourselves, every byte a gate writes to
//! stdout and stderr passes through a [`ScrubWriter`] that replaces each
//! known secret with `***`, and in `github` format the runner is told to
//! mask each one too (`::add-mask::`). URLs are shown without their user
//! information and query ([`url`], [`urls_in`]), which is where tokens sit.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use crate::runner::commands::write_add_mask;

/// Secrets shorter than this are not scrubbed: replacing every `ab` in a
/// report would wreck it and hide nothing.
const MIN_SECRET_LEN: usize = 6;

#[derive(Debug, Default)]
struct Inner {
    values: Vec<String>,
    /// Registered but not yet announced with `::add-mask::`.
    unannounced: Vec<String>,
}

/// The secrets of one run, shared by its writers. Cloning shares the set.
#[derive(Clone, Default)]
pub struct Secrets {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.lock().values.len();
        write!(f, "Secrets({n} held)")
    }
}

impl Secrets {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a secret value (a token, a webhook URL, a header value).
    /// Blank and very short values are ignored.
    pub fn add(&self, value: &str) {
        let value = value.trim();
        if value.len() < MIN_SECRET_LEN {
            return;
        }
        let mut inner = self.lock();
        if !inner.values.iter().any(|v| v == value) {
            inner.values.push(value.to_owned());
            // Longest first, so a secret that contains another is replaced whole.
            inner.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
            inner.unannounced.push(value.to_owned());
        }
    }

    /// `text` with every registered secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let inner = self.lock();
        let mut out = text.to_owned();
        for v in &inner.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "***");
            }
        }
        out
    }

    fn take_unannounced(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().unannounced)
    }
}

/// A writer that scrubs secrets from whole lines before passing them on. It
/// holds back a partial line until its newline (or a flush), so a secret
/// split across two writes is still caught. With `announce`, it first
/// writes `::add-mask::` for each secret registered since its last write;
/// those lines go out unscrubbed, as the runner needs the value.
pub struct ScrubWriter<W: Write> {
    inner: W,
    secrets: Secrets,
    announce: bool,
    pending: Vec<u8>,
}

impl<W: Write> ScrubWriter<W> {
    pub fn new(inner: W, secrets: Secrets, announce: bool) -> Self {
        Self {
            inner,
            secrets,
            announce,
            pending: Vec::new(),
        }
    }

    fn announce(&mut self) -> io::Result<()> {
        if self.announce {
            for secret in self.secrets.take_unannounced() {
                write_add_mask(&mut self.inner, &secret)?;
            }
        }
        Ok(())
    }

    fn pass(&mut self, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        let scrubbed = self.secrets.scrub(&text);
        if scrubbed == text {
            self.inner.write_all(bytes)
        } else {
            self.inner.write_all(scrubbed.as_bytes())
        }
    }
}

impl<W: Write> Write for ScrubWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.announce()?;
        // Only the new bytes are searched: a long line written in many
        // small pieces stays linear.
        let before = self.pending.len();
        self.pending.extend_from_slice(buf);
        if let Some(nl) = buf.iter().rposition(|&b| b == b'\n') {
            let rest = self.pending.split_off(before + nl + 1);
            let lines = std::mem::replace(&mut self.pending, rest);
            self.pass(&lines)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.announce()?;
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.pass(&rest)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for ScrubWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A URL as it may be shown: user information and query replaced by `***`,
/// fragment dropped. Works on text that does not parse as a URL too, since
/// an invalid URL is exactly the one an error message quotes.
pub fn url(s: &str) -> String {
    let (scheme, rest) = match s.find("://") {
        Some(i) => (&s[..i + 3], &s[i + 3..]),
        None => ("", s),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("***@{}", &authority[at + 1..]),
        None => authority.to_owned(),
    };
    let tail = tail.split('#').next().unwrap_or("");
    let tail = match tail.split_once('?') {
        Some((path, _)) => format!("{path}?***"),
        None => tail.to_owned(),
    };
    format!("{scheme}{authority}{tail}")
}

/// `text` with every `http://` or `https://` URL in it shown as [`url`]
/// shows it (error messages from HTTP clients embed the URL).
pub fn urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["http://", "https://"]
            .iter()
            .filter_map(|p| {
                rest.char_indices()
                    .filter(|(i, _)| {
                        rest[*i..]
                            .get(..p.len())
                            .is_some_and(|h| h.eq_ignore_ascii_case(p))
                    })
                    .map(|(i, _)| i)
                    .next()
            })
            .min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let len = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')'))
            .unwrap_or(after.len());
        out.push_str(&url(&after[..len]));
        rest = &after[len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression (#12.6, security review): an invalid URL was echoed whole, password and query
    // token included.
    #[test]
    fn urls_lose_their_credentials_and_query() {
        assert_eq!(
            url("https://user:pa55word@example.com:8443/health?token=s3cret#frag"),
            "https://***@example.com:8443/health?***"
        );
        assert_eq!(url("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
        assert_eq!(url("https://example.com/a/b"), "https://example.com/a/b");
        // Invalid URLs are the ones errors quote.
        assert_eq!(url("ht!tp://u:p@h x/?k=v"), "ht!tp://***@h x/?***");
        assert_eq!(url("u:p@host/path?x"), "***@host/path?***");
        assert_eq!(url(""), "");
    }

    #[test]
    fn urls_inside_text_are_redacted() {
        assert_eq!(
            urls_in(
                "error sending request for url (https://a:b@h/x?t=1): refused; see HTTP://c:d@e/"
            ),
            "error sending request for url (https://***@h/x?***): refused; see HTTP://***@e/"
        );
        assert_eq!(urls_in("no urls here"), "no urls here");
        assert_eq!(
            urls_in("ünïcode https://h/?q é"),
            "ünïcode https://h/?*** é"
        );
    }

    #[test]
    fn secrets_are_scrubbed_even_across_writes() {
        let secrets = Secrets::new();
        secrets.add("ghs_abcdefghijkl");
        secrets.add("abc"); // too short to scrub
        let mut out = Vec::new();
        {
            let mut w = ScrubWriter::new(&mut out, secrets.clone(), false);
            write!(w, "token ghs_abc").unwrap();
            writeln!(w, "defghijkl echoed").unwrap();
            write!(w, "tail ghs_abcdefghijkl").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "token *** echoed\ntail ***"
        );
    }

    /// A 4 MB line written a byte at a time: linear, not quadratic (it
    /// took minutes when each write rescanned the whole pending line).
    #[test]
    fn a_long_line_in_small_writes_passes_through_whole() {
        let secrets = Secrets::new();
        secrets.add("secret-value-1");
        let mut out = Vec::new();
        {
            let mut w = ScrubWriter::new(&mut out, secrets, false);
            for _ in 0..4_000_000 {
                w.write_all(b"x").unwrap();
            }
            w.write_all(b"secret-value-1\n").unwrap();
        }
        assert_eq!(out.len(), 4_000_000 + 4);
        assert!(out.ends_with(b"***\n"));
    }

    #[test]
    fn masks_are_announced_once_and_unscrubbed() {
        let secrets = Secrets::new();
        secrets.add("hooks.slack.example/T000/SECRET");
        let mut out = Vec::new();
        {
            let mut w = ScrubWriter::new(&mut out, secrets.clone(), true);
            writeln!(w, "posting to hooks.slack.example/T000/SECRET").unwrap();
            secrets.add("header-value-123");
            writeln!(w, "sent header-value-123").unwrap();
            writeln!(w, "done").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::add-mask::hooks.slack.example/T000/SECRET\nposting to ***\n::add-mask::header-value-123\nsent ***\ndone\n"
        );
    }

    #[test]
    fn a_secret_containing_another_is_replaced_whole() {
        let secrets = Secrets::new();
        secrets.add("secret");
        secrets.add("secret-and-more");
        assert_eq!(secrets.scrub("x secret-and-more y secret"), "x *** y ***");
    }
}
