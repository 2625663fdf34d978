// Shared by the targets: the demo model (loaded once) and a fixed "now".
#![allow(dead_code)]

use std::sync::OnceLock;

use boltic_semantic::{Model, SourceFile, load};

/// The demo project's model.
pub fn demo() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let files = [
            (
                "views.yml",
                include_str!("../../demo/air_boltic/semantic/views.yml"),
            ),
            (
                "explores.yml",
                include_str!("../../demo/air_boltic/semantic/explores.yml"),
            ),
            (
                "dashboards.yml",
                include_str!("../../demo/air_boltic/semantic/dashboards.yml"),
            ),
        ];
        let files: Vec<SourceFile> = files.iter().map(|(n, t)| SourceFile::new(*n, *t)).collect();
        load(&files).0.expect("the demo model loads")
    })
}

/// A fixed wall-clock time, so runs are reproducible.
pub fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 8, 15)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .expect("a valid time")
}
