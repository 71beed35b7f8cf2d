//! Cart pricing: volume tiers, coupons, sales tax and plan quotas.

use std::cmp::Reverse;
use std::collections::HashMap;

use rand::seq::SliceRandom;
use serde::Deserialize;
use thiserror::Error;

use crate::db::queries::CartLine;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coupon {
    Percent { percent: u8 },
    Fixed { amount_cents: i64 },
    FreeShipping,
}

#[derive(Debug, Error)]
pub enum CouponError {
    #[error("coupon is not valid JSON: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("percent discount must be 1-90, got {0}")]
    PercentOutOfRange(u8),
    #[error("fixed discount must be positive")]
    NonPositiveAmount,
}

pub fn parse_coupon(raw: &str) -> Result<Coupon, CouponError> { // expect: lane2
    let coupon: Coupon = serde_json::from_str(raw)?;
    match coupon {
        Coupon::Percent { percent } if percent == 0 || percent > 90 => {
            Err(CouponError::PercentOutOfRange(percent))
        }
        Coupon::Fixed { amount_cents } if amount_cents <= 0 => Err(CouponError::NonPositiveAmount),
        other => Ok(other),
    }
}

pub fn volume_discount_percent(quantity: i32) -> u8 { // expect: lane2
    match quantity {
        i32::MIN..=9 => 0,
        10..=49 => 5,
        50..=199 => 10,
        _ => 15,
    }
}

pub fn apply_coupon(subtotal_cents: i64, coupon: &Coupon) -> i64 { // expect: lane2
    let discounted = match coupon {
        Coupon::Percent { percent } => subtotal_cents - subtotal_cents * i64::from(*percent) / 100,
        Coupon::Fixed { amount_cents } => subtotal_cents - amount_cents,
        Coupon::FreeShipping => subtotal_cents,
    };
    discounted.max(0)
}

pub fn cart_total(lines: &[CartLine], coupon: Option<&Coupon>) -> i64 { // expect: lane2
    let subtotal: i64 = lines
        .iter()
        .map(|line| {
            let gross = line.unit_price_cents * i64::from(line.quantity);
            gross - gross * i64::from(volume_discount_percent(line.quantity)) / 100
        })
        .sum();
    coupon.map_or(subtotal, |c| apply_coupon(subtotal, c))
}

pub fn sales_tax_cents(region: &str, amount_cents: i64) -> i64 { // expect: lane2
    let basis_points: i64 = match region {
        "CA" => 725,
        "NY" => 400,
        "TX" => 625,
        "OR" | "MT" | "NH" | "DE" => 0,
        _ => 500,
    };
    (amount_cents * basis_points + 5_000) / 10_000
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub monthly_api_calls: u64,
    pub seats: u32,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum QuotaError {
    #[error("monthly API quota of {0} calls exceeded")]
    ApiCalls(u64),
    #[error("plan allows {0} seats")]
    Seats(u32),
}

pub fn check_quota(plan: &Plan, calls_this_month: u64, seats_in_use: u32) -> Result<(), QuotaError> { // expect: lane2
    if seats_in_use > plan.seats {
        return Err(QuotaError::Seats(plan.seats));
    }
    // 2% grace so a burst at the end of the month does not hard-fail requests.
    let soft_limit = plan.monthly_api_calls + plan.monthly_api_calls / 50;
    if calls_this_month > soft_limit {
        return Err(QuotaError::ApiCalls(plan.monthly_api_calls));
    }
    Ok(())
}

pub struct PriceBook {
    prices: HashMap<String, i64>,
}

impl PriceBook {
    pub fn from_pairs<I: IntoIterator<Item = (String, i64)>>(pairs: I) -> Self { // expect: lane2
        Self {
            prices: pairs.into_iter().collect(),
        }
    }

    pub fn price_of(&self, sku: &str) -> Option<i64> { // expect: lane2
        self.prices.get(sku).copied()
    }

    /// Discontinued SKUs are dropped from the in-memory book only; the
    /// catalogue row itself is kept for order history.
    pub fn discontinue(&mut self, sku: &str) -> Option<i64> { // expect: lane2
        self.prices.remove(sku)
    }
}

#[derive(Debug, Clone)]
pub struct Offer {
    pub id: u32,
    pub priority: u8,
    pub savings_cents: i64,
}

/// Orders offers for the cart sidebar; the sort key is priority first, then
/// the biggest saving.
pub fn rank_offers(offers: &mut [Offer]) { // expect: lane2
    offers.sort_by_key(|o| (o.priority, Reverse(o.savings_cents), o.id));
}

/// Picks one arm of a price-display experiment for an anonymous visitor.
pub fn pick_price_experiment<'a>(arms: &[&'a str]) -> Option<&'a str> { // expect: lane2
    arms.choose(&mut rand::thread_rng()).copied()
}

pub trait PricingRule {
    fn name(&self) -> &str;
    fn applies(&self, line: &CartLine) -> bool;
    fn adjustment_cents(&self, line: &CartLine) -> i64;

    fn apply(&self, line: &CartLine) -> i64 { // expect: lane2
        let base = line.unit_price_cents * i64::from(line.quantity);
        if self.applies(line) {
            (base + self.adjustment_cents(line)).max(0)
        } else {
            base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: i64, qty: i32) -> CartLine { // expect: lane1
        CartLine {
            product_id: 1,
            quantity: qty,
            unit_price_cents: price,
        }
    }

    #[test]
    fn percent_coupon_applies_after_volume_discount() { // expect: lane1
        let coupon = parse_coupon(r#"{"kind":"percent","percent":10}"#).unwrap();
        // 10 x 1000 = 10_000, minus 5% volume = 9_500, minus 10% coupon = 8_550
        assert_eq!(cart_total(&[line(1000, 10)], Some(&coupon)), 8_550);
    }

    #[test]
    fn fixed_coupon_never_goes_negative() { // expect: lane1
        assert_eq!(apply_coupon(500, &Coupon::Fixed { amount_cents: 900 }), 0);
    }

    #[test]
    fn rejects_out_of_range_percent() { // expect: lane1
        assert!(matches!(
            parse_coupon(r#"{"kind":"percent","percent":95}"#),
            Err(CouponError::PercentOutOfRange(95))
        ));
    }

    #[test]
    fn quota_blocks_extra_seats() { // expect: lane1
        let plan = Plan {
            name: "team".into(),
            monthly_api_calls: 10_000,
            seats: 5,
        };
        assert_eq!(check_quota(&plan, 10, 6), Err(QuotaError::Seats(5)));
        assert_eq!(check_quota(&plan, 10_150, 5), Ok(()));
    }
}
