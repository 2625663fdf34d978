//! Raw loads: the hive-style folders `<table>/load_date=<YYYY-MM-DD>/` that daily batches of
//! raw files arrive in (written by [`super::generate_loads`], read by the pipeline).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::error::Result;
use crate::location::{FileMeta, Location};

/// What a load folder's name starts with.
const LOAD_PREFIX: &str = "load_date=";

/// One load of one raw table: the files of `<table>/load_date=<date>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLoad {
    /// The table's folder (the raw file's stem, e.g. `order`).
    pub table: String,
    /// The date in the folder's name.
    pub load_date: NaiveDate,
    /// The files in the folder, paths relative to the raw location, sorted by name.
    pub files: Vec<FileMeta>,
}

/// The name of the load folder of `date`: `load_date=2024-12-21`.
pub fn load_folder(date: NaiveDate) -> String {
    format!("{LOAD_PREFIX}{}", date.format("%Y-%m-%d"))
}

/// The date of a load folder named `load_date=YYYY-MM-DD` (exactly: four-digit year, two-digit
/// month and day, a real date); `None` for any other name.
pub fn parse_load_folder(name: &str) -> Option<NaiveDate> {
    let date = name.strip_prefix(LOAD_PREFIX)?;
    let shaped = date.len() == 10
        && date.bytes().enumerate().all(|(i, c)| match i {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok())
        .flatten()
}

/// Every load under `raw`, sorted by table, date and file name. A load is a file at
/// `<table>/load_date=<YYYY-MM-DD>/<file>`; anything else is not part of a load (the flat files
/// of `boltic generate` without batches, deeper folders, and hidden files whose names start with
/// `.` or `_`, such as `_SUCCESS`), so a flat raw folder has no loads.
pub async fn list_loads(raw: &Location) -> Result<Vec<RawLoad>> {
    let mut loads: BTreeMap<(String, NaiveDate), Vec<FileMeta>> = BTreeMap::new();
    for file in raw.list_files("").await? {
        let parts: Vec<&str> = file.path.split('/').collect();
        let [table, folder, name] = parts[..] else {
            continue;
        };
        let hidden = name.starts_with('.') || name.starts_with('_');
        let Some(date) = parse_load_folder(folder).filter(|_| !table.is_empty() && !hidden) else {
            continue;
        };
        let key = (table.to_string(), date);
        loads.entry(key).or_default().push(file);
    }
    Ok(loads
        .into_iter()
        .map(|((table, load_date), mut files)| {
            files.sort_by(|a, b| a.path.cmp(&b.path));
            RawLoad {
                table,
                load_date,
                files,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_folders_are_named_by_their_date() {
        let date = NaiveDate::from_ymd_opt(2024, 12, 1).expect("date");
        assert_eq!(load_folder(date), "load_date=2024-12-01");
        assert_eq!(parse_load_folder("load_date=2024-12-01"), Some(date));
        for other in [
            "load_date=2024-12-1",
            "load_date=2024-02-30",
            "load_date=+2024-12-01",
            "load_date=2024-12-01 ",
            "load_date=",
            "date=2024-12-01",
            "order.csv",
            "load_date=2024/12/01",
        ] {
            assert_eq!(parse_load_folder(other), None, "{other}");
        }
    }
}
