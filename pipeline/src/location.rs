//! Locations: where raw files and the warehouse live.
//!
//! A location is a string: a local path (`data/warehouse`, `/srv/boltic`, `file:///srv/boltic`)
//! or an S3 URL (`s3://bucket/prefix`). S3 settings come from the usual `AWS_*` variables
//! (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_ALLOW_HTTP`, `AWS_VIRTUAL_HOSTED_STYLE_REQUEST`); requests are path-style by default, so
//! MinIO, LocalStack and moto work as they are. An `http://` endpoint turns on plain HTTP.
//! Local folders are created by the first write into them.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use url::Url;

use crate::error::{PipelineError, Result};

/// A folder in an object store, with the URL DataFusion uses to reach it.
#[derive(Clone)]
pub struct Location {
    store: Arc<dyn ObjectStore>,
    /// `file://` or `s3://bucket`, the key the store is registered under in DataFusion.
    store_url: Url,
    /// The folder inside the store.
    prefix: Path,
    /// The location as the user wrote it, for messages.
    display: String,
    /// The folder on the local file system, for a local location (to fsync what was written).
    local_root: Option<std::path::PathBuf>,
}

/// A file under a location: its path relative to the location, size and ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// Slash-separated path relative to the location.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// The store's ETag, where it gives one.
    pub e_tag: Option<String>,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Location")
            .field("location", &self.display)
            .finish()
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl Location {
    /// Parse a location string; S3 settings come from the environment.
    pub fn parse(location: &str) -> Result<Self> {
        Self::parse_with(location, &[])
    }

    /// Like [`Location::parse`], with S3 settings that override the environment, named like the
    /// variables (`aws_endpoint_url`, `aws_access_key_id`, ...).
    pub fn parse_with(location: &str, s3_options: &[(&str, &str)]) -> Result<Self> {
        let invalid = |reason: String| PipelineError::InvalidLocation {
            location: location.to_string(),
            reason,
        };
        if location.trim().is_empty() {
            return Err(invalid(
                "it is empty; give a folder or an s3://bucket/prefix URL".into(),
            ));
        }
        match location.split_once("://") {
            Some(("s3" | "s3a", rest)) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(invalid(
                        "the bucket name is missing; write s3://bucket/prefix".into(),
                    ));
                }
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                for (key, value) in s3_options {
                    let key = key
                        .to_ascii_lowercase()
                        .parse()
                        .map_err(|e| invalid(format!("{e}")))?;
                    builder = builder.with_config(key, *value);
                }
                let setting = |name: &str| {
                    s3_options
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.to_string())
                        .or_else(|| std::env::var(name.to_ascii_uppercase()).ok())
                };
                let endpoint = setting("aws_endpoint_url").or_else(|| setting("aws_endpoint"));
                if endpoint
                    .as_deref()
                    .is_some_and(|e| e.starts_with("http://"))
                {
                    builder = builder.with_allow_http(true);
                }
                if setting("aws_region").is_none() && setting("aws_default_region").is_none() {
                    builder = builder.with_region("us-east-1");
                }
                let store = builder
                    .build()
                    .map_err(|e| invalid(format!("{e}; check the AWS_* variables")))?;
                let store_url = Url::parse(&format!("s3://{bucket}")).map_err(|e| {
                    invalid(format!(
                        "{e}; bucket names are lowercase letters, digits, dots and dashes"
                    ))
                })?;
                Ok(Location {
                    store: Arc::new(store),
                    store_url,
                    prefix: Path::from(prefix.trim_matches('/')),
                    display: location.to_string(),
                    local_root: None,
                })
            }
            Some(("file", rest)) => Self::local(rest, location),
            Some((scheme, _)) => Err(invalid(format!(
                "the '{scheme}' scheme is not supported; use a local folder or s3://bucket/prefix"
            ))),
            None => Self::local(location, location),
        }
    }

    fn local(path: &str, display: &str) -> Result<Self> {
        let invalid = |reason: String| PipelineError::InvalidLocation {
            location: display.to_string(),
            reason,
        };
        let path = std::path::Path::new(path);
        if path.is_file() {
            return Err(invalid(
                "it is a file; give the folder that holds the files".into(),
            ));
        }
        // Folders are created by the first write, so reading a missing folder creates nothing.
        let absolute = match std::fs::canonicalize(path) {
            Ok(existing) => existing,
            Err(_) => {
                let mut normalized = std::path::PathBuf::new();
                for part in std::path::absolute(path)
                    .map_err(|e| invalid(e.to_string()))?
                    .components()
                {
                    match part {
                        std::path::Component::ParentDir => {
                            normalized.pop();
                        }
                        std::path::Component::CurDir => {}
                        other => normalized.push(other),
                    }
                }
                normalized
            }
        };
        let prefix = Path::from_absolute_path(&absolute).map_err(|e| invalid(e.to_string()))?;
        Ok(Location {
            // No automatic clean-up: object_store's removes every emptied folder up to the file
            // system root, the user's own folders above the location included (see `delete`).
            store: Arc::new(LocalFileSystem::new()),
            store_url: Url::parse("file://").expect("static url"),
            prefix,
            display: display.to_string(),
            local_root: Some(absolute),
        })
    }

    /// A location in a fresh in-memory store (`memory://<name>`), for tests and fuzzing.
    pub fn memory(name: &str) -> Self {
        Location {
            store: Arc::new(object_store::memory::InMemory::new()),
            store_url: Url::parse(&format!("memory://{name}")).expect("a memory url"),
            prefix: Path::default(),
            display: format!("memory://{name}"),
            local_root: None,
        }
    }

    /// The object store behind this location.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The path of `relative` (slash separated) inside this location.
    pub fn path(&self, relative: &str) -> Path {
        let mut path = self.prefix.clone();
        for part in relative.split('/').filter(|p| !p.is_empty()) {
            path = path.join(part);
        }
        path
    }

    /// The URL DataFusion reads `relative` under (a folder URL when `relative` ends with `/`).
    pub fn url(&self, relative: &str) -> String {
        let path = self.path(relative);
        let mut url = format!("{}{}", self.store_url.as_str().trim_end_matches('/'), "/");
        url.push_str(path.as_ref());
        if relative.ends_with('/') {
            url.push('/');
        }
        url
    }

    /// How to name `relative` in messages: the location as the user wrote it plus the file.
    pub fn display_of(&self, relative: &str) -> String {
        format!("{}/{}", self.display.trim_end_matches('/'), relative)
    }

    /// Make this location's store known to a DataFusion session.
    pub fn register(&self, ctx: &SessionContext) {
        ctx.register_object_store(&self.store_url, Arc::clone(&self.store));
    }

    /// Read a whole (small) object; `None` when it does not exist.
    pub async fn read_optional(&self, relative: &str) -> Result<Option<bytes::Bytes>> {
        match self.store.get(&self.path(relative)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Write a whole (small) object in one PUT, which replaces it atomically.
    pub async fn write(&self, relative: &str, bytes: impl Into<PutPayload>) -> Result<()> {
        self.store.put(&self.path(relative), bytes.into()).await?;
        Ok(())
    }

    /// Create `relative` with `bytes` unless it exists: `false` when it already did (nothing is
    /// written then). Atomic on S3 (`If-None-Match`) and on local folders (a hard link).
    pub async fn create(&self, relative: &str, bytes: impl Into<PutPayload>) -> Result<bool> {
        let options = PutOptions::from(PutMode::Create);
        match self
            .store
            .put_opts(&self.path(relative), bytes.into(), options)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Delete one object; a missing one is not an error.
    pub async fn delete(&self, relative: &str) -> Result<()> {
        let path = self.path(relative);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(root) = self.local_root.clone() {
            // Folders the deletion emptied go too, up to the location but never the location
            // itself or anything above it.
            let file = root.join(relative.trim_matches('/'));
            tokio::task::spawn_blocking(move || remove_empty_parents(&root, &file))
                .await
                .map_err(|e| PipelineError::Internal(e.to_string()))?;
        }
        Ok(())
    }

    /// Size and ETag of `relative`; `None` when it does not exist.
    pub async fn head(&self, relative: &str) -> Result<Option<FileMeta>> {
        match self.store.head(&self.path(relative)).await {
            Ok(meta) => Ok(Some(self.file_meta(meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every file under `relative`, sorted by path.
    pub async fn list_files(&self, relative: &str) -> Result<Vec<FileMeta>> {
        let objects = self.list_objects(relative).await?;
        Ok(objects
            .into_iter()
            .map(|meta| self.file_meta(meta))
            .collect())
    }

    /// The store's own listing of every object under `relative`, sorted by path.
    pub async fn list_objects(&self, relative: &str) -> Result<Vec<ObjectMeta>> {
        let prefix = self.path(relative);
        let mut objects: Vec<ObjectMeta> = self.store.list(Some(&prefix)).try_collect().await?;
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(objects)
    }

    /// `meta`'s path relative to this location.
    pub fn relative_path(&self, meta: &ObjectMeta) -> String {
        match meta.location.prefix_match(&self.prefix) {
            Some(parts) => parts
                .map(|p| p.as_ref().to_string())
                .collect::<Vec<_>>()
                .join("/"),
            None => meta.location.to_string(),
        }
    }

    fn file_meta(&self, meta: ObjectMeta) -> FileMeta {
        FileMeta {
            path: self.relative_path(&meta),
            size: meta.size,
            e_tag: meta.e_tag,
        }
    }

    /// Make what was written under `relative` durable: on a local folder, fsync every file and
    /// folder below it and the folders above it up to the location (a rename or a new file is
    /// only durable once its folder is synced). S3 acknowledges a PUT only once it is durable.
    pub async fn sync(&self, relative: &str) -> Result<()> {
        let Some(root) = self.local_root.clone() else {
            return Ok(());
        };
        let relative = relative.trim_matches('/').to_string();
        let shown = root.display().to_string();
        tokio::task::spawn_blocking(move || sync_local(&root, &relative))
            .await
            .map_err(|e| PipelineError::Internal(e.to_string()))?
            .map_err(|e| {
                PipelineError::Io(std::io::Error::new(
                    e.kind(),
                    format!("fsync under '{shown}': {e}"),
                ))
            })
    }

    /// Delete every object under `relative`.
    pub async fn delete_prefix(&self, relative: &str) -> Result<usize> {
        let prefix = self.path(relative);
        let objects: Vec<Path> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        let count = objects.len();
        for object in objects {
            match self.store.delete(&object).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(root) = self.local_root.clone() {
            let folder = root.join(relative.trim_matches('/'));
            tokio::task::spawn_blocking(move || {
                // What the deletions left: the prefix's empty folders, then its emptied parents.
                if folder != root && folder.starts_with(&root) && folder.is_dir() {
                    remove_empty_folders(&folder);
                }
                remove_empty_parents(&root, &folder.join("_"));
            })
            .await
            .map_err(|e| PipelineError::Internal(e.to_string()))?;
        }
        Ok(count)
    }

    /// Names of the immediate sub-folders of `relative`.
    pub async fn list_folders(&self, relative: &str) -> Result<Vec<String>> {
        let prefix = self.path(relative);
        let listing = self.store.list_with_delimiter(Some(&prefix)).await?;
        Ok(listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect())
    }

    /// Size in bytes and number of objects under `relative`.
    pub async fn usage(&self, relative: &str) -> Result<(u64, usize)> {
        let prefix = self.path(relative);
        let metas: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
        Ok((metas.iter().map(|m| m.size).sum(), metas.len()))
    }
}

/// fsync `root/relative` (a file, or a folder with everything below it) and each folder from its
/// parent up to `root`. A missing path is not an error (nothing to make durable).
fn sync_local(root: &std::path::Path, relative: &str) -> std::io::Result<()> {
    fn sync_tree(path: &std::path::Path) -> std::io::Result<()> {
        let meta = std::fs::symlink_metadata(path)?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(path)? {
                sync_tree(&entry?.path())?;
            }
        }
        std::fs::File::open(path)?.sync_all()
    }
    let target = root.join(relative);
    match sync_tree(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    }
    let mut folder = target.parent();
    while let Some(dir) = folder {
        if !dir.starts_with(root) {
            break;
        }
        std::fs::File::open(dir)?.sync_all()?;
        folder = dir.parent();
    }
    Ok(())
}

/// Remove `file`'s folder and the folders above it while they are empty, stopping below `root`.
fn remove_empty_parents(root: &std::path::Path, file: &std::path::Path) {
    let mut folder = file.parent();
    while let Some(dir) = folder {
        if dir == root || !dir.starts_with(root) {
            break;
        }
        match std::fs::remove_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => break, // not empty
        }
        folder = dir.parent();
    }
}

/// Remove the empty folders under `folder` and `folder` itself if it ends up empty.
fn remove_empty_folders(folder: &std::path::Path) {
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty_folders(&entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir(folder);
}
