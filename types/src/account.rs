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
