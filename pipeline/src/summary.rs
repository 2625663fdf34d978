//! The human summary of a run, printed at the end of `boltic pipeline run`.

use std::fmt;

use crate::checks::{TestScope, TestStatus};
use crate::findings::FindingKind;
use crate::maintenance::{Compaction, OptimizeReport, VacuumReport};
use crate::run::{Outcome, RunReport};
use crate::warehouse::Layer;

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous = self.previous_version.as_deref().unwrap_or("none");
        match self.outcome {
            Outcome::UpToDate => {
                return writeln!(
                    f,
                    "warehouse '{}' is up to date at version {} (inputs unchanged; pass --force to rebuild)",
                    self.warehouse, self.version
                );
            }
            Outcome::Published => writeln!(
                f,
                "published version {} to '{}' (previous: {previous})",
                self.version, self.warehouse
            )?,
            Outcome::Blocked => writeln!(
                f,
                "NOT published: version {} failed data tests; '{}' still serves {previous}",
                self.version, self.warehouse
            )?,
        }
        writeln!(f, "\ntables")?;
        for table in &self.tables {
            let layer = match table.layer {
                Layer::Model => "model",
                Layer::Normalized => "normalized",
            };
            writeln!(
                f,
                "  {:<18} {:<10} {:>12} rows {:>10}",
                table.name,
                layer,
                table.rows,
                human_bytes(table.bytes)
            )?;
        }
        if !self.loads_read.is_empty() {
            let how = if self.incremental {
                "upserted into the published tables"
            } else {
                "every table built from them"
            };
            writeln!(f, "\nloads read ({}, {how})", self.loads_read.len())?;
            for file in &self.loads_read {
                writeln!(f, "  {file}")?;
            }
        }
        if !self.changes.is_empty() {
            writeln!(f, "\nchanges")?;
            for table in &self.changes {
                writeln!(
                    f,
                    "  {:<18} {:>10} inserted {:>10} updated {:>10} unchanged",
                    table.name, table.inserted, table.updated, table.unchanged
                )?;
            }
        }
        writeln!(f, "\ncleaning")?;
        for table in &self.cleaning {
            let replaced = match table.rows_replaced {
                0 => String::new(),
                n => format!(", {n} replaced by later loads"),
            };
            writeln!(
                f,
                "  {} ({} rows read, {} written{replaced})",
                table.source, table.rows_read, table.rows_written
            )?;
            for finding in &table.findings {
                let kind = match finding.kind {
                    FindingKind::Fixed => "fixed",
                    FindingKind::Flagged => "flagged",
                    FindingKind::Dropped => "dropped",
                };
                writeln!(
                    f,
                    "    {kind:<8} {:>10}  {}  e.g. {}",
                    finding.count,
                    finding.what,
                    finding.examples.join(", ")
                )?;
            }
        }
        let count = |s: TestStatus| self.tests.iter().filter(|t| t.status == s).count();
        writeln!(
            f,
            "\ndata tests: {} passed, {} warned, {} failed",
            count(TestStatus::Pass),
            count(TestStatus::Warn),
            count(TestStatus::Fail)
        )?;
        for test in self.tests.iter().filter(|t| t.status != TestStatus::Pass) {
            let status = if test.status == TestStatus::Fail {
                "FAIL"
            } else {
                "warn"
            };
            let rows = match test.scope {
                TestScope::Table => "rows",
                TestScope::Changed => "rows this run changed",
            };
            match test.checked_rows {
                Some(checked) => writeln!(
                    f,
                    "  {status}  {}: {} of {checked} {rows}",
                    test.test.name, test.failing_rows
                )?,
                None => writeln!(
                    f,
                    "  {status}  {}: {} rows",
                    test.test.name, test.failing_rows
                )?,
            }
        }
        write_compacted(f, &self.compacted)?;
        if !self.removed_versions.is_empty() {
            writeln!(
                f,
                "\nremoved old versions: {}",
                self.removed_versions.join(", ")
            )?;
        }
        let timings: Vec<String> = self
            .timings_ms
            .iter()
            .map(|(k, v)| format!("{k} {:.2}s", *v as f64 / 1000.0))
            .collect();
        writeln!(f, "\ntimings: {}", timings.join(", "))?;
        write!(
            f,
            "report: {}/versions/{}/report.json",
            self.warehouse.trim_end_matches('/'),
            self.version
        )
    }
}

/// The tables a run or `warehouse optimize` compacted.
fn write_compacted(f: &mut fmt::Formatter<'_>, compacted: &[Compaction]) -> fmt::Result {
    if compacted.is_empty() {
        return Ok(());
    }
    writeln!(f, "\ncompacted (small files rewritten, rows unchanged)")?;
    for table in compacted {
        writeln!(
            f,
            "  {:<18} {:>5} files {:>10} -> {:>5} files {:>10}  (Delta version {})",
            table.table,
            table.files_before,
            human_bytes(table.bytes_before),
            table.files_after,
            human_bytes(table.bytes_after),
            table.delta_version
        )?;
    }
    Ok(())
}

impl fmt::Display for OptimizeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            None => write!(
                f,
                "nothing to compact: no table has enough small files; version {} stays current",
                self.previous_version
            )?,
            Some(version) => {
                write!(
                    f,
                    "published version {version} with compacted tables (previous: {})",
                    self.previous_version
                )?;
                write_compacted(f, &self.compacted)?;
            }
        }
        if !self.removed_versions.is_empty() {
            write!(
                f,
                "\nremoved old versions: {}",
                self.removed_versions.join(", ")
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for VacuumReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "vacuumed: {} files ({}) deleted; {} files ({}) remain",
            self.files_before.saturating_sub(self.files_after),
            human_bytes(self.bytes_before.saturating_sub(self.bytes_after)),
            self.files_after,
            human_bytes(self.bytes_after)
        )?;
        let removed = if self.removed_versions.is_empty() {
            "none".to_string()
        } else {
            self.removed_versions.join(", ")
        };
        writeln!(f, "removed versions: {removed}")?;
        write!(
            f,
            "kept versions: {} (current: {})",
            self.kept_versions.join(", "),
            self.current_version
        )
    }
}
