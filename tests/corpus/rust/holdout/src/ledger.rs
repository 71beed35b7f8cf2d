//! Double-entry ledger core for the payments platform.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::{PgPool, Row};
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    Usd,
    Eur,
    Jpy,
}

impl Currency {
    pub fn exponent(self) -> u32 { // expect: lane2
        match self {
            Currency::Jpy => 0,
            Currency::Usd | Currency::Eur => 2,
        }
    }

    pub fn code(self) -> &'static str { // expect: lane2
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Jpy => "JPY",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { // expect: lane1
        let exp = self.currency.exponent();
        if exp == 0 {
            return write!(f, "{} {}", self.minor, self.currency.code());
        }
        let scale = 10i64.pow(exp);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.abs();
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale,
            abs % scale,
            self.currency.code(),
            width = exp as usize
        )
    }
}

#[derive(Debug, Clone)]
pub struct Posting {
    pub account: AccountId,
    pub amount_minor: i64,
    pub memo: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("postings do not balance (off by {0})")]
    Unbalanced(i64),
    #[error("insufficient funds in {0:?}")]
    InsufficientFunds(AccountId),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub trait Account {
    fn id(&self) -> AccountId;
    fn balance_minor(&self) -> i64;

    fn overdraft_minor(&self) -> i64 { // expect: lane2
        0
    }

    fn available_minor(&self) -> i64 { // expect: lane2
        self.balance_minor() + self.overdraft_minor()
    }
}

pub fn check_balanced(postings: &[Posting]) -> Result<(), LedgerError> { // expect: lane2
    let total: i64 = postings.iter().map(|p| p.amount_minor).sum();
    if total != 0 {
        return Err(LedgerError::Unbalanced(total));
    }
    Ok(())
}

pub fn split_fee(amount_minor: i64, fee_bps: u32) -> (i64, i64) { // expect: lane2
    let fee = (amount_minor as i128 * fee_bps as i128 + 5_000) / 10_000;
    (amount_minor - fee as i64, fee as i64)
}

pub fn allocate_pro_rata(total_minor: i64, weights: &[u32]) -> Vec<i64> { // expect: lane2
    let sum: u64 = weights.iter().map(|&w| w as u64).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<i64> = weights
        .iter()
        .map(|&w| (total_minor as i128 * w as i128 / sum as i128) as i64)
        .collect();
    let remainder = total_minor - shares.iter().sum::<i64>();
    for share in shares.iter_mut().take(remainder as usize) {
        *share += 1;
    }
    shares
}

pub fn verify_webhook(secret: &[u8], body: &[u8], signature_hex: &str) -> bool { // expect: lane3 security
    let Ok(expected) = hex::decode(signature_hex) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret).expect("hmac accepts any key length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

pub struct Ledger {
    pool: PgPool,
}

impl Ledger {
    pub fn new(pool: PgPool) -> Self { // expect: lane2
        Self { pool }
    }

    pub async fn balance_of(&self, account: AccountId) -> Result<i64, LedgerError> { // expect: lane2
        let row = sqlx::query("SELECT COALESCE(SUM(amount_minor), 0) AS bal FROM postings WHERE account_id = $1")
            .bind(account.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>("bal"))
    }

    pub async fn post_transfer( // expect: lane3 billing
        &self,
        from: AccountId,
        to: AccountId,
        amount_minor: i64,
        memo: &str,
    ) -> Result<Uuid, LedgerError> {
        let mut tx = self.pool.begin().await?;
        let bal: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(from.0)
            .fetch_one(&mut *tx)
            .await?;
        if bal < amount_minor {
            return Err(LedgerError::InsufficientFunds(from));
        }
        let id = Uuid::new_v4();
        for (account, delta) in [(from, -amount_minor), (to, amount_minor)] {
            sqlx::query("INSERT INTO postings (transfer_id, account_id, amount_minor, memo) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(account.0)
                .bind(delta)
                .bind(memo)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
                .bind(delta)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn refund(&self, transfer_id: Uuid) -> Result<Uuid, LedgerError> { // expect: lane3 billing
        let rows = sqlx::query("SELECT account_id, amount_minor FROM postings WHERE transfer_id = $1")
            .bind(transfer_id)
            .fetch_all(&self.pool)
            .await?;
        let mut legs: BTreeMap<i64, i64> = BTreeMap::new();
        for row in rows {
            legs.insert(row.get("amount_minor"), row.get("account_id"));
        }
        let (&amount, &payer) = legs.iter().next_back().expect("credit leg");
        let (_, &payee) = legs.iter().next().expect("debit leg");
        self.post_transfer(AccountId(payer), AccountId(payee), amount, &format!("refund {transfer_id}"))
            .await
    }

    pub async fn payout_to_bank(&self, account: AccountId, iban: &str, amount_minor: i64) -> Result<Uuid, LedgerError> { // expect: lane3 billing
        let settlement = AccountId(0);
        let id = self.post_transfer(account, settlement, amount_minor, &format!("payout {iban}")).await?;
        sqlx::query("INSERT INTO outbound_sepa (transfer_id, iban, amount_minor, status) VALUES ($1, $2, $3, 'queued')")
            .bind(id)
            .bind(iban)
            .bind(amount_minor)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn close_account(&self, account: AccountId) -> Result<(), LedgerError> { // expect: lane3 irreversible
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM postings WHERE account_id = $1").bind(account.0).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM accounts WHERE id = $1").bind(account.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn search_memos(&self, account: AccountId, needle: &str) -> Result<Vec<String>, LedgerError> { // expect: lane3 security
        let sql = format!(
            "SELECT memo FROM postings WHERE account_id = {} AND memo ILIKE '%{}%' ORDER BY created_at DESC",
            account.0, needle
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.get("memo")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(account: i64, amount: i64) -> Posting { // expect: lane1
        Posting {
            account: AccountId(account),
            amount_minor: amount,
            memo: String::from("t"),
        }
    }

    #[test]
    fn balanced_postings_pass() { // expect: lane1
        assert!(check_balanced(&[posting(1, -500), posting(2, 500)]).is_ok());
        assert!(check_balanced(&[posting(1, -500), posting(2, 400)]).is_err());
    }

    #[test]
    fn pro_rata_distributes_remainder() { // expect: lane1
        assert_eq!(allocate_pro_rata(100, &[1, 1, 1]), vec![34, 33, 33]);
    }

    #[test]
    fn money_display() { // expect: lane1
        let m = Money { minor: -123_456, currency: Currency::Usd };
        assert_eq!(m.to_string(), "-1234.56 USD");
    }
}
