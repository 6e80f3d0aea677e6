//! The process's own channels as a gate sees them: the reader and writers a
//! front end injects ([`GateIo`](crate::GateIo)), never `std::io::stdin()`
//! or `stdout()` directly, so a test or an in-process front end (`trunkline
//! check`) hands in its own.
//!
//! The API client prints a dry run's `would METHOD PATH` lines while the
//! gate runs, deep inside async code that holds no writer. It writes them
//! to [`PendingLines`], and [`Draining`] prints them through the injected
//! writer just before that writer's next byte, so they come out where they
//! were made, in the order they were made.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// Lines written but not yet printed: the API client's dry-run lines, which
/// wait here for the writer that owns their place in the output.
#[derive(Clone, Default)]
pub struct PendingLines(Arc<Mutex<Vec<u8>>>);

/// Says how much waits, without holding the lock while it prints: the
/// printing may go through a [`Draining`] writer on these very lines (a
/// context printed with `{:?}`), which takes the lock itself.
impl std::fmt::Debug for PendingLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = self.0.lock().unwrap_or_else(PoisonError::into_inner).len();
        write!(f, "PendingLines({waiting} bytes)")
    }
}

impl PendingLines {
    /// Takes what is waiting, leaving nothing.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for PendingLines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that first prints whatever [`PendingLines`] holds; with no
/// pending lines attached it only passes bytes through. Flushing prints
/// what waits, so a flush at the end of a run leaves nothing behind.
pub struct Draining<'a> {
    inner: &'a mut dyn Write,
    pending: Option<PendingLines>,
}

impl<'a> Draining<'a> {
    /// `inner`, printing `pending` (when given) before its next write.
    pub fn new(inner: &'a mut dyn Write, pending: Option<PendingLines>) -> Self {
        Draining { inner, pending }
    }

    fn drain(&mut self) -> io::Result<()> {
        if let Some(pending) = &self.pending {
            let waiting = pending.take();
            if !waiting.is_empty() {
                self.inner.write_all(&waiting)?;
            }
        }
        Ok(())
    }
}

impl Write for Draining<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.drain()?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_lines_come_out_before_the_next_write_in_order() {
        let pending = PendingLines::default();
        let mut out = Vec::new();
        {
            let mut w = Draining::new(&mut out, Some(pending.clone()));
            w.write_all(b"first\n").unwrap();
            pending.clone().write_all(b"would POST /a\n").unwrap();
            pending.clone().write_all(b"would POST /b\n").unwrap();
            w.write_all(b"report\n").unwrap();
            pending.clone().write_all(b"would PATCH /c\n").unwrap();
            w.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "first\nwould POST /a\nwould POST /b\nreport\nwould PATCH /c\n"
        );
        assert!(pending.take().is_empty());
    }

    // Regression: printing a context with `{:?}` through the writer that
    // drains its own pending lines deadlocked, the derived Debug holding the
    // lock the writer then took.
    #[test]
    fn printing_the_pending_lines_through_their_own_writer_does_not_deadlock() {
        let pending = PendingLines::default();
        pending.clone().write_all(b"would POST /a\n").unwrap();
        let mut out = Vec::new();
        write!(
            Draining::new(&mut out, Some(pending.clone())),
            "{pending:?}"
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "would POST /a\nPendingLines(14 bytes)"
        );
    }

    #[test]
    fn a_writer_without_pending_lines_leaves_them_waiting() {
        let pending = PendingLines::default();
        pending.clone().write_all(b"would POST /a\n").unwrap();
        let mut out = Vec::new();
        Draining::new(&mut out, None).write_all(b"x\n").unwrap();
        assert_eq!(out, b"x\n");
        assert_eq!(pending.take(), b"would POST /a\n");
    }
}
