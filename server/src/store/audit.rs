//! The audit log: who ran which query, logged in, made or revoked keys and share links, and
//! changed users. Kept in the app database for a retention period; admins read it through
//! the API. Entries hold no secrets (the callers write ids, names and query shapes only).

use boltic_types::AuditEntry;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, now, parse_ts, ts};

/// One entry to write.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Who: an email, a share link's id, or none.
    pub actor: Option<String>,
    /// How they came: `session`, `key`, `share`, `cli` or `anonymous`.
    pub via: &'static str,
    /// What happened.
    pub action: &'static str,
    /// The details (never a secret).
    pub detail: serde_json::Value,
}

impl Store {
    /// Write an entry.
    pub async fn audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        self.audit_all(vec![(now(), record)]).await
    }

    /// Write `records`, each with when it happened, in one transaction (one sync of the disk
    /// for all of them).
    pub async fn audit_all(
        &self,
        records: Vec<(DateTime<Utc>, AuditRecord)>,
    ) -> Result<(), StoreError> {
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO audit (at, actor, via, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (at, record) in records {
                    insert.execute(params![
                        ts(at),
                        record.actor,
                        record.via,
                        record.action,
                        record.detail.to_string()
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// The latest `limit` entries, newest first; only `action` ones when given.
    pub async fn audit_log(
        &self,
        limit: usize,
        action: Option<String>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.run(move |c| {
            let mut st = c.prepare(
                "SELECT id, at, actor, via, action, detail FROM audit
                 WHERE ?1 IS NULL OR action = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = st.query_map(params![action, limit as i64], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: parse_ts(&r.get::<_, String>(1)?),
                    actor: r.get(2)?,
                    via: r.get(3)?,
                    action: r.get(4)?,
                    detail: serde_json::from_str(&r.get::<_, String>(5)?)
                        .unwrap_or(serde_json::Value::Null),
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Delete entries older than `before`; returns how many.
    pub async fn prune_audit(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.run(move |c| Ok(c.execute("DELETE FROM audit WHERE at < ?1", [ts(before)])?))
            .await
    }
}
