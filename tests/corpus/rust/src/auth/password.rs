//! Password hashing and verification for customer and staff accounts.
//!
//! New hashes are always Argon2id. Accounts imported from the old PHP shop
//! still carry bcrypt hashes and are upgraded on their next successful login.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use thiserror::Error;

const MIN_LENGTH: usize = 12;
const MAX_LENGTH: usize = 128;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("password must be between {MIN_LENGTH} and {MAX_LENGTH} characters")]
    Length,
    #[error("password must contain at least one digit")]
    MissingDigit,
    #[error("password is on the list of commonly used passwords")]
    TooCommon,
    #[error("failed to hash password")]
    Hash,
    #[error("invalid credentials")]
    InvalidCredentials,
}

#[derive(Debug, Clone)]
pub struct HashingConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashingConfig {
    fn default() -> Self { // expect: lane2
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

static COMMON: &[&str] = &[
    "password1234",
    "qwertyuiop12",
    "letmein12345",
    "123456789012",
    "iloveyou1234",
];

pub fn check_password_strength(candidate: &str) -> Result<(), PasswordError> { // expect: lane3 security
    let len = candidate.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&len) {
        return Err(PasswordError::Length);
    }
    if !candidate.chars().any(|c| c.is_ascii_digit()) {
        return Err(PasswordError::MissingDigit);
    }
    let lowered = candidate.to_lowercase();
    if COMMON.iter().any(|common| *common == lowered) {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

fn hasher(config: &HashingConfig) -> Argon2<'static> { // expect: lane3 security
    let params = Params::new(config.memory_kib, config.iterations, config.parallelism, None)
        .expect("argon2 params from config are validated at startup");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(plain: &str, config: &HashingConfig) -> Result<String, PasswordError> { // expect: lane3 security
    check_password_strength(plain)?;
    let salt = SaltString::generate(&mut OsRng);
    hasher(config)
        .hash_password(plain.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| {
            tracing::error!(error = %err, "argon2 hashing failed");
            PasswordError::Hash
        })
}

pub fn verify_password(plain: &str, stored: &str) -> Result<(), PasswordError> { // expect: lane3 security
    if stored.starts_with("$2") {
        return legacy::verify_bcrypt(plain, stored);
    }
    let parsed = PasswordHash::new(stored).map_err(|_| PasswordError::InvalidCredentials)?;
    Argon2::default()
        .verify_password(plain.as_bytes(), &parsed)
        .map_err(|_| PasswordError::InvalidCredentials)
}

/// Returns true when a stored hash was produced with weaker parameters than
/// the current config and should be replaced after the next successful login.
pub fn needs_rehash(stored: &str, config: &HashingConfig) -> bool { // expect: lane3 security
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(params) => params.m_cost() < config.memory_kib || params.t_cost() < config.iterations,
        Err(_) => true,
    }
}

/// Canonical form used for account lookups. The password never passes
/// through here; only the login name is normalised.
pub fn normalize_login_name(raw: &str) -> String { // expect: lane2
    raw.trim().trim_matches('"').to_lowercase()
}

mod legacy {
    use super::PasswordError;

    /// Accounts migrated from the PHP monolith still carry bcrypt hashes.
    pub(super) fn verify_bcrypt(plain: &str, stored: &str) -> Result<(), PasswordError> { // expect: lane3 security
        match bcrypt::verify(plain, stored) {
            Ok(true) => Ok(()),
            Ok(false) => Err(PasswordError::InvalidCredentials),
            Err(err) => {
                tracing::warn!(error = %err, "malformed legacy bcrypt hash");
                Err(PasswordError::InvalidCredentials)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast_config() -> HashingConfig { // expect: lane1
        HashingConfig {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn hash_and_verify_roundtrip() { // expect: lane1
        let hash = hash_password("correct horse battery 9", &fast_config()).unwrap();
        assert!(verify_password("correct horse battery 9", &hash).is_ok());
        assert_eq!(
            verify_password("correct horse battery 8", &hash),
            Err(PasswordError::InvalidCredentials)
        );
        assert!(needs_rehash(&hash, &HashingConfig::default()));
    }

    #[test]
    fn rejects_common_passwords() { // expect: lane1
        assert_eq!(
            check_password_strength("LetMeIn12345"),
            Err(PasswordError::TooCommon)
        );
        assert_eq!(check_password_strength("short1"), Err(PasswordError::Length));
    }
}
