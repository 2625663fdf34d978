//! Users (email, name, role, attributes for row-level security, disabled) and their API keys
//! (`bk_` and 256 random bits, shown once, stored as SHA-256, revocable, with an expiry and the
//! time they were last used).

use std::collections::BTreeMap;

use base64::Engine as _;
use boltic_types::Role;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError, now, parse_ts, random_bytes, random_id, token_hash, ts};

/// What every API key starts with, so it is told apart from a share token.
pub const KEY_PREFIX: &str = "bk_";

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable id.
    pub id: String,
    /// Email (unique, case-insensitive).
    pub email: String,
    /// Display name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Attribute → values, for the model's access filters and grants.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// A disabled user cannot log in; their sessions, keys and share links stop at once.
    pub disabled: bool,
    /// Whether a password is set (otherwise the user has API keys only).
    pub has_password: bool,
}

/// An API key (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Public id (for listing and revoking).
    pub id: String,
    /// Whose key it is.
    pub user_id: String,
    /// What it is for.
    pub name: String,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Stops working then.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last request made with it.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether it works at `now` (not revoked, not expired).
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

const USER_COLUMNS: &str = "id, email, name, role, attributes, disabled, password_hash IS NOT NULL";
const KEY_COLUMNS: &str = "id, user_id, name, created_at, expires_at, revoked_at, last_used_at";

fn row_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    let attributes: String = r.get(4)?;
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        // an unreadable role or attribute set grants nothing (fail closed)
        role: Role::from_name(&role).unwrap_or(Role::Viewer),
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        disabled: r.get(5)?,
        has_password: r.get(6)?,
    })
}

fn row_key(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKey> {
    let time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<String>>(i)?.as_deref().map(parse_ts))
    };
    Ok(ApiKey {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        created_at: parse_ts(&r.get::<_, String>(3)?),
        expires_at: time(4)?,
        revoked_at: time(5)?,
        last_used_at: time(6)?,
    })
}

fn user_by_email(c: &Connection, email: &str) -> Result<User, StoreError> {
    c.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
        [email],
        row_user,
    )
    .optional()?
    .ok_or_else(|| StoreError::UnknownUser(email.to_string()))
}

impl Store {
    /// Add a user.
    pub async fn add_user(&self, email: &str, name: &str, role: Role) -> Result<User, StoreError> {
        let user = User {
            id: random_id(12)?,
            email: email.trim().to_string(),
            name: name.trim().to_string(),
            role,
            attributes: BTreeMap::new(),
            disabled: false,
            has_password: false,
        };
        let u = user.clone();
        self.run(move |c| {
            let taken: bool = c.query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE email = ?1)",
                [&u.email],
                |r| r.get(0),
            )?;
            if taken {
                return Err(StoreError::UserExists(u.email));
            }
            c.execute(
                "INSERT INTO users (id, email, name, role, attributes, created_at)
                 VALUES (?1, ?2, ?3, ?4, '{}', ?5)",
                params![u.id, u.email, u.name, u.role.as_str(), ts(now())],
            )?;
            Ok(())
        })
        .await?;
        Ok(user)
    }

    /// Every user, by email.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.run(|c| {
            let mut st = c.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY email"))?;
            let rows = st.query_map([], row_user)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// The user with `email`.
    pub async fn user(&self, email: &str) -> Result<User, StoreError> {
        let email = email.trim().to_string();
        self.run(move |c| user_by_email(c, &email)).await
    }

    /// The user with id `id`, if there is one.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_string();
        self.run(move |c| {
            Ok(c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [id],
                row_user,
            )
            .optional()?)
        })
        .await
    }

    /// Change a user: `edit` gets the current user and returns the new one.
    pub async fn update_user(
        &self,
        email: &str,
        edit: impl FnOnce(&mut User) + Send + 'static,
    ) -> Result<User, StoreError> {
        let email = email.trim().to_string();
        self.run(move |c| {
            let mut user = user_by_email(c, &email)?;
            edit(&mut user);
            // built as a JSON value: encoding it cannot fail
            let attributes = serde_json::Value::Object(
                user.attributes
                    .iter()
                    .map(|(k, vs)| (k.clone(), serde_json::Value::from(vs.clone())))
                    .collect(),
            )
            .to_string();
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE users SET name = ?2, role = ?3, attributes = ?4, disabled = ?5 WHERE id = ?1",
                params![user.id, user.name, user.role.as_str(), attributes, user.disabled],
            )?;
            if user.disabled {
                // a disabled user's sessions end at once
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&user.id])?;
            }
            tx.commit()?;
            Ok(user)
        })
        .await
    }

    /// Set (or clear) the password hash of the user with `email`; their sessions end.
    pub async fn set_password_hash(
        &self,
        email: &str,
        hash: Option<String>,
    ) -> Result<User, StoreError> {
        let email = email.trim().to_string();
        self.run(move |c| {
            let user = user_by_email(c, &email)?;
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![user.id, hash],
            )?;
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&user.id])?;
            tx.commit()?;
            user_by_email(c, &email)
        })
        .await
    }

    /// The user with `email` and their password hash, for logging in (`None`: no such user).
    pub async fn login_record(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let email = email.trim().to_string();
        self.run(move |c| {
            Ok(c.query_row(
                &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1"),
                [email],
                |r| Ok((row_user(r)?, r.get(7)?)),
            )
            .optional()?)
        })
        .await
    }

    /// How many users there are.
    pub async fn user_count(&self) -> Result<usize, StoreError> {
        self.run(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0))? as usize)
        })
        .await
    }

    /// The key `id`, if there is one.
    pub async fn key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let id = id.to_string();
        self.run(move |c| {
            Ok(c.query_row(
                &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?1"),
                [id],
                row_key,
            )
            .optional()?)
        })
        .await
    }

    /// Make an API key for the user with `email`; returns it and its secret (shown once).
    pub async fn create_key(
        &self,
        email: &str,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(ApiKey, String), StoreError> {
        let secret = format!(
            "{KEY_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?)
        );
        let hash = token_hash(&secret);
        let (email, name, id) = (email.trim().to_string(), name.to_string(), random_id(10)?);
        let key = self
            .run(move |c| {
                let user = user_by_email(c, &email)?;
                let key = ApiKey {
                    id,
                    user_id: user.id,
                    name,
                    created_at: now(),
                    expires_at,
                    revoked_at: None,
                    last_used_at: None,
                };
                c.execute(
                    "INSERT INTO api_keys (id, user_id, name, key_sha256, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        key.id,
                        key.user_id,
                        key.name,
                        hash,
                        ts(key.created_at),
                        key.expires_at.map(ts)
                    ],
                )?;
                Ok(key)
            })
            .await?;
        Ok((key, secret))
    }

    /// The keys of the user with `email`, newest first.
    pub async fn keys(&self, email: &str) -> Result<Vec<ApiKey>, StoreError> {
        let email = email.trim().to_string();
        self.run(move |c| {
            let user = user_by_email(c, &email)?;
            let mut st = c.prepare(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ?1 ORDER BY created_at DESC, id"
            ))?;
            let rows = st.query_map([user.id], row_key)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Revoke the key `id`.
    pub async fn revoke_key(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.run(move |c| {
            let n = c.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![id, ts(now())],
            )?;
            if n == 0 {
                return Err(StoreError::UnknownKey(id));
            }
            Ok(())
        })
        .await
    }

    /// The user a working key belongs to and when the key expires (`None` for an unknown,
    /// revoked or expired key, or a disabled user); notes the key as used, to the minute.
    pub async fn user_by_key(
        &self,
        secret: &str,
    ) -> Result<Option<(User, Option<DateTime<Utc>>)>, StoreError> {
        let hash = token_hash(secret);
        self.run(move |c| {
            let found = c
                .query_row(
                    &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_sha256 = ?1"),
                    [hash],
                    row_key,
                )
                .optional()?;
            let Some(key) = found.filter(|k| k.active(now())) else {
                return Ok(None);
            };
            let user = c
                .query_row(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                    [&key.user_id],
                    row_user,
                )
                .optional()?
                .filter(|u| !u.disabled);
            if user.is_some() {
                // at most one write a minute per key, not one per request
                let now = now();
                c.execute(
                    "UPDATE api_keys SET last_used_at = ?2
                     WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
                    params![key.id, ts(now), ts(now - chrono::Duration::minutes(1))],
                )?;
            }
            Ok(user.map(|u| (u, key.expires_at)))
        })
        .await
    }
}
