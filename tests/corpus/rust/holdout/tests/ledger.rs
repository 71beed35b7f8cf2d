//! Integration tests for the ledger against a throwaway Postgres.

use holdout::ledger::{allocate_pro_rata, split_fee, verify_webhook, AccountId, Ledger};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

async fn seed_accounts(pool: &PgPool, balances: &[(i64, i64)]) { // expect: lane1
    for (id, bal) in balances {
        sqlx::query("INSERT INTO accounts (id, balance) VALUES ($1, $2)")
            .bind(id)
            .bind(bal)
            .execute(pool)
            .await
            .unwrap();
    }
}

fn sign(secret: &[u8], body: &[u8]) -> String { // expect: lane1
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[sqlx::test]
async fn transfer_moves_funds(pool: PgPool) { // expect: lane1
    seed_accounts(&pool, &[(1, 10_000), (2, 0)]).await;
    let ledger = Ledger::new(pool.clone());
    ledger.post_transfer(AccountId(1), AccountId(2), 2_500, "rent").await.unwrap();
    assert_eq!(ledger.balance_of(AccountId(2)).await.unwrap(), 2_500);
}

#[sqlx::test]
async fn overdraft_is_rejected(pool: PgPool) { // expect: lane1
    seed_accounts(&pool, &[(1, 100), (2, 0)]).await;
    let ledger = Ledger::new(pool);
    assert!(ledger.post_transfer(AccountId(1), AccountId(2), 101, "too much").await.is_err());
}

#[sqlx::test]
async fn refund_reverses_transfer(pool: PgPool) { // expect: lane1
    seed_accounts(&pool, &[(1, 1_000), (2, 0)]).await;
    let ledger = Ledger::new(pool);
    let id = ledger.post_transfer(AccountId(1), AccountId(2), 400, "order").await.unwrap();
    ledger.refund(id).await.unwrap();
    assert_eq!(ledger.balance_of(AccountId(1)).await.unwrap(), 1_000);
}

#[sqlx::test]
async fn cleanup_truncates_between_runs(pool: PgPool) { // expect: lane1
    sqlx::query("TRUNCATE postings, accounts").execute(&pool).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(&pool).await.unwrap();
    assert_eq!(n, 0);
}

#[test]
fn webhook_signature_round_trip() { // expect: lane1
    let body = br#"{"type":"transfer.settled"}"#;
    let sig = sign(b"test-secret", body);
    assert!(verify_webhook(b"test-secret", body, &sig));
    assert!(!verify_webhook(b"other-secret", body, &sig));
}

#[test]
fn fee_split_rounds_half_up() { // expect: lane1
    assert_eq!(split_fee(10_050, 250), (9_799, 251));
    assert_eq!(allocate_pro_rata(10, &[0, 0]), vec![0, 0]);
}
