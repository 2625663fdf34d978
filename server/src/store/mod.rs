//! App state that users make in the app: dashboards and their share links, in SQLite
//! (embedded, one file; the path is a setting). The schema is versioned with
//! `PRAGMA user_version` and migrated forward on open; a database from a newer Boltic is
//! refused rather than guessed at.
//!
//! Share tokens and API keys are 256 random bits, given to the user once; only their SHA-256
//! is stored, so a copy of the database opens nothing. Users and keys are in [`accounts`].

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use boltic_semantic::Dashboard;
pub use boltic_types::ShareStatus;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::Digest;

mod accounts;
mod audit;
mod sessions;

pub use accounts::{ApiKey, KEY_PREFIX, User};
pub use audit::AuditRecord;
pub use sessions::{SessionRecords, USER_KEY};

/// Schema versions; `MIGRATIONS[i]` takes the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: dashboards made in the app, and share links (to app or project dashboards)
    "CREATE TABLE dashboards (
        name TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE share_links (
        id TEXT PRIMARY KEY,
        token_sha256 BLOB NOT NULL UNIQUE,
        dashboard TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
    );
    CREATE INDEX share_links_dashboard ON share_links (dashboard);",
    // 2: users (role, attributes for row-level security) and their API keys
    "CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        attributes TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id),
        name TEXT NOT NULL,
        key_sha256 BLOB NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT,
        last_used_at TEXT
    );
    CREATE INDEX api_keys_user ON api_keys (user_id);",
    // 3: a share link remembers who made it (its visitors see what that user sees)
    "ALTER TABLE share_links ADD COLUMN created_by TEXT REFERENCES users (id);",
    // 4: passwords, login sessions, dashboard owners, share links' locked filters, the audit log
    "ALTER TABLE users ADD COLUMN password_hash TEXT;
    ALTER TABLE dashboards ADD COLUMN created_by TEXT REFERENCES users (id);
    ALTER TABLE share_links ADD COLUMN locked_filters TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE sessions (
        id_sha256 BLOB PRIMARY KEY,
        user_id TEXT,
        data TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions (user_id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT,
        via TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_at ON audit (at);",
    // 5: a count of changes to who may do what (users, API keys, share links), kept by
    // triggers whoever writes, which a server reads to know that what it remembers of a caller
    // still holds (`Store::version`)
    "CREATE TABLE access_changes (n INTEGER NOT NULL);
    INSERT INTO access_changes (n) VALUES (0);
    CREATE TRIGGER users_added AFTER INSERT ON users BEGIN UPDATE access_changes SET n = n + 1; END;
    CREATE TRIGGER users_changed AFTER UPDATE ON users BEGIN UPDATE access_changes SET n = n + 1; END;
    CREATE TRIGGER users_removed AFTER DELETE ON users BEGIN UPDATE access_changes SET n = n + 1; END;
    CREATE TRIGGER keys_changed AFTER UPDATE OF user_id, key_sha256, expires_at, revoked_at ON api_keys
        BEGIN UPDATE access_changes SET n = n + 1; END;
    CREATE TRIGGER keys_removed AFTER DELETE ON api_keys BEGIN UPDATE access_changes SET n = n + 1; END;
    CREATE TRIGGER links_changed AFTER UPDATE ON share_links BEGIN UPDATE access_changes SET n = n + 1; END;
    CREATE TRIGGER links_removed AFTER DELETE ON share_links BEGIN UPDATE access_changes SET n = n + 1; END;",
];

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk, lock, corruption).
    #[error("app database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer Boltic.
    #[error(
        "the app database is at schema version {found}, newer than this boltic knows ({known}); run a newer boltic or point --database at another file"
    )]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A stored definition no longer reads (written by hand?).
    #[error("dashboard '{0}' is stored in a form this boltic cannot read")]
    Corrupt(String),
    /// The dashboard changed since the caller read it.
    #[error("dashboard '{name}' was changed by someone else (version {current}, you sent {sent})")]
    Conflict {
        /// Dashboard.
        name: String,
        /// Version stored.
        current: i64,
        /// Version the caller based its change on.
        sent: i64,
    },
    /// No such dashboard (or link).
    #[error("not found")]
    NotFound,
    /// The name is taken.
    #[error("dashboard '{0}' already exists")]
    Exists(String),
    /// The OS random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// A blocking task did not finish.
    #[error("app database task failed")]
    Task,
    /// A user with this email exists.
    #[error("a user with the email '{0}' already exists")]
    UserExists(String),
    /// No user with this email.
    #[error("there is no user '{0}'; 'boltic users list' shows them")]
    UnknownUser(String),
    /// No API key with this id.
    #[error("there is no API key '{0}'; 'boltic keys list --email <user>' shows them")]
    UnknownKey(String),
}

/// A dashboard stored in the app.
#[derive(Debug, Clone)]
pub struct StoredDashboard {
    /// The definition.
    pub dashboard: Dashboard,
    /// Increases with every change; updates name the version they start from.
    pub version: i64,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// The user who made it (none: made before accounts, or from the CLI); editors change
    /// only their own dashboards.
    pub created_by: Option<String>,
}

/// A share link as listed (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    /// Public id, for listing and revoking.
    pub id: String,
    /// The dashboard it opens.
    pub dashboard: String,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The user who made it (none: made without an account); its visitors see what that
    /// user sees, and it stops working when that user is disabled.
    pub created_by: Option<String>,
    /// Dashboard filter values fixed by the link (filter field → expression).
    pub locked_filters: BTreeMap<String, String>,
}

impl ShareLink {
    /// Whether the link opens its dashboard at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> ShareStatus {
        if self.revoked_at.is_some() {
            ShareStatus::Revoked
        } else if self.expires_at.is_some_and(|e| e <= now) {
            ShareStatus::Expired
        } else {
            ShareStatus::Active
        }
    }
}

/// See [`Store::version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreVersion(i64);

/// The app database. Cheap to clone; calls run on tokio's blocking threads.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    /// What reads [`Store::version`] on a database file. None in memory.
    watch: Option<Arc<Watch>>,
}

/// Reads [`Store::version`]: a second connection to the database file, so that it never waits
/// for the first one (busy writing the audit log, say), and the database's WAL index, so that it
/// asks SQLite only when a transaction has been committed since it last asked.
///
/// In WAL mode (the app database's) SQLite publishes every commit, by any process, in the
/// header at the start of the `<database>-shm` file (its "WAL-index", memory-mapped by every
/// connection): a counter of transactions, the last frame, salts and a checksum. The writer
/// writes the header's second copy, then the first; a reader treats the first copy as the
/// state of the database. While that copy holds the bytes it held before the count was last
/// read, no commit has completed since, so the count read then still holds; when it differs
/// (or is being written) the count is read again. Reading 48 bytes of the file costs one
/// `pread`; a read transaction costs file locks and a statement (about a quarter of the CPU
/// time of a cached answer under load, measured with `perf`).
#[derive(Debug)]
struct Watch {
    conn: Mutex<Connection>,
    /// The database's WAL-index file, when there is one to read (unix). Never closed: closing
    /// any descriptor of a file drops every POSIX lock the process holds on it, SQLite's own
    /// on the WAL index included, so it stays open until the process ends (one descriptor per
    /// `Store::open`; while the watch connection is open, no process can delete the file).
    index: Option<std::mem::ManuallyDrop<std::fs::File>>,
    /// A WAL-index header, and the count read after it was: the count for every request that
    /// finds that header (if a commit came between, the count may be newer, never older).
    seen: Mutex<Option<([u8; WAL_HEADER], StoreVersion)>>,
}

/// `m` locked (a panic while it was held left nothing half-done in what these guard).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Bytes of the first copy of the WAL-index header (SQLite's `WalIndexHdr`).
const WAL_HEADER: usize = 48;

impl Watch {
    /// The first copy of the WAL-index header as it is now, if it can be read.
    fn header(&self) -> Option<[u8; WAL_HEADER]> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let mut header = [0u8; WAL_HEADER];
            let index = self.index.as_ref()?;
            index.read_exact_at(&mut header, 0).ok()?;
            Some(header)
        }
        #[cfg(not(unix))]
        None
    }
}

pub(super) fn now() -> DateTime<Utc> {
    Utc::now()
}

pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// `n` random bytes from the OS.
pub(super) fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(b)
}

/// Short random id: lowercase letters and digits.
pub(super) fn random_id(len: usize) -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let bytes = random_bytes::<16>()?;
    Ok(bytes
        .iter()
        .take(len)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

pub(super) fn token_hash(token: &str) -> Vec<u8> {
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// A URL-friendly name from a title plus a random suffix: `Sales by month` → `sales-by-month-k3m9`.
pub fn name_from_title(title: &str) -> Result<String, StoreError> {
    let slug = boltic_types::slug(title, 40);
    let suffix = random_id(4)?;
    Ok(if slug.is_empty() {
        format!("dashboard-{suffix}")
    } else {
        format!("{slug}-{suffix}")
    })
}

impl Store {
    /// Open (or create) the database at `path`, creating its folder, and migrate it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let mut store = Self::init(conn)?;
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_millis(100))?;
        // the WAL-index exists once a connection has used the database in WAL mode (the
        // migrations above); without it every version is read from the database
        let mut index_path = path.as_os_str().to_owned();
        index_path.push("-shm");
        let index = std::fs::File::open(index_path)
            .ok()
            .map(std::mem::ManuallyDrop::new);
        store.watch = Some(Arc::new(Watch {
            conn: Mutex::new(conn),
            index,
            seen: Mutex::new(None),
        }));
        Ok(store)
    }

    /// A database in memory (tests, `--database :memory:`).
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
            tracing::info!(version = i + 1, "migrated the app database");
        }
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            watch: None,
        })
    }

    /// Schema version of the open database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        self.run(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .await
    }

    /// How many times who may do what has changed in the app database: users, API keys
    /// (besides their last use) and share links, by this server or by another process on the
    /// same file (`boltic users`, `boltic keys`). While it reads the same, a caller read
    /// before is still who they were. Read without waiting for the database's other work;
    /// `None` when it cannot be read this instant (then ask the database). On a database file
    /// the count is read again only after a commit (see [`Watch`]).
    pub fn version(&self) -> Option<StoreVersion> {
        let read = |c: &Connection| {
            c.prepare_cached("SELECT n FROM access_changes")
                .and_then(|mut st| st.query_row([], |r| r.get(0)))
                .ok()
                .map(StoreVersion)
        };
        let Some(watch) = &self.watch else {
            return read(&*self.conn.try_lock().ok()?);
        };
        let header = watch.header();
        if let Some(now) = header
            && let Some((before, version)) = *lock(&watch.seen)
            && now == before
        {
            return Some(version);
        }
        let version = read(&lock(&watch.conn));
        if let Some(seen) = header.zip(version) {
            *lock(&watch.seen) = Some(seen);
        }
        version
    }

    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = lock(&conn);
            f(&mut c)
        })
        .await
        .map_err(|_| StoreError::Task)?
    }

    /// Every stored dashboard, by title.
    pub async fn dashboards(&self) -> Result<Vec<StoredDashboard>, StoreError> {
        self.run(|c| {
            let mut st = c.prepare(
                "SELECT name, definition, version, created_at, updated_at, created_by FROM dashboards",
            )?;
            let rows = st.query_map([], row_dashboard)?;
            let mut out = Vec::new();
            for r in rows {
                out.push(r??);
            }
            out.sort_by(|a: &StoredDashboard, b| {
                a.dashboard
                    .title
                    .to_lowercase()
                    .cmp(&b.dashboard.title.to_lowercase())
            });
            Ok(out)
        })
        .await
    }

    /// One dashboard.
    pub async fn dashboard(&self, name: &str) -> Result<Option<StoredDashboard>, StoreError> {
        let name = name.to_string();
        self.run(move |c| get_dashboard(c, &name)).await
    }

    /// Store a new dashboard (its name must be free), made by the user `created_by`.
    pub async fn create(
        &self,
        dashboard: Dashboard,
        created_by: Option<String>,
    ) -> Result<StoredDashboard, StoreError> {
        self.run(move |c| {
            let json = serde_json::to_string(&dashboard)
                .map_err(|_| StoreError::Corrupt(dashboard.name.clone()))?;
            let t = ts(now());
            let n = c.execute(
                "INSERT INTO dashboards (name, definition, version, created_at, updated_at, created_by)
                 VALUES (?1, ?2, 1, ?3, ?3, ?4) ON CONFLICT (name) DO NOTHING",
                params![dashboard.name, json, t, created_by],
            )?;
            if n == 0 {
                return Err(StoreError::Exists(dashboard.name.clone()));
            }
            get_dashboard(c, &dashboard.name)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    /// Replace a dashboard's definition, if it is still at `version` (else [`StoreError::Conflict`]).
    pub async fn update(
        &self,
        dashboard: Dashboard,
        version: i64,
    ) -> Result<StoredDashboard, StoreError> {
        self.run(move |c| {
            let tx = c.transaction()?;
            let current: Option<i64> = tx
                .query_row(
                    "SELECT version FROM dashboards WHERE name = ?1",
                    [&dashboard.name],
                    |r| r.get(0),
                )
                .optional()?;
            let current = current.ok_or(StoreError::NotFound)?;
            if current != version {
                return Err(StoreError::Conflict {
                    name: dashboard.name.clone(),
                    current,
                    sent: version,
                });
            }
            let json = serde_json::to_string(&dashboard)
                .map_err(|_| StoreError::Corrupt(dashboard.name.clone()))?;
            tx.execute(
                "UPDATE dashboards SET definition = ?2, version = version + 1, updated_at = ?3
                 WHERE name = ?1",
                params![dashboard.name, json, ts(now())],
            )?;
            tx.commit()?;
            get_dashboard(c, &dashboard.name)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    /// Delete a dashboard and revoke its share links. False when there was none.
    pub async fn delete(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute("DELETE FROM dashboards WHERE name = ?1", [&name])?;
            tx.execute(
                "UPDATE share_links SET revoked_at = ?2 WHERE dashboard = ?1 AND revoked_at IS NULL",
                params![name, ts(now())],
            )?;
            tx.commit()?;
            Ok(n > 0)
        })
        .await
    }

    /// Make a share link to `dashboard`; returns the link and its token (shown once).
    pub async fn share(
        &self,
        dashboard: &str,
        expires_at: Option<DateTime<Utc>>,
        created_by: Option<String>,
        locked_filters: BTreeMap<String, String>,
    ) -> Result<(ShareLink, String), StoreError> {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
        let link = ShareLink {
            id: random_id(10)?,
            dashboard: dashboard.to_string(),
            created_at: now(),
            expires_at,
            revoked_at: None,
            created_by,
            locked_filters,
        };
        let hash = token_hash(&token);
        let l = link.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO share_links
                     (id, token_sha256, dashboard, created_at, expires_at, created_by, locked_filters)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    l.id,
                    hash,
                    l.dashboard,
                    ts(l.created_at),
                    l.expires_at.map(ts),
                    l.created_by,
                    string_map_json(&l.locked_filters)
                ],
            )?;
            Ok(())
        })
        .await?;
        Ok((link, token))
    }

    /// The link a token belongs to, whatever its state.
    pub async fn share_by_token(&self, token: &str) -> Result<Option<ShareLink>, StoreError> {
        let hash = token_hash(token);
        self.run(move |c| {
            Ok(c.query_row(
                "SELECT id, dashboard, created_at, expires_at, revoked_at, created_by, locked_filters FROM share_links
                 WHERE token_sha256 = ?1",
                [hash],
                row_share,
            )
            .optional()?)
        })
        .await
    }

    /// The links of a dashboard, newest first.
    pub async fn shares(&self, dashboard: &str) -> Result<Vec<ShareLink>, StoreError> {
        let name = dashboard.to_string();
        self.run(move |c| {
            let mut st = c.prepare(
                "SELECT id, dashboard, created_at, expires_at, revoked_at, created_by, locked_filters FROM share_links
                 WHERE dashboard = ?1 ORDER BY created_at DESC, id",
            )?;
            let rows = st.query_map([name], row_share)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Revoke a link of `dashboard`. False when there is no such link.
    pub async fn revoke(&self, dashboard: &str, id: &str) -> Result<bool, StoreError> {
        let (name, id) = (dashboard.to_string(), id.to_string());
        self.run(move |c| {
            let n = c.execute(
                "UPDATE share_links SET revoked_at = COALESCE(revoked_at, ?3)
                 WHERE dashboard = ?1 AND id = ?2",
                params![name, id, ts(now())],
            )?;
            Ok(n > 0)
        })
        .await
    }
}

fn get_dashboard(c: &Connection, name: &str) -> Result<Option<StoredDashboard>, StoreError> {
    c.query_row(
        "SELECT name, definition, version, created_at, updated_at, created_by FROM dashboards WHERE name = ?1",
        [name],
        row_dashboard,
    )
    .optional()?
    .transpose()
}

fn row_dashboard(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<StoredDashboard, StoreError>> {
    let name: String = r.get(0)?;
    let json: String = r.get(1)?;
    let version: i64 = r.get(2)?;
    let created: String = r.get(3)?;
    let updated: String = r.get(4)?;
    Ok(match serde_json::from_str::<Dashboard>(&json) {
        Ok(dashboard) => Ok(StoredDashboard {
            dashboard,
            version,
            created_at: parse_ts(&created),
            updated_at: parse_ts(&updated),
            created_by: r.get(5)?,
        }),
        Err(_) => Err(StoreError::Corrupt(name)),
    })
}

fn row_share(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShareLink> {
    let created: String = r.get(2)?;
    let expires: Option<String> = r.get(3)?;
    let revoked: Option<String> = r.get(4)?;
    Ok(ShareLink {
        id: r.get(0)?,
        dashboard: r.get(1)?,
        created_at: parse_ts(&created),
        expires_at: expires.as_deref().map(parse_ts),
        revoked_at: revoked.as_deref().map(parse_ts),
        created_by: r.get(5)?,
        // unreadable locked filters make the link fail (never open it unlocked)
        locked_filters: serde_json::from_str(&r.get::<_, String>(6)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
        })?,
    })
}

/// A string map as JSON (built as a value: encoding it cannot fail).
pub(super) fn string_map_json(map: &BTreeMap<String, String>) -> String {
    serde_json::Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect(),
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What another connection commits to who may do what shows in the next version, although
    /// the count is read from the database only after the WAL index says something was
    /// committed; other commits read it again and find it unchanged.
    #[tokio::test]
    async fn the_version_follows_every_commit_of_another_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.db");
        let server = Store::open(&path).expect("open");
        // `boltic users` / `boltic keys` in another process: another connection to the file
        let cli = Store::open(&path).expect("open again");
        let start = server.version().expect("version");
        let kept = |store: &Store| {
            let watch = store.watch.as_ref().expect("a file has a watch");
            watch.seen.lock().expect("lock").map(|(_, v)| v)
        };
        assert_eq!(kept(&server), Some(start), "the WAL index is read");
        assert_eq!(server.version(), Some(start));

        cli.add_user("ann@x.ee", "Ann", boltic_types::Role::Editor)
            .await
            .expect("user");
        let added = server.version().expect("version");
        assert_ne!(added, start);
        // commits that change nothing a remembered token means (a new key, an audit entry):
        // read again, the same count
        let (key, _) = cli.create_key("ann@x.ee", "ci", None).await.expect("key");
        let keyed = server.version().expect("version");
        assert_eq!(keyed, added);
        cli.audit(AuditRecord {
            actor: Some("ann@x.ee".into()),
            via: "key",
            action: "query",
            detail: serde_json::json!({}),
        })
        .await
        .expect("audit");
        assert_eq!(server.version(), Some(keyed));

        cli.revoke_key(&key.id).await.expect("revoke");
        assert_ne!(server.version(), Some(keyed));
        assert_eq!(server.version(), kept(&server));
    }
}
