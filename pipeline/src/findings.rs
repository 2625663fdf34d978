//! What cleaning did to the raw data: fixes, flags and dropped rows, counted and with examples.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kind of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The value was repaired (trimmed, normalized); the row is kept.
    Fixed,
    /// The row is kept as it is but looks wrong (a dangling reference, a trip ending before it starts).
    Flagged,
    /// The row was not written to the normalized table.
    Dropped,
}

/// One kind of problem in one table, with how often it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Normalized table the rows belong to.
    pub table: String,
    /// Fixed, flagged or dropped.
    pub kind: FindingKind,
    /// What happened, e.g. `email trimmed`.
    pub what: String,
    /// How many rows.
    pub count: u64,
    /// The first few rows it happened to, as `line N (id M)`.
    pub examples: Vec<String>,
}

const EXAMPLES: usize = 5;

/// Findings and row counts of one raw file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TableCleaning {
    /// Raw file it was read from.
    pub source: String,
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows written to the normalized table.
    pub rows_written: u64,
    /// Rows left out because a later load delivers the same key (a full build over loads).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_replaced: u64,
    /// Every finding, in a stable order.
    pub findings: Vec<Finding>,
}

/// Collects findings while a table is cleaned.
#[derive(Debug, Default)]
pub struct Recorder {
    table: String,
    found: BTreeMap<(FindingKind, String), Finding>,
}

impl Recorder {
    /// A recorder for `table`.
    pub fn new(table: &str) -> Self {
        Recorder {
            table: table.to_string(),
            found: BTreeMap::new(),
        }
    }

    /// Count one row that had `what` done to it (`line` is the 1-based line in the raw file).
    pub fn note(&mut self, kind: FindingKind, what: &str, line: u64, id: Option<i64>) {
        let finding = self
            .found
            .entry((kind, what.to_string()))
            .or_insert_with(|| Finding {
                table: self.table.clone(),
                kind,
                what: what.to_string(),
                count: 0,
                examples: Vec::new(),
            });
        finding.count += 1;
        if finding.examples.len() < EXAMPLES {
            finding.examples.push(match id {
                Some(id) => format!("line {line} (id {id})"),
                None => format!("line {line}"),
            });
        }
    }

    /// Add what `later` found in the rows after this recorder's (the next chunk of the file):
    /// counts add up, examples stay the first few in file order.
    pub fn absorb(&mut self, later: Recorder) {
        for (key, theirs) in later.found {
            let ours = self.found.entry(key).or_insert_with(|| Finding {
                table: theirs.table.clone(),
                kind: theirs.kind,
                what: theirs.what.clone(),
                count: 0,
                examples: Vec::new(),
            });
            ours.count += theirs.count;
            let room = EXAMPLES.saturating_sub(ours.examples.len());
            ours.examples.extend(theirs.examples.into_iter().take(room));
        }
    }

    /// Finish into the table's summary.
    pub fn finish(self, source: String, rows_read: u64, rows_written: u64) -> TableCleaning {
        TableCleaning {
            source,
            rows_read,
            rows_written,
            rows_replaced: 0,
            findings: self.found.into_values().collect(),
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
