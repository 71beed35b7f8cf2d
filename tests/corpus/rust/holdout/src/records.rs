//! Patient records service (axum handlers + storage helpers).

use std::path::Path as FsPath;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use axum::extract::{FromRequestParts, Json, Path, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Row};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub field_key: Arc<Key<Aes256Gcm>>,
    pub sessions: Arc<dyn SessionLookup>,
}

pub trait SessionLookup: Send + Sync {
    fn user_for(&self, token: &str) -> Option<Clinician>;
}

#[derive(Clone, Debug)]
pub struct Clinician {
    pub id: i64,
    pub roles: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub struct PatientView {
    pub id: i64,
    pub name: String,
    pub ssn_masked: String,
    pub mrn: String,
}

#[derive(Deserialize)]
pub struct Vitals {
    pub systolic: u16,
    pub heart_rate: u16,
    pub resp_rate: u16,
    pub spo2: u8,
}

pub fn normalize_mrn(raw: &str) -> Option<String> { // expect: lane2
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    (6..=10).contains(&digits.len()).then(|| format!("{digits:0>10}"))
}

pub fn triage_level(v: &Vitals) -> u8 { // expect: lane2
    if v.spo2 < 90 || v.systolic < 90 || v.resp_rate > 29 {
        1
    } else if v.heart_rate > 120 || v.spo2 < 94 {
        2
    } else {
        3
    }
}

pub fn mask_ssn(ssn: &str) -> String { // expect: lane3 compliance
    let digits: Vec<char> = ssn.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 9 {
        return "***-**-****".into();
    }
    let last4: String = digits[5..].iter().collect();
    format!("***-**-{last4}")
}

pub fn redact_identifiers(note: &str) -> String { // expect: lane3 compliance
    let ssn = regex::Regex::new(r"\b\d{3}-\d{2}-\d{4}\b").unwrap();
    let passport = regex::Regex::new(r"\b[A-Z]{1,2}\d{7,8}\b").unwrap();
    let out = ssn.replace_all(note, "[SSN]");
    passport.replace_all(&out, "[PASSPORT]").into_owned()
}

pub fn encrypt_field(key: &Key<Aes256Gcm>, plaintext: &str) -> Vec<u8> { // expect: lane3 security
    let cipher = Aes256Gcm::new(key);
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let mut out = nonce.to_vec();
    out.extend(cipher.encrypt(&nonce, plaintext.as_bytes()).expect("aes-gcm encrypt"));
    out
}

pub fn decrypt_field(key: &Key<Aes256Gcm>, blob: &[u8]) -> Option<String> { // expect: lane3 security
    if blob.len() < 12 {
        return None;
    }
    let (nonce, body) = blob.split_at(12);
    let plain = Aes256Gcm::new(key).decrypt(Nonce::from_slice(nonce), body).ok()?;
    String::from_utf8(plain).ok()
}

#[axum::async_trait]
impl FromRequestParts<AppState> for Clinician {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> { // expect: lane3 security
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        state.sessions.user_for(token).ok_or(StatusCode::UNAUTHORIZED)
    }
}

pub async fn require_records_role(req: Request, next: Next) -> Result<Response, StatusCode> { // expect: lane3 permission
    let allowed = req
        .extensions()
        .get::<Clinician>()
        .map_or(false, |c| c.roles.iter().any(|r| r == "records:read"));
    if !allowed {
        return Err(StatusCode::FORBIDDEN);
    }
    Ok(next.run(req).await)
}

async fn on_care_team(pool: &PgPool, clinician: i64, patient: i64) -> bool { // expect: lane3 permission
    sqlx::query("SELECT 1 FROM care_team WHERE clinician_id = $1 AND patient_id = $2")
        .bind(clinician)
        .bind(patient)
        .fetch_optional(pool)
        .await
        .map_or(false, |row| row.is_some())
}

pub async fn write_audit(pool: &PgPool, actor: i64, patient: i64, action: &str) -> sqlx::Result<()> { // expect: lane3 compliance
    sqlx::query("INSERT INTO phi_access_log (actor_id, patient_id, action, at) VALUES ($1, $2, $3, now())")
        .bind(actor)
        .bind(patient)
        .bind(action)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn get_patient( // expect: lane3 permission
    State(state): State<AppState>,
    Path(patient_id): Path<i64>,
    who: Clinician,
) -> Result<Json<PatientView>, StatusCode> {
    if !on_care_team(&state.pool, who.id, patient_id).await {
        return Err(StatusCode::FORBIDDEN);
    }
    let row = sqlx::query("SELECT name, ssn_enc, mrn FROM patients WHERE id = $1")
        .bind(patient_id)
        .fetch_one(&state.pool)
        .await
        .map_err(|_| StatusCode::NOT_FOUND)?;
    let ssn = decrypt_field(&state.field_key, row.get::<Vec<u8>, _>("ssn_enc").as_slice()).unwrap_or_default();
    let _ = write_audit(&state.pool, who.id, patient_id, "view").await;
    Ok(Json(PatientView { id: patient_id, name: row.get("name"), ssn_masked: mask_ssn(&ssn), mrn: row.get("mrn") }))
}

pub async fn export_patient_data(pool: &PgPool, key: &Key<Aes256Gcm>, patient_id: i64) -> sqlx::Result<serde_json::Value> { // expect: lane3 compliance
    let p = sqlx::query("SELECT name, date_of_birth, ssn_enc, address FROM patients WHERE id = $1")
        .bind(patient_id)
        .fetch_one(pool)
        .await?;
    let encounters = sqlx::query("SELECT occurred_at::text, summary FROM encounters WHERE patient_id = $1")
        .bind(patient_id)
        .fetch_all(pool)
        .await?;
    Ok(serde_json::json!({
        "name": p.get::<String, _>("name"),
        "date_of_birth": p.get::<String, _>("date_of_birth"),
        "ssn": decrypt_field(key, p.get::<Vec<u8>, _>("ssn_enc").as_slice()),
        "address": p.get::<String, _>("address"),
        "encounters": encounters.iter().map(|r| (r.get::<String, _>(0), r.get::<String, _>(1))).collect::<Vec<_>>(),
    }))
}

pub async fn erase_patient(pool: &PgPool, patient_id: i64) -> sqlx::Result<u64> { // expect: lane3 compliance
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM encounters WHERE patient_id = $1").bind(patient_id).execute(&mut *tx).await?;
    let res = sqlx::query("DELETE FROM patients WHERE id = $1").bind(patient_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(res.rows_affected())
}

pub async fn delete_scan_file(storage_root: &FsPath, scan_id: &str) -> std::io::Result<()> { // expect: lane3 irreversible
    tokio::fs::remove_file(storage_root.join("scans").join(format!("{scan_id}.dcm"))).await
}

pub async fn truncate_import_staging(pool: &PgPool) -> sqlx::Result<()> { // expect: lane3 irreversible
    sqlx::query("TRUNCATE TABLE import_staging_patients, import_staging_encounters")
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn collect_copay( // expect: lane3 billing
    http: &reqwest::Client,
    api_key: &str,
    payment_method: &str,
    amount_cents: i64,
) -> Result<String, reqwest::Error> {
    let resp: serde_json::Value = http
        .post("https://api.stripe.com/v1/payment_intents")
        .bearer_auth(api_key)
        .form(&[
            ("amount", amount_cents.to_string()),
            ("currency", "usd".to_string()),
            ("payment_method", payment_method.to_string()),
            ("confirm", "true".to_string()),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(resp["id"].as_str().unwrap_or_default().to_string())
}

pub async fn complete_password_reset(pool: &PgPool, token_hash: &str, new_hash: &str) -> sqlx::Result<bool> { // expect: lane3 identity
    let res = sqlx::query(
        "UPDATE clinicians SET password_hash = $1, reset_token_hash = NULL \
         WHERE reset_token_hash = $2 AND reset_expires_at > now()",
    )
    .bind(new_hash)
    .bind(token_hash)
    .execute(pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub fn length_of_stay_hours(admitted_epoch: i64, discharged_epoch: Option<i64>, now_epoch: i64) -> i64 { // expect: lane2
    let end = discharged_epoch.unwrap_or(now_epoch);
    ((end - admitted_epoch).max(0) + 3_599) / 3_600
}
