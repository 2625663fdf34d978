//! `boltic users …` and `boltic keys …`: accounts in the app database, from the terminal.
//! A key's secret is printed once, when it is made; nothing else ever shows it.

use std::path::PathBuf;

use anyhow::Context;
use boltic_types::Role;
use chrono::{Duration, Utc};

use crate::store::{ApiKey, Store, User};

/// Where the accounts are: the server's app database.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArg {
    /// The app database (the server's `--database`).
    #[arg(
        long,
        env = "BOLTIC_DATABASE",
        default_value = "boltic.db",
        global = true
    )]
    pub database: PathBuf,
}

/// `boltic users …`.
#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// Add a user.
    Add {
        /// Email (the user's name in every other command).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// viewer, editor or admin.
        #[arg(long, default_value = "viewer", value_parser = parse_role)]
        role: Role,
        /// Read the password from standard input (one line; at least 10 characters), e.g.
        /// `printf '%s' "$PW" | boltic users add … --password-stdin`. Without it, a password is
        /// made and printed once.
        #[arg(long)]
        password_stdin: bool,
        /// No password: the user has API keys only (until 'reset-password').
        #[arg(long, conflicts_with = "password_stdin")]
        no_password: bool,
    },
    /// List the users.
    List,
    /// Change a user's role.
    SetRole {
        /// The user's email.
        email: String,
        /// viewer, editor or admin.
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Set a user attribute (its values replace the old ones; none removes it). Access
    /// filters and grants in the model read them.
    SetAttribute {
        /// The user's email.
        email: String,
        /// Attribute name, e.g. group_type.
        attribute: String,
        /// Values, e.g. Company.
        values: Vec<String>,
    },
    /// Disable a user: their sessions, keys and share links stop working at once.
    Disable {
        /// The user's email.
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// The user's email.
        email: String,
    },
    /// Set a new password (their sessions end): read from standard input with
    /// `--password-stdin`, otherwise made and printed once.
    ResetPassword {
        /// The user's email.
        email: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// The new password: one line of standard input, or a made one (printed once on stdout).
async fn new_password(from_stdin: bool, email: &str) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let made = crate::password::generate().context("no randomness for a password")?;
        eprintln!("password for {email}; it is shown only now:");
        println!("{made}");
        made
    };
    crate::password::check(&password)
        .map_err(|e| anyhow::anyhow!("{e}; pick a longer one (a few words work well)"))?;
    Ok(password)
}

/// `boltic keys …`.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Make an API key for a user; its secret is printed once.
    Create {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
        /// Days until it stops working (none: until revoked).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// List a user's keys (never their secrets).
    List {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
    /// Revoke a key by its id.
    Revoke {
        /// The key's id (from `keys list`).
        id: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_name(s).ok_or_else(|| format!("'{s}' is not a role; use viewer, editor or admin"))
}

fn open(db: &DatabaseArg) -> anyhow::Result<Store> {
    Store::open(&db.database)
        .with_context(|| format!("cannot open the app database '{}'", db.database.display()))
}

fn user_line(u: &User) -> String {
    let attributes = u
        .attributes
        .iter()
        .map(|(k, vs)| format!("{k}={}", vs.join(",")))
        .collect::<Vec<_>>()
        .join(" ");
    let disabled = if u.disabled { " (disabled)" } else { "" };
    let disabled = if u.has_password {
        disabled.to_string()
    } else {
        format!("{disabled} (no password)")
    };
    format!(
        "{}\t{}\t{}{disabled}\t{attributes}",
        u.email, u.name, u.role
    )
}

fn key_line(k: &ApiKey) -> String {
    let time = |t: Option<chrono::DateTime<Utc>>| t.map_or("-".to_string(), |t| t.to_rfc3339());
    let state = if k.active(Utc::now()) {
        "active"
    } else {
        "inactive"
    };
    format!(
        "{}\t{}\t{state}\tmade {}\texpires {}\tlast used {}",
        k.id,
        k.name,
        k.created_at.to_rfc3339(),
        time(k.expires_at),
        time(k.last_used_at)
    )
}

/// Run a `users` command; prints what it did.
pub async fn users(db: &DatabaseArg, command: UsersCommand) -> anyhow::Result<()> {
    let store = open(db)?;
    let action = match &command {
        UsersCommand::Add { .. } => "user_added",
        _ => "user_changed",
    };
    let what = match &command {
        UsersCommand::Add { name, role, .. } => {
            serde_json::json!({"command": "add", "name": name, "role": role.as_str()})
        }
        UsersCommand::List => serde_json::json!({"command": "list"}),
        UsersCommand::SetRole { role, .. } => {
            serde_json::json!({"command": "set-role", "role": role.as_str()})
        }
        UsersCommand::SetAttribute {
            attribute, values, ..
        } => {
            serde_json::json!({"command": "set-attribute", "attribute": attribute, "values": values})
        }
        UsersCommand::Disable { .. } => serde_json::json!({"command": "disable"}),
        UsersCommand::Enable { .. } => serde_json::json!({"command": "enable"}),
        UsersCommand::ResetPassword { .. } => serde_json::json!({"command": "reset-password"}),
    };
    let user = match command {
        UsersCommand::Add {
            email,
            name,
            role,
            password_stdin,
            no_password,
        } => {
            // the password first: a bad one adds no user
            let hash = if no_password {
                None
            } else {
                let password = new_password(password_stdin, &email).await?;
                Some(crate::password::hash(password).await?)
            };
            store.add_user(&email, &name, role).await?;
            store.set_password_hash(&email, hash).await?
        }
        UsersCommand::List => {
            for u in store.users().await? {
                println!("{}", user_line(&u));
            }
            return Ok(());
        }
        UsersCommand::SetRole { email, role } => {
            store.update_user(&email, move |u| u.role = role).await?
        }
        UsersCommand::SetAttribute {
            email,
            attribute,
            values,
        } => {
            store
                .update_user(&email, move |u| {
                    if values.is_empty() {
                        u.attributes.remove(&attribute);
                    } else {
                        u.attributes.insert(attribute, values);
                    }
                })
                .await?
        }
        UsersCommand::Disable { email } => store.update_user(&email, |u| u.disabled = true).await?,
        UsersCommand::Enable { email } => store.update_user(&email, |u| u.disabled = false).await?,
        UsersCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            store.user(&email).await?;
            let password = new_password(password_stdin, &email).await?;
            let hash = crate::password::hash(password).await?;
            store.set_password_hash(&email, Some(hash)).await?
        }
    };
    // the command's shape, never a password (those come from stdin or are made here)
    store
        .audit(crate::store::AuditRecord {
            actor: None,
            via: "cli",
            action,
            detail: serde_json::json!({"user": user.email, "command": what}),
        })
        .await?;
    println!("{}", user_line(&user));
    Ok(())
}

/// Run a `keys` command; prints what it did (a new key's secret, once).
pub async fn keys(db: &DatabaseArg, command: KeysCommand) -> anyhow::Result<()> {
    let store = open(db)?;
    match command {
        KeysCommand::Create {
            email,
            name,
            expires_days,
        } => {
            let expires = expires_days.map(|d| Utc::now() + Duration::days(i64::from(d)));
            let (key, secret) = store.create_key(&email, &name, expires).await?;
            store
                .audit(crate::store::AuditRecord {
                    actor: None,
                    via: "cli",
                    action: "key_created",
                    detail: serde_json::json!({"key": key.id, "user": email, "name": key.name}),
                })
                .await?;
            eprintln!(
                "key '{}' for {email}; its secret is shown only now:",
                key.id
            );
            println!("{secret}");
        }
        KeysCommand::List { email } => {
            for k in store.keys(&email).await? {
                println!("{}", key_line(&k));
            }
        }
        KeysCommand::Revoke { id } => {
            store.revoke_key(&id).await?;
            store
                .audit(crate::store::AuditRecord {
                    actor: None,
                    via: "cli",
                    action: "key_revoked",
                    detail: serde_json::json!({"key": id}),
                })
                .await?;
            println!("revoked key '{id}'");
        }
    }
    Ok(())
}
