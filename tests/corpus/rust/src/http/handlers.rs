//! Public storefront API (axum).

use std::sync::Arc;
use std::time::Duration;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Extension, Json,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::auth::password::{self, HashingConfig};
use crate::auth::session::SessionStore;
use crate::billing::stripe::BillingService;
use crate::db::queries;
use crate::pricing;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub sessions: Arc<SessionStore>,
    pub billing: Arc<BillingService>,
    pub hashing: HashingConfig,
    pub http: reqwest::Client,
}

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub role: String,
    pub stripe_customer: Option<stripe::CustomerId>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("upstream service failed")]
    Upstream,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response { // expect: lane2
        let status = match &self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Db(_) | ApiError::Upstream => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Turns page/per_page into a LIMIT/OFFSET pair. This does no permission
/// checks; it only clamps the numbers a client sent.
fn page_window(params: &ListParams) -> (i64, i64) { // expect: lane2
    let per_page = i64::from(params.per_page.unwrap_or(20).clamp(1, 100));
    let page = i64::from(params.page.unwrap_or(1).max(1));
    (per_page, (page - 1) * per_page)
}

pub fn require_role(user: &CurrentUser, allowed: &[&str]) -> Result<(), StatusCode> { // expect: lane3 permission
    if allowed.iter().any(|role| *role == user.role) {
        return Ok(());
    }
    tracing::warn!(user = user.id, role = %user.role, "role check failed");
    Err(StatusCode::FORBIDDEN)
}

pub async fn get_product( // expect: lane2
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<queries::Product>, ApiError> {
    queries::find_product(&state.pool, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

pub async fn list_products( // expect: lane2
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<queries::Product>>, ApiError> {
    let (limit, offset) = page_window(&params);
    let term = params.q.as_deref().unwrap_or("").trim();
    let products = queries::search_products(&state.pool, term, limit, offset).await?;
    Ok(Json(products))
}

#[derive(Debug, Deserialize)]
pub struct AddToCart {
    pub product_id: i64,
    pub quantity: u32,
}

pub async fn add_to_cart( // expect: lane2
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Json(body): Json<AddToCart>,
) -> Result<StatusCode, ApiError> {
    if body.quantity == 0 || body.quantity > 50 {
        return Err(ApiError::BadRequest("quantity must be between 1 and 50".into()));
    }
    let product = queries::find_product(&state.pool, body.product_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if product.stock < body.quantity as i32 {
        return Err(ApiError::BadRequest(format!(
            "only {} left in stock",
            product.stock
        )));
    }
    queries::upsert_cart_line(&state.pool, user.id, body.product_id, body.quantity as i32).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
pub struct CheckoutReceipt {
    pub order_id: i64,
    pub charged_cents: i64,
}

pub async fn checkout( // expect: lane3 billing
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Json(coupon): Json<Option<String>>,
) -> Result<Json<CheckoutReceipt>, ApiError> {
    let customer = user
        .stripe_customer
        .clone()
        .ok_or_else(|| ApiError::BadRequest("no payment method on file".into()))?;
    let lines = queries::cart_lines(&state.pool, user.id).await?;
    if lines.is_empty() {
        return Err(ApiError::BadRequest("cart is empty".into()));
    }
    let coupon = coupon
        .as_deref()
        .map(pricing::parse_coupon)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let total = pricing::cart_total(&lines, coupon.as_ref());
    let order_id = queries::insert_order(&state.pool, user.id, total).await?;
    state
        .billing
        .charge(&customer, total, &order_id.to_string())
        .await
        .map_err(|_| ApiError::Upstream)?;
    Ok(Json(CheckoutReceipt {
        order_id,
        charged_cents: total,
    }))
}

#[derive(Debug, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

pub async fn login( // expect: lane3 identity
    State(state): State<AppState>,
    Json(creds): Json<Credentials>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let email = password::normalize_login_name(&creds.email);
    let Some(user) = queries::find_user_credentials(&state.pool, &email).await? else {
        return Err(ApiError::Unauthorized);
    };
    password::verify_password(&creds.password, &user.password_hash)
        .map_err(|_| ApiError::Unauthorized)?;
    let token = state
        .sessions
        .issue_token(user.id, &user.role)
        .map_err(|_| ApiError::Upstream)?;
    tracing::info!(user = user.id, "login succeeded");
    Ok(Json(serde_json::json!({ "token": token })))
}

#[derive(Debug, Deserialize)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub display_name: String,
}

pub async fn sign_up( // expect: lane3 identity
    State(state): State<AppState>,
    Json(body): Json<SignUp>,
) -> Result<StatusCode, ApiError> {
    let email = password::normalize_login_name(&body.email);
    if !email.contains('@') || body.display_name.trim().is_empty() {
        return Err(ApiError::BadRequest("email and display name are required".into()));
    }
    let hash = password::hash_password(&body.password, &state.hashing)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    queries::create_user(&state.pool, &email, body.display_name.trim(), &hash).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Deserialize)]
pub struct OAuthCallback {
    pub code: String,
    pub state: String,
}

pub async fn oauth_callback( // expect: lane3 identity
    State(state): State<AppState>,
    jar: CookieJar,
    Query(cb): Query<OAuthCallback>,
) -> Result<(CookieJar, Redirect), ApiError> {
    let expected = jar
        .get("oauth_state")
        .map(|c| c.value().to_owned())
        .ok_or(ApiError::Unauthorized)?;
    if expected != cb.state {
        tracing::warn!("oauth state mismatch");
        return Err(ApiError::Unauthorized);
    }
    let profile = crate::auth::oidc::exchange_code(&state.http, &cb.code)
        .await
        .map_err(|_| ApiError::Unauthorized)?;
    let user_id =
        queries::find_or_create_sso_user(&state.pool, &profile.email, &profile.subject).await?;
    let session_id = state.sessions.login(user_id).await;
    let cookie = Cookie::build(("sid", session_id))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .path("/");
    let jar = jar.remove(Cookie::from("oauth_state")).add(cookie);
    Ok((jar, Redirect::to("/account")))
}

pub async fn delete_review( // expect: lane3 permission
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(review_id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let review = queries::find_review(&state.pool, review_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if review.author_id != user.id && user.role != "moderator" {
        tracing::warn!(user = user.id, review_id, "review removal refused");
        return Ok(StatusCode::FORBIDDEN);
    }
    queries::hide_review(&state.pool, review_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct ResetRequest {
    pub email: String,
}

pub async fn request_password_reset( // expect: lane3 identity
    State(state): State<AppState>,
    Json(body): Json<ResetRequest>,
) -> StatusCode {
    let email = password::normalize_login_name(&body.email);
    let mut token = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut token);
    let digest = hex::encode(Sha256::digest(token));
    match queries::store_reset_token(&state.pool, &email, &digest).await {
        Ok(true) => {
            if let Err(err) = crate::mail::send_reset_link(&email, &hex::encode(token)).await {
                tracing::error!(error = %err, "failed to send reset mail");
            }
        }
        Ok(false) => tracing::debug!("reset requested for unknown address"),
        Err(err) => tracing::error!(error = %err, "could not store reset token"),
    }
    // Same response either way so addresses cannot be enumerated.
    StatusCode::ACCEPTED
}

#[derive(Debug, Deserialize)]
pub struct QuoteQuery {
    pub zip: String,
    pub weight_grams: u32,
}

/// Asks the carrier API for a rate, reusing the shared reqwest session so
/// cookies and pooled connections survive between calls.
pub async fn shipping_quote( // expect: lane2
    State(state): State<AppState>,
    Query(q): Query<QuoteQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if q.zip.len() != 5 || !q.zip.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::BadRequest("zip must be 5 digits".into()));
    }
    let grams = q.weight_grams.to_string();
    let resp = state
        .http
        .get("https://rates.example-carrier.com/v2/quote")
        .query(&[("zip", q.zip.as_str()), ("grams", grams.as_str())])
        .send()
        .await
        .map_err(|_| ApiError::Upstream)?;
    let body: serde_json::Value = resp.json().await.map_err(|_| ApiError::Upstream)?;
    Ok(Json(body))
}

pub fn build_http_session() -> reqwest::Client { // expect: lane2
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent("shop-backend/1.0")
        .build()
        .expect("static reqwest configuration is valid")
}
