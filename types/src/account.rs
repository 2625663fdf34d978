//! Accounts on the wire: roles.

use serde::{Deserialize, Serialize};

/// What a user may do. Each role can do what the ones before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Explores, queries, field values, dashboards (read).
    Viewer,
    /// Also makes, changes and shares dashboards.
    Editor,
    /// Also manages users, keys, every dashboard, reloads.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// `viewer`, `editor` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The role called `name`.
    pub fn from_name(name: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// Attribute → values (for the model's access filters and grants).
pub type Attributes = std::collections::BTreeMap<String, Vec<String>>;

/// What a caller may do beyond reading, as the web app shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permissions {
    /// Receives compiled SQL (responses, errors, the SQL tab).
    pub see_sql: bool,
    /// Makes dashboards, changes and shares its own.
    pub edit: bool,
    /// Manages users, keys, every dashboard; reloads; reads the audit log.
    pub admin: bool,
}

impl Permissions {
    /// What `role` may do.
    pub fn of(role: Role) -> Permissions {
        Permissions {
            see_sql: role >= Role::Editor,
            edit: role >= Role::Editor,
            admin: role == Role::Admin,
        }
    }
}

/// `GET /api/v1/me`: who the caller is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// User id.
    pub id: String,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    /// Attribute → values.
    pub attributes: Attributes,
    /// What the role allows.
    pub permissions: Permissions,
    /// `session` (logged in with a password) or `key` (an API key).
    pub via: String,
}

/// A user as an admin sees it (never a password or its hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    /// Stable id.
    pub id: String,
    /// Email (unique, case-insensitive).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    /// Attribute → values.
    pub attributes: Attributes,
    /// A disabled user cannot log in; their sessions, keys and share links stop at once.
    pub disabled: bool,
    /// Whether the user can log in with a password (otherwise keys only).
    pub has_password: bool,
}

/// `POST /api/v1/admin/users`: a user to add.
// `Debug` is written below: it leaves the password out.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Email.
    pub email: String,
    /// Display name (the email's local part when left out).
    #[serde(default)]
    pub name: Option<String>,
    /// Role.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    /// Password (at least 10 characters); none = API keys only until one is set.
    #[serde(default)]
    pub password: Option<String>,
    /// Attribute → values.
    #[serde(default)]
    pub attributes: Attributes,
}

/// `PATCH /api/v1/admin/users/{id}`: what to change (fields left out stay).
// `Debug` is written below: it leaves the password out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Role.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub role: Option<Role>,
    /// Attribute → values (replaces all of them).
    #[serde(default)]
    pub attributes: Option<Attributes>,
    /// Disable (or enable) the user.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new password (its sessions end).
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("attributes", &self.attributes)
            .finish()
    }
}

impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("attributes", &self.attributes)
            .field("disabled", &self.disabled)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// An API key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyInfo {
    /// Public id (for revoking).
    pub id: String,
    /// Whose key it is (email).
    pub user: String,
    /// What it is for.
    pub name: String,
    /// Made.
    #[serde(with = "crate::timestamp")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Stops working then.
    #[serde(default, with = "crate::timestamp::option")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Revoked.
    #[serde(default, with = "crate::timestamp::option")]
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Last request made with it.
    #[serde(default, with = "crate::timestamp::option")]
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Works now (not revoked, not expired).
    pub active: bool,
}

/// `POST …/keys`: a key to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// What it is for.
    pub name: String,
    /// When it stops working (RFC 3339); none = until revoked.
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A key just made: the only time its secret is shown.
#[derive(Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyCreated {
    /// The key.
    #[serde(flatten)]
    pub key: KeyInfo,
    /// The secret, to send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

impl std::fmt::Debug for KeyCreated {
    /// Without the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCreated")
            .field("key", &self.key)
            .field("secret", &"…")
            .finish()
    }
}

impl<'de> Deserialize<'de> for KeyCreated {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (key, [secret]) = crate::read_flat(deserializer, ["secret"])?;
        Ok(KeyCreated { key, secret })
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Increasing id.
    pub id: i64,
    /// When.
    #[serde(with = "crate::timestamp")]
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who: a user's email, a share link's id, or none.
    pub actor: Option<String>,
    /// How they came: `session`, `key`, `share`, `cli` or `anonymous`.
    pub via: String,
    /// What: `query`, `login`, `login_failed`, `logout`, `key_created`, `key_revoked`,
    /// `share_created`, `share_revoked`, `user_added`, `user_changed`.
    pub action: String,
    /// The details (explore, fields, filters, rows, duration for a query; the target
    /// otherwise). Never a secret.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
}
