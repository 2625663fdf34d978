//! Writing the audit log from a request: who (the caller), what, and the details. The write
//! runs in the background, batched by [`AuditWriter`], so a slow disk never slows an answer; a
//! failed write is logged.
//! Callers pass ids, names and query shapes: never a password, token, key or cookie.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, mpsc, oneshot};

use super::caller::Caller;
use super::state::AppState;
use crate::store::{AuditRecord, Store};

/// Note `action` by `caller` with `detail`.
pub fn record(state: &AppState, caller: &Caller, action: &'static str, detail: serde_json::Value) {
    write(
        state,
        AuditRecord {
            actor: caller.actor(),
            via: caller.via(),
            action,
            detail,
        },
    );
}

/// Write `entry` in the background.
pub fn write(state: &AppState, entry: AuditRecord) {
    state.audit.send(entry);
}

/// Entries waiting for the writer at most; past that each waits in a task of its own.
const QUEUED: usize = 10_000;
/// Entries written in one transaction at most.
const BATCH: usize = 1024;

enum Message {
    Entry(DateTime<Utc>, AuditRecord),
    /// Answer once every entry sent before is written.
    Flush(oneshot::Sender<()>),
}

/// How long the writer lets entries gather after the first before writing them (unless a reader
/// asks for the log first): one transaction and one disk sync for all that came meanwhile, and no
/// wake-up of the writer per entry.
const GATHER: Duration = Duration::from_millis(100);

/// The audit log's writer: one task that writes what requests note, all that has arrived in
/// one transaction, so that the log costs a request no disk sync of its own (one each, every
/// query audited, held the server to ~3,000 cached answers a second). It sleeps while entries
/// gather ([`GATHER`]), so that noting one wakes nothing.
#[derive(Debug)]
pub struct AuditWriter {
    tx: mpsc::Sender<Message>,
    /// Ends the writer's gathering at once (a flush is waiting).
    hurry: Arc<Notify>,
}

impl AuditWriter {
    /// Start the writer (on the current tokio runtime); it ends when the writer is dropped,
    /// after writing what it was sent.
    pub fn start(store: Store) -> AuditWriter {
        let (tx, mut rx) = mpsc::channel(QUEUED);
        let hurry = Arc::new(Notify::new());
        let hurried = hurry.clone();
        tokio::spawn(async move {
            let mut received = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut received, BATCH).await > 0 {
                let flushing = |r: &[Message]| r.iter().any(|m| matches!(m, Message::Flush(_)));
                if received.len() < BATCH && !flushing(&received) {
                    tokio::select! {
                        () = tokio::time::sleep(GATHER) => {}
                        () = hurried.notified() => {}
                    }
                    while received.len() < BATCH
                        && let Ok(message) = rx.try_recv()
                    {
                        received.push(message);
                    }
                }
                let mut entries = Vec::with_capacity(received.len());
                let mut flushed = Vec::new();
                for message in received.drain(..) {
                    match message {
                        Message::Entry(at, entry) => entries.push((at, entry)),
                        Message::Flush(done) => flushed.push(done),
                    }
                }
                let n = entries.len();
                if n > 0
                    && let Err(e) = store.audit_all(entries).await
                {
                    tracing::error!(error = %e, entries = n, "cannot write the audit log");
                }
                for done in flushed {
                    let _ = done.send(());
                }
            }
        });
        AuditWriter { tx, hurry }
    }

    /// Queue `entry`, stamped now.
    fn send(&self, entry: AuditRecord) {
        let message = Message::Entry(Utc::now(), entry);
        match self.tx.try_send(message) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(message)) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(message).await;
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("the audit log's writer has stopped; an entry is lost");
            }
        }
    }

    /// Wait until every entry queued before is written (readers of the log see their own
    /// requests in it; a server stopping writes what it noted).
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            // a permit, so a writer not gathering yet will not wait when it starts
            self.hurry.notify_one();
            let _ = written.await;
        }
    }
}
