//! Passwords: Argon2id (the `argon2` crate's defaults, PHC strings with their own salt),
//! hashed and checked on a blocking thread so a login never stalls the runtime. A password
//! is never logged, stored or sent back; only its hash is kept.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// The shortest password accepted.
pub const MIN_LEN: usize = 10;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("a password needs at least {MIN_LEN} characters")]
    TooShort,
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The blocking task did not finish.
    #[error("the password task failed")]
    Task,
}

/// Check a new password's strength.
pub fn check(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    Ok(())
}

/// The Argon2id hash (PHC string) of a new password, checked first.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    check(&password)?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|_| PasswordError::Task)?
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `hash`. Without a hash (no such user, or no password set) a
/// stand-in hash is checked anyway, so the answer takes as long either way.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stand_in = || {
            static STAND_IN: OnceLock<String> = OnceLock::new();
            STAND_IN
                .get_or_init(|| hash_now("not a password of anyone").unwrap_or_default())
                .clone()
        };
        let (phc, real) = match hash {
            Some(h) => (h, true),
            None => (stand_in(), false),
        };
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .unwrap_or(false)
}

/// A new random password (20 characters, ~119 bits), for `users reset-password`.
pub fn generate() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_checks_its_password_only() {
        let h = hash("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("correct horse"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("correct horse battery!".into(), Some(h)).await);
        assert!(!verify("correct horse battery".into(), None).await);
        assert!(!verify("x".into(), Some("not a hash".into())).await);
        assert!(matches!(
            hash("short".into()).await,
            Err(PasswordError::TooShort)
        ));
        assert_eq!(generate().expect("random").len(), 20);
    }
}
