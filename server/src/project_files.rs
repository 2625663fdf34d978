//! Reading a project's files from disk for the pure semantic crate.

use std::path::Path;

use anyhow::Context;
use boltic_semantic::SourceFile;

/// The semantic model files of a project: `<project>/semantic/*.yml` (and `.yaml`), sorted by
/// name. Each file is named by its path as given, so diagnostics point where an editor can open.
pub fn semantic_sources(project: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let dir = project.join("semantic");
    let entries = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read the semantic model folder '{}'; a project keeps its views and explores in <project>/semantic/*.yml", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        anyhow::bail!(
            "no semantic model files in '{}'; add views and explores as .yml files",
            dir.display()
        );
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read '{}'", path.display()))?;
            Ok(SourceFile::new(path.display().to_string(), text))
        })
        .collect()
}

/// Load and validate the project's semantic model; any error diagnostic fails, listing them all.
pub fn load_model(project: &Path) -> anyhow::Result<boltic_semantic::Model> {
    let sources = semantic_sources(project)?;
    let (model, diagnostics) = boltic_semantic::load(&sources);
    model.ok_or_else(|| {
        anyhow::anyhow!(
            "the semantic model has errors:\n{}",
            crate::diagnostics::render(&diagnostics)
        )
    })
}
