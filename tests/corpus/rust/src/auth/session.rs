//! Session management: opaque session ids for the storefront and signed
//! JWTs for the public API, plus webhook and license signatures.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::rngs::OsRng;
use rand::RngCore;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::RwLock;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iat: u64,
    pub exp: u64,
}

pub struct SessionConfig {
    pub jwt_secret: Vec<u8>,
    pub idle_timeout: Duration,
    pub token_ttl: Duration,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub created_at: SystemTime,
    pub last_seen: SystemTime,
}

pub struct SessionStore {
    config: SessionConfig,
    sessions: RwLock<HashMap<String, Session>>,
}

fn unix_now() -> u64 { // expect: lane2
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl SessionStore {
    pub fn new(config: SessionConfig) -> Self { // expect: lane2
        Self {
            config,
            sessions: RwLock::new(HashMap::new()),
        }
    }

    pub fn issue_token(&self, user_id: i64, role: &str) -> jsonwebtoken::errors::Result<String> { // expect: lane3 security
        let iat = unix_now();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            iat,
            exp: iat + self.config.token_ttl.as_secs(),
        };
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.config.jwt_secret),
        )
    }

    pub fn verify_token(&self, token: &str) -> jsonwebtoken::errors::Result<Claims> { // expect: lane3 security
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "sub"]);
        decode::<Claims>(
            token,
            &DecodingKey::from_secret(&self.config.jwt_secret),
            &validation,
        )
        .map(|data| data.claims)
    }

    pub async fn login(&self, user_id: i64) -> String { // expect: lane3 identity
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let session_id = hex::encode(raw);
        let now = SystemTime::now();
        self.sessions.write().await.insert(
            session_id.clone(),
            Session {
                user_id,
                created_at: now,
                last_seen: now,
            },
        );
        tracing::info!(user_id, "session opened");
        session_id
    }

    pub async fn logout(&self, session_id: &str) -> bool { // expect: lane3 identity
        let removed = self.sessions.write().await.remove(session_id);
        if let Some(session) = &removed {
            tracing::info!(user_id = session.user_id, "session closed");
        }
        removed.is_some()
    }

    /// Resolves a session cookie to a user id, sliding the idle window.
    pub async fn authenticate(&self, session_id: &str) -> Option<i64> { // expect: lane3 security
        let timeout = self.config.idle_timeout;
        let mut sessions = self.sessions.write().await;
        let expired = match sessions.get_mut(session_id) {
            Some(s) if s.last_seen.elapsed().unwrap_or(Duration::MAX) <= timeout => {
                s.last_seen = SystemTime::now();
                return Some(s.user_id);
            }
            Some(_) => true,
            None => false,
        };
        if expired {
            sessions.remove(session_id);
        }
        None
    }

    pub async fn expire_idle_sessions(&self) -> usize { // expect: lane3 security
        let timeout = self.config.idle_timeout;
        let mut sessions = self.sessions.write().await;
        let before = sessions.len();
        sessions.retain(|_, s| {
            s.last_seen
                .elapsed()
                .map(|idle| idle <= timeout)
                .unwrap_or(false)
        });
        before - sessions.len()
    }
}

/// Signs outgoing webhook bodies so receivers can check they came from us.
pub fn sign_webhook(secret: &[u8], body: &[u8]) -> String { // expect: lane3 security
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

pub fn verify_webhook_signature(secret: &[u8], body: &[u8], signature_hex: &str) -> bool { // expect: lane3 security
    let Ok(expected) = hex::decode(signature_hex) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

pub fn generate_api_key(prefix: &str) -> Result<String, ring::error::Unspecified> { // expect: lane3 security
    let rng = SystemRandom::new();
    let mut bytes = [0u8; 24];
    rng.fill(&mut bytes)?;
    Ok(format!(
        "{prefix}_{}",
        base64::encode_config(bytes, base64::URL_SAFE_NO_PAD)
    ))
}

/// Verifies the signature on an offline license file issued by the
/// licensing service.
pub fn verify_license(public_key: &[u8; 32], license_json: &[u8], signature: &[u8; 64]) -> bool { // expect: lane3 security
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    let sig = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(license_json, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> SessionStore { // expect: lane1
        SessionStore::new(SessionConfig {
            jwt_secret: b"test-only-secret".to_vec(),
            idle_timeout: Duration::from_secs(60),
            token_ttl: Duration::from_secs(300),
        })
    }

    #[test]
    fn token_roundtrip_keeps_role() { // expect: lane1
        let s = store();
        let token = s.issue_token(42, "editor").unwrap();
        let claims = s.verify_token(&token).unwrap();
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.role, "editor");
    }

    #[tokio::test]
    async fn logout_invalidates_session() { // expect: lane1
        let s = store();
        let id = s.login(7).await;
        assert_eq!(s.authenticate(&id).await, Some(7));
        assert!(s.logout(&id).await);
        assert_eq!(s.authenticate(&id).await, None);
    }

    #[test]
    fn webhook_signature_detects_tampering() { // expect: lane1
        let sig = sign_webhook(b"whsec_test", br#"{"id":1}"#);
        assert!(verify_webhook_signature(b"whsec_test", br#"{"id":1}"#, &sig));
        assert!(!verify_webhook_signature(b"whsec_test", br#"{"id":2}"#, &sig));
    }
}
