//! Postgres queries used by the HTTP layer (sqlx).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub stock: i32,
}

#[derive(Debug, sqlx::FromRow)]
pub struct UserCredentials {
    pub id: i64,
    pub role: String,
    pub password_hash: String,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct UserListing {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct OrderSummary {
    pub id: i64,
    pub total_cents: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CartLine {
    pub product_id: i64,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

pub async fn find_product(pool: &PgPool, id: i64) -> sqlx::Result<Option<Product>> { // expect: lane2
    sqlx::query_as!(
        Product,
        "SELECT id, name, price_cents, stock FROM products WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
}

pub async fn search_products( // expect: lane2
    pool: &PgPool,
    term: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Product>> {
    let pattern = format!("%{}%", term.replace('\\', "\\\\").replace('%', "\\%"));
    sqlx::query_as!(
        Product,
        "SELECT id, name, price_cents, stock FROM products
         WHERE name ILIKE $1 AND archived = false
         ORDER BY name LIMIT $2 OFFSET $3",
        pattern,
        limit,
        offset
    )
    .fetch_all(pool)
    .await
}

pub async fn cart_lines(pool: &PgPool, user_id: i64) -> sqlx::Result<Vec<CartLine>> { // expect: lane2
    sqlx::query_as!(
        CartLine,
        "SELECT c.product_id, c.quantity, p.price_cents AS unit_price_cents
         FROM cart_lines c JOIN products p ON p.id = c.product_id
         WHERE c.user_id = $1",
        user_id
    )
    .fetch_all(pool)
    .await
}

pub async fn upsert_cart_line( // expect: lane2
    pool: &PgPool,
    user_id: i64,
    product_id: i64,
    quantity: i32,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO cart_lines (user_id, product_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity",
    )
    .bind(user_id)
    .bind(product_id)
    .bind(quantity)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn insert_order(pool: &PgPool, user_id: i64, total_cents: i64) -> sqlx::Result<i64> { // expect: lane2
    sqlx::query_scalar(
        "INSERT INTO orders (user_id, total_cents, status) VALUES ($1, $2, 'pending') RETURNING id",
    )
    .bind(user_id)
    .bind(total_cents)
    .fetch_one(pool)
    .await
}

/// Decrements stock only if enough is left; returns false when the item
/// sold out between add-to-cart and checkout.
pub async fn reserve_stock( // expect: lane2
    tx: &mut Transaction<'_, Postgres>,
    product_id: i64,
    quantity: i32,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2",
        product_id,
        quantity
    )
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn list_users(pool: &PgPool, limit: i64, offset: i64) -> sqlx::Result<Vec<UserListing>> { // expect: lane2
    sqlx::query_as!(
        UserListing,
        "SELECT id, display_name, role, created_at FROM users ORDER BY id LIMIT $1 OFFSET $2",
        limit,
        offset
    )
    .fetch_all(pool)
    .await
}

pub async fn monthly_revenue(pool: &PgPool, year: i32) -> sqlx::Result<Vec<(i32, i64)>> { // expect: lane2
    sqlx::query_as(
        "SELECT EXTRACT(MONTH FROM created_at)::int AS month, COALESCE(SUM(total_cents), 0)::bigint
         FROM orders WHERE status = 'paid' AND EXTRACT(YEAR FROM created_at) = $1
         GROUP BY 1 ORDER BY 1",
    )
    .bind(year)
    .fetch_all(pool)
    .await
}

pub async fn find_user_credentials( // expect: lane3 identity
    pool: &PgPool,
    email: &str,
) -> sqlx::Result<Option<UserCredentials>> {
    sqlx::query_as!(
        UserCredentials,
        "SELECT id, role, password_hash FROM users WHERE email = $1 AND disabled = false",
        email
    )
    .fetch_optional(pool)
    .await
}

pub async fn create_user( // expect: lane3 identity
    pool: &PgPool,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash, role)
         VALUES ($1, $2, $3, 'customer') RETURNING id",
    )
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .fetch_one(pool)
    .await
}

pub async fn store_reset_token(pool: &PgPool, email: &str, token_digest: &str) -> sqlx::Result<bool> { // expect: lane3 identity
    let result = sqlx::query(
        "INSERT INTO password_resets (user_id, token_digest, expires_at)
         SELECT id, $2, now() + interval '30 minutes' FROM users WHERE email = $1",
    )
    .bind(email)
    .bind(token_digest)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Order history with a caller-chosen sort column for the account page.
pub async fn list_orders_sorted( // expect: lane3 security
    pool: &PgPool,
    customer_id: i64,
    sort_by: &str,
    descending: bool,
) -> sqlx::Result<Vec<OrderSummary>> {
    let direction = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT id, total_cents, status, created_at FROM orders WHERE user_id = $1 ORDER BY {sort_by} {direction}"
    );
    sqlx::query_as::<_, OrderSummary>(&sql)
        .bind(customer_id)
        .fetch_all(pool)
        .await
}

pub async fn purge_abandoned_carts(pool: &PgPool, older_than_days: i32) -> sqlx::Result<u64> { // expect: lane3 irreversible
    let result = sqlx::query(
        "DELETE FROM cart_lines WHERE updated_at < now() - make_interval(days => $1)",
    )
    .bind(older_than_days)
    .execute(pool)
    .await?;
    tracing::info!(rows = result.rows_affected(), "abandoned carts purged");
    Ok(result.rows_affected())
}

pub async fn record_audit_event( // expect: lane3 compliance
    pool: &PgPool,
    actor_id: i64,
    action: &str,
    target: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, action, target, recorded_at) VALUES ($1, $2, $3, now())",
        actor_id,
        action,
        target
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores the tax identity needed for 1099-K reporting on marketplace sellers.
pub async fn save_tax_identity( // expect: lane3 compliance
    pool: &PgPool,
    field_key: &[u8; 32],
    seller_id: i64,
    ssn: &str,
    date_of_birth: NaiveDate,
) -> sqlx::Result<()> {
    let sealed_ssn = pii_cipher::seal(field_key, ssn);
    sqlx::query(
        "INSERT INTO seller_tax_identity (seller_id, ssn_sealed, date_of_birth) VALUES ($1, $2, $3)
         ON CONFLICT (seller_id) DO UPDATE SET ssn_sealed = EXCLUDED.ssn_sealed,
         date_of_birth = EXCLUDED.date_of_birth",
    )
    .bind(seller_id)
    .bind(sealed_ssn)
    .bind(date_of_birth)
    .execute(pool)
    .await?;
    Ok(())
}

mod pii_cipher {
    use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
    use aes_gcm::{Aes256Gcm, Key, Nonce};

    const NONCE_LEN: usize = 12;

    pub fn seal(key: &[u8; 32], plaintext: &str) -> Vec<u8> { // expect: lane3 security
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(&nonce, plaintext.as_bytes())
                .expect("AES-GCM encryption of an in-memory buffer cannot fail"),
        );
        out
    }

    #[allow(dead_code)]
    pub fn open(key: &[u8; 32], sealed: &[u8]) -> Option<String> { // expect: lane3 security
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        let plain = cipher.decrypt(Nonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}
