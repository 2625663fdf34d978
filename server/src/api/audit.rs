//! Writing the audit log from a request: who (the caller), what, and the details. The write
//! runs in the background, so a slow disk never slows an answer; a failed write is logged.
//! Callers pass ids, names and query shapes: never a password, token, key or cookie.

use super::caller::Caller;
use super::state::AppState;
use crate::store::AuditRecord;

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
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.audit(entry).await {
            tracing::error!(error = %e, "cannot write the audit log");
        }
    });
}
