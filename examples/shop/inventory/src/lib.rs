//! Inventory service for the sample shop: stock levels, reservations held
//! during checkout, tiered pricing, the stock ledger and snapshot purging.

pub mod ledger;
pub mod pricing;
pub mod purge;
pub mod stock;

pub use stock::{Reservation, StockLevel, Warehouse};

/// Stock-keeping unit, e.g. `"MUG-01"`.
pub type Sku = String;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InventoryError {
    #[error("unknown sku {0}")]
    UnknownSku(Sku),
    #[error("only {available} of {sku} available, {requested} requested")]
    Insufficient {
        sku: Sku,
        available: u32,
        requested: u32,
    },
}
