//! Sorted counts packed as variable-length integers.
//!
//! A 100 MB tracefile holds millions of line and branch records. As map
//! entries they take several times the report's own size; packed as LEB128
//! varints, keys delta-coded, a line takes two or three bytes, so the whole
//! model stays well under half the input (the benchmark in `bench/coverage`
//! checks it). The price is that lookups scan: fine for a few hundred
//! records per file.

/// Appends `v` as an unsigned LEB128 varint.
pub(crate) fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads varints back from a packed buffer.
#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The next varint; `None` at the end (the buffers are ours, so only
    /// there).
    pub(crate) fn varint(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = *self.bytes.get(self.pos)?;
            self.pos += 1;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }

    /// The next `n` raw bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
}

/// A map from `[u32; N]` keys to counts, sorted by key and packed: the
/// first key part as a delta from the previous record's, the other parts
/// and the count as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Packed<const N: usize> {
    bytes: Box<[u8]>,
    len: usize,
    /// How many counts are above zero, known without unpacking.
    nonzero: usize,
}

impl<const N: usize> Packed<N> {
    /// Packs `entries`, given in any order; equal keys are summed
    /// (saturating). Leaves `entries` empty, its capacity kept for reuse;
    /// `scratch` is a reusable buffer.
    pub(crate) fn from_entries(entries: &mut Vec<([u32; N], u64)>, scratch: &mut Vec<u8>) -> Self {
        if !entries.is_sorted_by(|a, b| a.0 <= b.0) {
            // Stable, and fast on runs: a merge of two packed maps is two runs.
            entries.sort_by_key(|e| e.0);
        }
        scratch.clear();
        let (mut len, mut nonzero) = (0, 0);
        let mut prev_first = 0u32;
        let mut i = 0;
        while let Some(&(key, mut count)) = entries.get(i) {
            i += 1;
            while let Some((next, c)) = entries.get(i) {
                if *next != key {
                    break;
                }
                count = count.saturating_add(*c);
                i += 1;
            }
            put(scratch, u64::from(key[0] - prev_first));
            prev_first = key[0];
            for part in &key[1..] {
                put(scratch, u64::from(*part));
            }
            put(scratch, count);
            len += 1;
            nonzero += usize::from(count > 0);
        }
        entries.clear();
        Self {
            bytes: Box::from(&scratch[..]),
            len,
            nonzero,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many counts are above zero.
    pub(crate) fn nonzero(&self) -> usize {
        self.nonzero
    }

    pub(crate) fn iter(&self) -> Iter<'_, N> {
        Iter {
            cursor: Cursor::new(&self.bytes),
            first: 0,
        }
    }
}

/// Builds a [`Packed`] from records added one by one. Records nearly always
/// come in key order, each key once: those are packed as they come. The
/// first one out of order turns the packer into a plain list, sorted and
/// summed by `finish`.
#[derive(Debug, Default)]
pub(crate) struct Packer<const N: usize> {
    bytes: Vec<u8>,
    last: Option<[u32; N]>,
    len: usize,
    nonzero: usize,
    /// Every record so far, once one came out of order.
    unordered: Vec<([u32; N], u64)>,
}

impl<const N: usize> Packer<N> {
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0 && self.unordered.is_empty()
    }

    #[inline]
    pub(crate) fn add(&mut self, key: [u32; N], count: u64) {
        if !self.unordered.is_empty() {
            self.unordered.push((key, count));
            return;
        }
        let prev_first = match self.last {
            None => 0,
            Some(last) if key > last => last[0],
            Some(_) => {
                self.unordered = self.drain().collect();
                self.unordered.push((key, count));
                return;
            }
        };
        put(&mut self.bytes, u64::from(key[0] - prev_first));
        for part in &key[1..] {
            put(&mut self.bytes, u64::from(*part));
        }
        put(&mut self.bytes, count);
        self.last = Some(key);
        self.len += 1;
        self.nonzero += usize::from(count > 0);
    }

    /// Every record so far, leaving the packer empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = ([u32; N], u64)> + use<N> {
        let bytes = std::mem::take(&mut self.bytes);
        let unordered = std::mem::take(&mut self.unordered);
        self.last = None;
        self.len = 0;
        self.nonzero = 0;
        let packed = Packed {
            bytes: bytes.into_boxed_slice(),
            len: 0,
            nonzero: 0,
        };
        let decoded: Vec<_> = packed.iter().collect();
        decoded.into_iter().chain(unordered)
    }

    /// The map: repeats summed. The packer is left empty, its buffers kept.
    pub(crate) fn finish(&mut self) -> Packed<N> {
        if !self.unordered.is_empty() {
            let packed = Packed::from_entries(&mut self.unordered, &mut self.bytes);
            self.bytes.clear();
            return packed;
        }
        let packed = Packed {
            bytes: Box::from(&self.bytes[..]),
            len: self.len,
            nonzero: self.nonzero,
        };
        self.bytes.clear();
        self.last = None;
        self.len = 0;
        self.nonzero = 0;
        packed
    }
}

/// The records of a [`Packed`], in key order.
#[derive(Clone)]
pub(crate) struct Iter<'a, const N: usize> {
    cursor: Cursor<'a>,
    first: u32,
}

impl<const N: usize> Iterator for Iter<'_, N> {
    type Item = ([u32; N], u64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.cursor.at_end() {
            return None;
        }
        let mut key = [0u32; N];
        // Every part was a u32 when packed, and deltas are never negative.
        self.first = self.first.wrapping_add(self.cursor.varint()? as u32);
        key[0] = self.first;
        for part in key.iter_mut().skip(1) {
            *part = self.cursor.varint()? as u32;
        }
        Some((key, self.cursor.varint()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sums_and_sorts() {
        let mut entries = vec![
            ([7, 1], 3),
            ([2, 0], u64::MAX),
            ([7, 1], 4),
            ([2, 0], 1),
            ([u32::MAX, u32::MAX], 0),
            ([0, 5], 1 << 40),
        ];
        let p = Packed::<2>::from_entries(&mut entries, &mut Vec::new());
        assert!(entries.is_empty());
        assert_eq!((p.len(), p.nonzero()), (4, 3));
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![
                ([0, 5], 1 << 40),
                ([2, 0], u64::MAX),
                ([7, 1], 7),
                ([u32::MAX, u32::MAX], 0)
            ]
        );
        assert_eq!(Packed::<1>::default().iter().count(), 0);
    }

    #[test]
    fn a_packer_takes_records_in_any_order() {
        let mut p = Packer::<1>::default();
        for (line, hits) in [(1, 1), (2, 0), (9, 5)] {
            p.add([line], hits);
        }
        assert!(!p.is_empty());
        let in_order = p.finish();
        assert!(p.is_empty());
        assert_eq!((in_order.len(), in_order.nonzero()), (3, 2));
        for (line, hits) in [(1, 1), (9, 2), (2, 0), (9, 3)] {
            p.add([line], hits);
        }
        let out_of_order = p.finish();
        assert_eq!(in_order, out_of_order);
        p.add([4], 1);
        assert_eq!(p.finish().iter().collect::<Vec<_>>(), [([4], 1)]);
    }

    #[test]
    fn varints() {
        let mut out = Vec::new();
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            out.clear();
            put(&mut out, v);
            assert_eq!(Cursor::new(&out).varint(), Some(v));
        }
        assert_eq!(Cursor::new(&[0x80]).varint(), None);
    }
}
