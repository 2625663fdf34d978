//! Field cleaning every table shares: primary keys (empty or repeated keys drop the row) and
//! trimmed text, each fix counted in the table's [`Recorder`].

use std::collections::HashSet;

use crate::error::Result;
use crate::extract::reader::RawRows;
use crate::findings::{FindingKind, Recorder};

/// Ids seen so far: a bitset for the usual dense positive ids, a hash set for the rest.
#[derive(Debug, Default, Clone)]
pub struct IdSet {
    bits: Vec<u64>,
    sparse: HashSet<i64>,
}

const DENSE_LIMIT: i64 = 1 << 32;

impl IdSet {
    /// Insert; false when it was already there.
    pub fn insert(&mut self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            let (word, bit) = ((id / 64) as usize, id % 64);
            if word >= self.bits.len() {
                self.bits.resize((word + 1).next_power_of_two(), 0);
            }
            let fresh = self.bits[word] & (1 << bit) == 0;
            self.bits[word] |= 1 << bit;
            fresh
        } else {
            self.sparse.insert(id)
        }
    }

    /// Remove; false when it was not there.
    pub fn remove(&mut self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            let (word, bit) = ((id / 64) as usize, id % 64);
            let Some(w) = self.bits.get_mut(word) else {
                return false;
            };
            let was = *w & (1 << bit) != 0;
            *w &= !(1 << bit);
            was
        } else {
            self.sparse.remove(&id)
        }
    }

    /// Add every id of `other`.
    pub fn extend(&mut self, other: &IdSet) {
        if self.bits.len() < other.bits.len() {
            self.bits.resize(other.bits.len(), 0);
        }
        for (word, theirs) in self.bits.iter_mut().zip(&other.bits) {
            *word |= theirs;
        }
        self.sparse.extend(other.sparse.iter().copied());
    }

    /// Membership.
    pub fn contains(&self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            self.bits
                .get((id / 64) as usize)
                .is_some_and(|w| w & (1 << (id % 64)) != 0)
        } else {
            self.sparse.contains(&id)
        }
    }
}

/// The primary keys a cleaner has kept so far, which tell it a repeated key.
pub(crate) trait Seen {
    /// Note `id` as kept; false when it was kept before (the row is a duplicate).
    fn first(&mut self, id: i64) -> bool;
}

impl Seen for IdSet {
    fn first(&mut self, id: i64) -> bool {
        self.insert(id)
    }
}

/// The keys of a chunk cleaned on its own, in row order, every one taken as new: whether one was
/// kept before (in the chunk or earlier in the file) is checked when the chunk takes its place.
impl Seen for Vec<i64> {
    fn first(&mut self, id: i64) -> bool {
        self.push(id);
        true
    }
}

/// Reads the primary key of a row (its first field): empty keys drop the row, duplicates are
/// dropped too.
pub(crate) fn primary_key(
    rows: &RawRows,
    column: &str,
    seen: &mut dyn Seen,
    rec: &mut Recorder,
) -> Result<Option<i64>> {
    let line = rows.line();
    match rows.int(0, column)? {
        None => {
            rec.note(
                FindingKind::Dropped,
                &format!("'{column}' missing"),
                line,
                None,
            );
            Ok(None)
        }
        Some(id) if !seen.first(id) => {
            rec.note(
                FindingKind::Dropped,
                &format!("duplicate '{column}' (first kept)"),
                line,
                Some(id),
            );
            Ok(None)
        }
        Some(id) => Ok(Some(id)),
    }
}

/// Trim a text field, counting a fix when it changed; empty becomes null.
pub(crate) fn trimmed<'r>(
    rows: &'r RawRows,
    i: usize,
    what: &str,
    rec: &mut Recorder,
    id: i64,
) -> Option<&'r str> {
    let rawv = rows.raw(i);
    let text = rawv.trim();
    if text.len() != rawv.len() && !text.is_empty() {
        rec.note(
            FindingKind::Fixed,
            &format!("{what} trimmed"),
            rows.line(),
            Some(id),
        );
    }
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_set_handles_dense_and_sparse_ids() {
        let mut set = IdSet::default();
        assert!(set.insert(5));
        assert!(!set.insert(5));
        assert!(set.insert(-3));
        assert!(set.insert(1 << 40));
        assert!(set.contains(5) && set.contains(-3) && set.contains(1 << 40));
        assert!(!set.contains(6) && !set.contains(1_000_000));
        let mut other = IdSet::default();
        assert!(other.insert(1000) && other.insert(-7));
        other.extend(&set);
        assert!(other.contains(5) && other.contains(-3) && other.contains(1 << 40));
        assert!(other.contains(1000) && other.contains(-7) && !other.contains(6));
        assert!(other.remove(5) && other.remove(-3) && other.remove(1 << 40));
        assert!(!other.remove(5) && !other.remove(-3) && !other.remove(1 << 62));
        assert!(!other.contains(5) && other.contains(1000) && other.contains(-7));
    }
}
