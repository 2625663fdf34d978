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
    #[arg(long, env = "BOLTIC_DATABASE", default_value = "boltic.db")]
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
    /// Disable a user: their keys stop working at once.
    Disable {
        /// The user's email.
        email: String,
    },
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
    let user = match command {
        UsersCommand::Add { email, name, role } => store.add_user(&email, &name, role).await?,
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
    };
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
            println!("revoked key '{id}'");
        }
    }
    Ok(())
}
