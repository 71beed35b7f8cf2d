//! Identity provider: password login, sessions, and Google SSO.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::StatusCode;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub aud: String,
    pub scope: String,
    pub exp: u64,
}

#[derive(Debug, Deserialize)]
pub struct GoogleTokens {
    pub id_token: String,
    pub access_token: String,
}

pub struct UserRecord {
    pub id: u64,
    pub email: String,
    pub password_hash: String,
}

#[derive(Clone)]
struct Session {
    user_id: u64,
    last_seen: SystemTime,
}

fn unix_now() -> u64 { // expect: lane2
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> { // expect: lane3 security
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

pub fn verify_password(stored: &str, password: &str) -> bool { // expect: lane3 security
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

pub fn new_csrf_state() -> String { // expect: lane3 security
    let mut buf = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn sign_token(key: &EncodingKey, user_id: u64, audience: &str, scopes: &BTreeSet<String>) -> String { // expect: lane3 security
    let claims = Claims {
        sub: user_id.to_string(),
        aud: audience.to_string(),
        scope: scopes.iter().cloned().collect::<Vec<_>>().join(" "),
        exp: unix_now() + 900,
    };
    encode(&Header::new(Algorithm::ES256), &claims, key).expect("signing with a valid key")
}

pub fn validate_token(key: &DecodingKey, token: &str, audience: &str) -> Result<Claims, StatusCode> { // expect: lane3 security
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[audience]);
    decode::<Claims>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|_| StatusCode::UNAUTHORIZED)
}

pub fn parse_scopes(raw: &str) -> BTreeSet<String> { // expect: lane2
    raw.split(|c: char| c == ' ' || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn require_scope(claims: &Claims, needed: &str) -> Result<(), StatusCode> { // expect: lane3 permission
    if claims.scope.split(' ').any(|s| s == needed) {
        Ok(())
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

pub fn normalize_email(input: &str) -> String { // expect: lane2
    input.trim().to_lowercase()
}

pub struct SessionStore {
    sessions: RwLock<HashMap<String, Session>>,
    users: HashMap<String, UserRecord>,
}

impl SessionStore {
    pub fn new(users: Vec<UserRecord>) -> Self { // expect: lane2
        let users = users.into_iter().map(|u| (u.email.clone(), u)).collect();
        Self { sessions: RwLock::new(HashMap::new()), users }
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<String, StatusCode> { // expect: lane3 identity
        let user = self.users.get(&normalize_email(email)).ok_or(StatusCode::UNAUTHORIZED)?;
        if !verify_password(&user.password_hash, password) {
            return Err(StatusCode::UNAUTHORIZED);
        }
        let sid = new_csrf_state();
        self.sessions.write().await.insert(
            sid.clone(),
            Session { user_id: user.id, last_seen: SystemTime::now() },
        );
        Ok(sid)
    }

    pub async fn logout(&self, session_id: &str) -> bool { // expect: lane3 identity
        self.sessions.write().await.remove(session_id).is_some()
    }

    pub async fn current_user(&self, session_id: &str) -> Option<u64> { // expect: lane3 security
        let mut sessions = self.sessions.write().await;
        let session = sessions.get_mut(session_id)?;
        if session.last_seen.elapsed().unwrap_or_default() > SESSION_IDLE {
            sessions.remove(session_id);
            return None;
        }
        session.last_seen = SystemTime::now();
        Some(session.user_id)
    }

    pub async fn revoke_all_sessions(&self, user_id: u64) -> usize { // expect: lane3 identity
        let mut sessions = self.sessions.write().await;
        let before = sessions.len();
        sessions.retain(|_, s| s.user_id != user_id);
        before - sessions.len()
    }

    pub fn register_user(&mut self, email: &str, password: &str) -> Result<u64, StatusCode> { // expect: lane3 identity
        let email = normalize_email(email);
        if self.users.contains_key(&email) || password.len() < 12 {
            return Err(StatusCode::UNPROCESSABLE_ENTITY);
        }
        let password_hash = hash_password(password).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        let id = self.users.len() as u64 + 1;
        self.users.insert(email.clone(), UserRecord { id, email, password_hash });
        Ok(id)
    }

    pub fn active_user_count(&self) -> usize { // expect: lane2
        self.users.len()
    }
}

pub async fn exchange_google_code( // expect: lane3 identity
    http: &reqwest::Client,
    client_id: &str,
    client_secret: &str,
    code: &str,
    redirect_uri: &str,
) -> Result<GoogleTokens, reqwest::Error> {
    http.post("https://oauth2.googleapis.com/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("redirect_uri", redirect_uri),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

pub fn consent_page(app_name: &str, scopes: &BTreeSet<String>) -> String { // expect: lane1
    let items: String = scopes.iter().map(|s| format!("<li>{s}</li>")).collect();
    format!("<h1>{app_name} would like to:</h1><ul>{items}</ul><button>Allow</button>")
}
