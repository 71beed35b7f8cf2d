//! Tiered wholesale pricing, all in integer cents.

/// Unit price that applies from `min_quantity` units upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceTier {
    pub min_quantity: u32,
    pub unit_cents: i64,
}

/// Price per unit for `quantity`: the cheapest tier the quantity reaches, never above list price.
pub fn unit_price(list_cents: i64, quantity: u32, tiers: &[PriceTier]) -> i64 {
    tiers
        .iter()
        .filter(|tier| quantity >= tier.min_quantity)
        .map(|tier| tier.unit_cents)
        .fold(list_cents, i64::min)
}

/// Cost plus a markup given in basis points (2500 = 25 %), rounded half up.
pub fn with_markup(cost_cents: i64, markup_bps: u32) -> i64 {
    (cost_cents * (10_000 + i64::from(markup_bps)) + 5_000) / 10_000
}
