//! The aeroplane catalogue file, `aeroplane_model.json` (manufacturer -> model -> specs): written
//! from [`MODELS`] by the generator, read back and flattened by the extract into the
//! `aeroplane_models` table, which the aeroplanes are then checked against.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::array::{Int64Builder, StringBuilder};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::basic::Compression;

use crate::air_boltic::catalogue::{MODELS, raw};
use crate::error::{PipelineError, Result};
use crate::extract::reader::missing_input;
use crate::extract::stream::Extraction;
use crate::findings::{Recorder, TableCleaning};
use crate::location::Location;

/// The normalized table the catalogue becomes.
const MODELS_TABLE: &str = "aeroplane_models";

/// The catalogue JSON, nested manufacturer -> model -> specs, in catalogue order.
pub(crate) fn catalogue_json() -> Result<Bytes> {
    let mut root = serde_json::Map::new();
    for spec in MODELS {
        let maker = root
            .entry(spec.manufacturer)
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if let serde_json::Value::Object(models) = maker {
            models.insert(
                spec.model.to_string(),
                serde_json::json!({
                    "max_seats": spec.max_seats,
                    "max_weight": spec.max_weight,
                    "max_distance": spec.max_distance,
                    "engine_type": spec.engine_type,
                }),
            );
        }
    }
    let text = serde_json::to_vec_pretty(&serde_json::Value::Object(root))
        .map_err(|e| PipelineError::Internal(e.to_string()))?;
    Ok(Bytes::from(text))
}

/// Specs of a catalogue model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub(crate) max_seats: Option<i64>,
    pub(crate) max_weight: Option<i64>,
    pub(crate) max_distance: Option<i64>,
    pub(crate) engine_type: Option<String>,
}

/// The catalogue read back: specs by `(manufacturer, model)`.
pub type Catalogue = HashMap<(String, String), Spec>;

/// Parse and flatten `aeroplane_model.json` and write it as the `aeroplane_models` table.
pub(crate) async fn extract_models(run: &mut Extraction<'_>) -> Result<Catalogue> {
    let folder = run.folder(MODELS_TABLE);
    let (catalogue, cleaning) = models_file(run, raw::MODEL_CATALOGUE, &folder).await?;
    run.record(MODELS_TABLE, cleaning);
    Ok(catalogue)
}

/// Read the catalogue `file` and write its `aeroplane_models` rows as one Parquet file in
/// `folder` (relative to the run's destination, ending in `/`); the catalogue and the count.
pub(crate) async fn models_file(
    run: &Extraction<'_>,
    file: &str,
    folder: &str,
) -> Result<(Catalogue, TableCleaning)> {
    let (catalogue, rows) = read_catalogue(run.raw_location(), file).await?;
    let batch = models_batch(run.schema(MODELS_TABLE), &catalogue, &rows)?;
    let mut writer = run.table_writer(MODELS_TABLE, folder, Compression::UNCOMPRESSED)?;
    writer.write(&batch).await?;
    writer.close().await?;
    let n = rows.len() as u64;
    let display = run.raw_location().display_of(file);
    Ok((catalogue, Recorder::new(MODELS_TABLE).finish(display, n, n)))
}

/// The catalogue `file` under `raw_location`, parsed, with its `(manufacturer, model)` rows in
/// file order.
pub(crate) async fn read_catalogue(
    raw_location: &Location,
    file: &str,
) -> Result<(Catalogue, Vec<(String, String)>)> {
    let display = raw_location.display_of(file);
    let bytes = raw_location
        .read_optional(file)
        .await?
        .ok_or_else(|| missing_input(raw_location, file))?;
    parse_catalogue(&display, &bytes)
}

/// The `aeroplane_models` rows, in file order.
fn models_batch(
    schema: SchemaRef,
    catalogue: &Catalogue,
    rows: &[(String, String)],
) -> Result<RecordBatch> {
    let mut manufacturer = StringBuilder::new();
    let mut model = StringBuilder::new();
    let (mut seats, mut weight, mut distance) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    let mut engine = StringBuilder::new();
    for (maker, name) in rows {
        let spec = &catalogue[&(maker.clone(), name.clone())];
        manufacturer.append_value(maker);
        model.append_value(name);
        seats.append_option(spec.max_seats);
        weight.append_option(spec.max_weight);
        distance.append_option(spec.max_distance);
        engine.append_option(spec.engine_type.as_deref());
    }
    Ok(RecordBatch::try_new(
        schema,
        vec![
            Arc::new(manufacturer.finish()),
            Arc::new(model.finish()),
            Arc::new(seats.finish()),
            Arc::new(weight.finish()),
            Arc::new(distance.finish()),
            Arc::new(engine.finish()),
        ],
    )?)
}

/// Flatten the nested catalogue `{manufacturer: {model: {max_seats, ...}}}`; also returns the
/// `(manufacturer, model)` pairs in file order.
pub fn parse_catalogue(display: &str, bytes: &[u8]) -> Result<(Catalogue, Vec<(String, String)>)> {
    let bad = |message: String| PipelineError::bad_input(display, None, None, message);
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let at = format!(" at line {} column {}", e.line(), e.column());
        let message = e.to_string().trim_end_matches(&at).to_string();
        PipelineError::bad_input(
            display,
            Some(e.line() as u64),
            Some(e.column() as u64),
            format!("malformed JSON: {message}"),
        )
    })?;
    let makers = value.as_object().ok_or_else(|| {
        bad("expected an object of manufacturers, like {\"Boeing\": {\"737-800\": {...}}}".into())
    })?;
    let mut catalogue = Catalogue::new();
    let mut order = Vec::new();
    for (maker, models) in makers {
        let models = models.as_object().ok_or_else(|| {
            bad(format!(
                "manufacturer '{maker}' must map model names to their specs"
            ))
        })?;
        for (model, spec) in models {
            let spec = spec.as_object().ok_or_else(|| {
                bad(format!(
                    "model '{maker}' '{model}' must be an object of specs"
                ))
            })?;
            let number = |key: &str| -> Result<Option<i64>> {
                match spec.get(key) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(v) => v
                        .as_i64()
                        .or_else(|| v.as_f64().map(|f| f.round() as i64))
                        .map(Some)
                        .ok_or_else(|| {
                            bad(format!(
                                "'{key}' of model '{maker}' '{model}' must be a number, found {v}"
                            ))
                        }),
                }
            };
            let parsed = Spec {
                max_seats: number("max_seats")?,
                max_weight: number("max_weight")?,
                max_distance: number("max_distance")?,
                engine_type: spec
                    .get("engine_type")
                    .and_then(|v| v.as_str())
                    .map(|s| s.trim().to_string()),
            };
            catalogue.insert((maker.trim().to_string(), model.trim().to_string()), parsed);
            order.push((maker.trim().to_string(), model.trim().to_string()));
        }
    }
    Ok((catalogue, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_errors_name_line_and_column() {
        let err = parse_catalogue(
            "m.json",
            b"{\n  \"Boeing\": {\n    \"737\": {\"max_seats\": 1,}\n  }\n}",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("'m.json' line 3 column"), "{text}");
        assert!(text.contains("malformed JSON"), "{text}");
        let err = parse_catalogue("m.json", br#"{"Boeing": {"737": {"max_seats": "many"}}}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("'max_seats' of model 'Boeing' '737' must be a number"),
            "{err}"
        );
    }
}
