//! End-to-end checkout flow against a throwaway Postgres database, with
//! Stripe in test mode (STRIPE_SECRET_KEY=sk_test_...).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use shop::auth::password::{hash_password, HashingConfig};
use shop::db::queries::CartLine;
use shop::http::handlers::AppState;
use shop::pricing::{cart_total, parse_coupon, sales_tax_cents};
use sqlx::PgPool;
use tower::ServiceExt;

const TEST_PASSWORD: &str = "integration-test-pw-1";

async fn test_pool() -> PgPool { // expect: lane1
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://shop:shop@localhost/shop_test".into());
    let pool = PgPool::connect(&url).await.expect("test database is reachable");
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .expect("migrations apply cleanly");
    pool
}

async fn reset_tables(pool: &PgPool) { // expect: lane1
    sqlx::query("TRUNCATE orders, cart_lines, products, users RESTART IDENTITY CASCADE")
        .execute(pool)
        .await
        .unwrap();
}

async fn seed_user(pool: &PgPool, email: &str, role: &str) -> i64 { // expect: lane1
    let fast = HashingConfig {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };
    let hash = hash_password(TEST_PASSWORD, &fast).unwrap();
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash, role, stripe_customer)
         VALUES ($1, 'Test User', $2, $3, 'cus_test_123') RETURNING id",
    )
    .bind(email)
    .bind(hash)
    .bind(role)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn seed_cart(pool: &PgPool, user_id: i64, price_cents: i64, quantity: i32) { // expect: lane1
    sqlx::query("INSERT INTO products (id, name, price_cents, stock) VALUES (1, 'Mug', $1, 100)")
        .bind(price_cents)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO cart_lines (user_id, product_id, quantity) VALUES ($1, 1, $2)")
        .bind(user_id)
        .bind(quantity)
        .execute(pool)
        .await
        .unwrap();
}

async fn app_with(pool: PgPool) -> Router { // expect: lane1
    let state = AppState::for_tests(pool).await;
    shop::http::router(state)
}

fn json_request(method: &str, uri: &str, token: &str, body: serde_json::Value) -> Request<Body> { // expect: lane1
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if !token.is_empty() {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

async fn login_token(app: &Router, email: &str) -> String { // expect: lane1
    let res = app
        .clone()
        .oneshot(json_request(
            "POST",
            "/login",
            "",
            serde_json::json!({ "email": email, "password": TEST_PASSWORD }),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn checkout_charges_cart_total() { // expect: lane1
    let pool = test_pool().await;
    reset_tables(&pool).await;
    let user_id = seed_user(&pool, "buyer@example.com", "customer").await;
    seed_cart(&pool, user_id, 1200, 2).await;
    let app = app_with(pool.clone()).await;
    let token = login_token(&app, "buyer@example.com").await;

    let res = app
        .oneshot(json_request("POST", "/checkout", &token, serde_json::Value::Null))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let total: i64 = sqlx::query_scalar("SELECT total_cents FROM orders WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(total, 2400);
}

#[tokio::test]
async fn checkout_with_bad_coupon_is_rejected() { // expect: lane1
    let pool = test_pool().await;
    reset_tables(&pool).await;
    let user_id = seed_user(&pool, "coupon@example.com", "customer").await;
    seed_cart(&pool, user_id, 500, 1).await;
    let app = app_with(pool.clone()).await;
    let token = login_token(&app, "coupon@example.com").await;

    let coupon = serde_json::json!(r#"{"kind":"percent","percent":95}"#);
    let res = app
        .oneshot(json_request("POST", "/checkout", &token, coupon))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(orders, 0, "no order may be created when the coupon is invalid");
}

#[tokio::test]
async fn refund_endpoint_requires_admin() { // expect: lane1
    let pool = test_pool().await;
    reset_tables(&pool).await;
    seed_user(&pool, "customer@example.com", "customer").await;
    let app = app_with(pool).await;
    let token = login_token(&app, "customer@example.com").await;

    let res = app
        .oneshot(json_request(
            "POST",
            "/admin/refunds",
            &token,
            serde_json::json!({ "payment_intent": "pi_test_1", "amount": 100 }),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[test]
fn receipt_total_includes_tax_after_discount() { // expect: lane1
    let lines = vec![CartLine {
        product_id: 1,
        quantity: 3,
        unit_price_cents: 1999,
    }];
    let coupon = parse_coupon(r#"{"kind":"fixed","amount_cents":500}"#).unwrap();
    let subtotal = cart_total(&lines, Some(&coupon));
    assert_eq!(subtotal, 5497);
    assert_eq!(sales_tax_cents("CA", subtotal), 399);
}
