//! Leases kept in the warehouse itself, so they work the same on local folders and S3.
//!
//! - The **run lease** (`_boltic/run-lease.json`): one `pipeline run` builds a warehouse at a
//!   time. It is taken with a create-only write (exclusive on both stores), renewed while the run
//!   works and deleted when it ends. A second run fails at once with who holds it. A lease left
//!   by a run that died is taken over once it expires, or at once when its holder was a process
//!   on this host that no longer exists. The create-only manifest log stays the last line of
//!   defence: even a run that lost its lease cannot overwrite a published version.
//! - **Reader leases** (`_boltic/readers/<reader>.json`): each server records the version it
//!   serves, with an expiry it keeps pushing forward; clean-up keeps every version named by an
//!   unexpired reader lease, so retention never pulls files from under a running server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Warehouse;
use crate::error::{PipelineError, Result};
use crate::location::Location;

/// Where the run lease lives inside a warehouse location.
pub const RUN_LEASE: &str = "_boltic/run-lease.json";
/// Folder of reader leases inside a warehouse location.
pub const READERS: &str = "_boltic/readers";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LeaseBody {
    id: String,
    host: String,
    pid: u32,
    acquired_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// For reader leases: the versions read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versions: Vec<String>,
}

impl LeaseBody {
    fn new(ttl: Duration, versions: Vec<String>) -> Self {
        let now = Utc::now();
        LeaseBody {
            id: format!("{:016x}", rand::random::<u64>()),
            host: host_name(),
            pid: std::process::id(),
            acquired_at: now,
            expires_at: now + ttl,
            versions,
        }
    }

    fn holder(&self) -> String {
        format!("process {} on '{}'", self.pid, self.host)
    }

    /// Expired, or held by a process of this host that is gone.
    fn is_stale(&self) -> bool {
        self.expires_at < Utc::now() || (self.host == host_name() && !process_alive(self.pid))
    }

    fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a lease serializes")
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true // unknown: wait for the expiry
    }
}

async fn read_lease(location: &Location, path: &str) -> Result<Option<Option<LeaseBody>>> {
    Ok(location
        .read_optional(path)
        .await?
        .map(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// The run lease, held while a run builds the warehouse. Renewed in the background; call
/// [`RunLease::release`] when the run ends (dropping it only stops the renewal, and the lease
/// then expires).
#[derive(Debug)]
pub struct RunLease {
    location: Location,
    id: String,
    lost: Arc<AtomicBool>,
    renewal: tokio::task::JoinHandle<()>,
}

impl Warehouse {
    /// Take the run lease for `ttl` (at least 3 s; renewed every third of it), or fail with
    /// [`PipelineError::WarehouseBusy`] naming the run that holds it.
    pub async fn lease(&self, ttl: Duration) -> Result<RunLease> {
        // at least 3 s, so that renewing every third of it is a real interval
        let ttl = ttl.max(Duration::from_secs(3));
        let location = &self.location;
        for _ in 0..3 {
            let body = LeaseBody::new(ttl, Vec::new());
            let created = location.create(RUN_LEASE, body.to_bytes()).await?
                // a retried create whose first attempt succeeded but whose answer was lost
                || matches!(read_lease(location, RUN_LEASE).await?, Some(Some(held)) if held.id == body.id);
            if created {
                let lost = Arc::new(AtomicBool::new(false));
                let renewal = tokio::spawn(renew(
                    location.clone(),
                    body.clone(),
                    ttl,
                    Arc::clone(&lost),
                ));
                return Ok(RunLease {
                    location: location.clone(),
                    id: body.id,
                    lost,
                    renewal,
                });
            }
            match read_lease(location, RUN_LEASE).await? {
                None => continue, // released meanwhile
                Some(Some(held)) if !held.is_stale() => {
                    return Err(PipelineError::WarehouseBusy {
                        warehouse: location.to_string(),
                        holder: held.holder(),
                        since: held.acquired_at.to_rfc3339(),
                        until: held.expires_at.to_rfc3339(),
                    });
                }
                Some(held) => {
                    match held {
                        Some(h) => tracing::warn!(
                            holder = %h.holder(),
                            expired = %h.expires_at.to_rfc3339(),
                            "taking over the run lease of a run that died"
                        ),
                        None => tracing::warn!("replacing an unreadable run lease"),
                    }
                    location.delete(RUN_LEASE).await?;
                }
            }
        }
        Err(PipelineError::WarehouseBusy {
            warehouse: location.to_string(),
            holder: "other runs".to_string(),
            since: "just now".to_string(),
            until: "soon".to_string(),
        })
    }

    /// Record that reader `reader` (one per server process) reads `versions`, for `ttl`.
    pub async fn hold(
        &self,
        reader: &ReaderLease,
        versions: &[String],
        ttl: Duration,
    ) -> Result<()> {
        let mut body = LeaseBody::new(ttl, versions.to_vec());
        body.id = reader.id.clone();
        self.location.write(&reader.path(), body.to_bytes()).await
    }

    /// Forget reader `reader`'s lease (a server shutting down).
    pub async fn release_reader(&self, reader: &ReaderLease) -> Result<()> {
        self.location.delete(&reader.path()).await
    }

    /// Versions named by unexpired reader leases; expired leases are deleted on the way.
    pub async fn versions_in_use(&self) -> Result<Vec<String>> {
        let mut versions = Vec::new();
        for file in self.location.list_files(READERS).await? {
            let relative = file.path.as_str();
            match read_lease(&self.location, relative).await? {
                Some(Some(lease)) if lease.expires_at >= Utc::now() => {
                    versions.extend(lease.versions);
                }
                Some(_) => self.location.delete(relative).await?,
                None => {}
            }
        }
        Ok(versions)
    }
}

impl RunLease {
    /// Fails when the lease was lost (expired while renewals failed, or taken over).
    pub fn check(&self) -> Result<()> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(PipelineError::LeaseLost {
                warehouse: self.location.to_string(),
                reason: "it expired while renewing failed, or another run took it over".into(),
            });
        }
        Ok(())
    }

    /// Stop renewing and delete the lease (if it is still this run's).
    pub async fn release(self) -> Result<()> {
        self.renewal.abort();
        if let Some(Some(held)) = read_lease(&self.location, RUN_LEASE).await?
            && held.id == self.id
        {
            self.location.delete(RUN_LEASE).await?;
        }
        Ok(())
    }
}

impl Drop for RunLease {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

/// Push the lease's expiry forward every third of `ttl` while it is still ours.
async fn renew(location: Location, mut body: LeaseBody, ttl: Duration, lost: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(ttl / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        match read_lease(&location, RUN_LEASE).await {
            Ok(Some(Some(held))) if held.id == body.id => {}
            Ok(_) => {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not check the run lease");
                if body.expires_at < Utc::now() {
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                continue;
            }
        }
        body.expires_at = Utc::now() + ttl;
        if let Err(e) = location.write(RUN_LEASE, body.to_bytes()).await {
            tracing::warn!(error = %e, "could not renew the run lease");
        }
    }
}

/// One reader's identity (a server process), for its lease file.
#[derive(Debug, Clone)]
pub struct ReaderLease {
    id: String,
}

impl ReaderLease {
    /// A new reader id: host, process and a random part.
    pub fn new() -> Self {
        ReaderLease {
            id: format!(
                "{}-{}-{:08x}",
                host_name()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect::<String>(),
                std::process::id(),
                rand::random::<u32>()
            ),
        }
    }

    fn path(&self) -> String {
        format!("{READERS}/{}.json", self.id)
    }
}

impl Default for ReaderLease {
    fn default() -> Self {
        Self::new()
    }
}
