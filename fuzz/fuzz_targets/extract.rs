//! Any bytes as one of the raw files (the first byte picks which; the other files are the seed
//! data): cleaning never panics, a refused file is a bad-input error that names it, and what
//! is kept is counted consistently.
#![no_main]

use std::sync::OnceLock;

use boltic_pipeline::{Location, PipelineError, Progress, air_boltic};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 6] = [
    "customer_group.csv",
    "aeroplane.csv",
    "customer.csv",
    "trip.csv",
    "order.csv",
    "aeroplane_model.json",
];
const SEED: [&[u8]; 6] = [
    include_bytes!("../../demo/air_boltic/raw/customer_group.csv"),
    include_bytes!("../../demo/air_boltic/raw/aeroplane.csv"),
    include_bytes!("../../demo/air_boltic/raw/customer.csv"),
    include_bytes!("../../demo/air_boltic/raw/trip.csv"),
    include_bytes!("../../demo/air_boltic/raw/order.csv"),
    include_bytes!("../../demo/air_boltic/raw/aeroplane_model.json"),
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let fuzzed = pick as usize % FILES.len();
    runtime().block_on(async {
        let raw = Location::memory("raw");
        for (i, name) in FILES.iter().enumerate() {
            let bytes = if i == fuzzed { content } else { SEED[i] };
            raw.write(name, bytes.to_vec()).await.expect("memory write");
        }
        let warehouse = Location::memory("wh");
        match air_boltic::extract(&raw, &warehouse, &|t: &str| format!("v/{t}/"), &Progress::hidden()).await {
            Ok(extracted) => {
                for cleaning in &extracted.cleaning {
                    assert!(
                        cleaning.rows_written <= cleaning.rows_read,
                        "{cleaning:?}"
                    );
                }
                for table in &extracted.tables {
                    let files = warehouse.list_files(&table.path).await.expect("list");
                    assert_eq!(files.len(), 1, "one Parquet file per table");
                }
            }
            Err(PipelineError::BadInput { position, message }) => {
                assert!(
                    FILES.iter().any(|f| position.file.ends_with(f)),
                    "{position}: {message}"
                );
                assert!(!message.is_empty());
            }
            Err(other) => panic!("not a bad-input error: {other}"),
        }
    });
});
