//! Login sessions, kept server-side so that logging out, disabling a user or changing their
//! password ends their sessions at once: `tower-sessions`' [`SessionStore`] over the app
//! database. Only the SHA-256 of a session id is stored (a copy of the database logs no one
//! in), next to the user it belongs to.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use super::{Store, StoreError, token_hash};

/// The session key holding the user's id.
pub const USER_KEY: &str = "user";

/// The sessions in the app database.
#[derive(Debug, Clone)]
pub struct SessionRecords(pub Store);

fn id_hash(id: &Id) -> Vec<u8> {
    token_hash(&id.to_string())
}

fn backend(e: StoreError) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for SessionRecords {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut r = record.clone();
        let r = self
            .0
            .run(move |c| {
                // a fresh id until it is unused (a collision of 128 random bits is not expected)
                loop {
                    let taken: bool = c.query_row(
                        "SELECT EXISTS (SELECT 1 FROM sessions WHERE id_sha256 = ?1)",
                        [id_hash(&r.id)],
                        |row| row.get(0),
                    )?;
                    if !taken {
                        break;
                    }
                    r.id = Id::default();
                }
                save(c, &r)?;
                Ok(r)
            })
            .await
            .map_err(backend)?;
        *record = r;
        Ok(())
    }

    /// Update a session that exists; one that ended meanwhile (logout, a disabled user, a new
    /// password) stays ended: a request that was running when it ended cannot bring it back.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let r = record.clone();
        self.0.run(move |c| update(c, &r)).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let (hash, id) = (id_hash(id), *id);
        let found = self
            .0
            .run(move |c| {
                Ok(c.query_row(
                    "SELECT data FROM sessions WHERE id_sha256 = ?1 AND expires_at > ?2",
                    params![hash, OffsetDateTime::now_utc().unix_timestamp()],
                    |row| row.get::<_, String>(0),
                )
                .optional()?)
            })
            .await
            .map_err(backend)?;
        let Some(data) = found else { return Ok(None) };
        let (data, expiry_date) = serde_json::from_str::<(_, i64)>(&data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(expiry_date)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let hash = id_hash(id);
        self.0
            .run(move |c| {
                c.execute("DELETE FROM sessions WHERE id_sha256 = ?1", [hash])?;
                Ok(())
            })
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for SessionRecords {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.0
            .run(|c| {
                c.execute(
                    "DELETE FROM sessions WHERE expires_at <= ?1",
                    [OffsetDateTime::now_utc().unix_timestamp()],
                )?;
                Ok(())
            })
            .await
            .map_err(backend)
    }
}

/// The columns of a record: user, data, expiry.
fn columns(r: &Record) -> Result<(Option<String>, String, i64), StoreError> {
    let user = r
        .data
        .get(USER_KEY)
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let expires = r.expiry_date.unix_timestamp();
    let data = serde_json::to_string(&(&r.data, expires))
        .map_err(|_| StoreError::Corrupt("a login session".into()))?;
    Ok((user, data, expires))
}

fn save(c: &rusqlite::Connection, r: &Record) -> Result<(), StoreError> {
    let (user, data, expires) = columns(r)?;
    c.execute(
        "INSERT INTO sessions (id_sha256, user_id, data, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![id_hash(&r.id), user, data, expires],
    )?;
    Ok(())
}

fn update(c: &rusqlite::Connection, r: &Record) -> Result<(), StoreError> {
    let (user, data, expires) = columns(r)?;
    c.execute(
        "UPDATE sessions SET user_id = ?2, data = ?3, expires_at = ?4 WHERE id_sha256 = ?1",
        params![id_hash(&r.id), user, data, expires],
    )?;
    Ok(())
}

impl Store {
    /// End every session of the user `user_id` (disabled, or a new password).
    pub async fn end_sessions(&self, user_id: &str) -> Result<usize, StoreError> {
        let id = user_id.to_string();
        self.run(move |c| Ok(c.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request still running when its session ended (logout, a disabled user) saves its
    /// session at the end: the session must stay ended.
    #[tokio::test]
    async fn an_ended_session_is_not_saved_back() {
        let sessions = SessionRecords(Store::in_memory().expect("store"));
        let mut record = Record {
            id: Id::default(),
            data: [(USER_KEY.to_string(), serde_json::json!("u1"))].into(),
            expiry_date: OffsetDateTime::now_utc()
                + tower_sessions::cookie::time::Duration::hours(1),
        };
        sessions.create(&mut record).await.expect("create");
        assert!(sessions.load(&record.id).await.expect("load").is_some());
        assert_eq!(sessions.0.end_sessions("u1").await.expect("end"), 1);
        sessions.save(&record).await.expect("save");
        assert!(sessions.load(&record.id).await.expect("load").is_none());
        // an expired one does not load either
        let mut old = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc()
                - tower_sessions::cookie::time::Duration::seconds(1),
        };
        sessions.create(&mut old).await.expect("create");
        assert!(sessions.load(&old.id).await.expect("load").is_none());
        sessions.delete_expired().await.expect("delete expired");
    }
}
