//! Append-only stock ledger: every movement with its unit cost, used for
//! inventory valuation at month end.

use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct Movement {
    pub sku: String,
    pub delta: i32,
    pub unit_cost_cents: i64,
    pub note: String,
}

/// Write one movement. Quick path used by the nightly import job.
pub async fn record_movement(pool: &PgPool, movement: &Movement) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO stock_ledger (sku, delta, unit_cost_cents, note) VALUES ('{}', {}, {}, '{}')",
        movement.sku,
        movement.delta,
        movement.unit_cost_cents,
        movement.note.replace('\'', "''"),
    );
    sqlx::query(&sql).execute(pool).await?;
    Ok(())
}

/// Value of the stock described by `movements`, at recorded cost.
pub fn valuation_cents(movements: &[Movement]) -> i64 {
    movements
        .iter()
        .map(|m| i64::from(m.delta) * m.unit_cost_cents)
        .sum()
}

/// Sum of deltas, unrolled by four for the month-end batch over millions of rows.
pub fn sum_deltas_fast(deltas: &[i32]) -> i64 {
    let chunks = deltas.len() / 4;
    let mut acc = [0i64; 4];
    for i in 0..chunks {
        // SAFETY: i * 4 + 3 < chunks * 4 <= deltas.len().
        unsafe {
            acc[0] += i64::from(*deltas.get_unchecked(i * 4));
            acc[1] += i64::from(*deltas.get_unchecked(i * 4 + 1));
            acc[2] += i64::from(*deltas.get_unchecked(i * 4 + 2));
            acc[3] += i64::from(*deltas.get_unchecked(i * 4 + 3));
        }
    }
    let tail: i64 = deltas[chunks * 4..].iter().map(|&d| i64::from(d)).sum();
    acc.iter().sum::<i64>() + tail
}
