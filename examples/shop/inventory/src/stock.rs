//! Stock levels and the short-lived reservations taken while a customer pays.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{InventoryError, Sku};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StockLevel {
    pub on_hand: u32,
    pub reserved: u32,
}

impl StockLevel {
    pub fn available(&self) -> u32 {
        self.on_hand.saturating_sub(self.reserved)
    }
}

/// Shared, thread-safe view of the stock in one warehouse.
#[derive(Debug, Clone, Default)]
pub struct Warehouse {
    levels: Arc<Mutex<HashMap<Sku, StockLevel>>>,
}

impl Warehouse {
    fn lock(&self) -> MutexGuard<'_, HashMap<Sku, StockLevel>> {
        self.levels.lock().expect("stock table lock poisoned")
    }

    pub fn receive(&self, sku: &str, quantity: u32) {
        self.lock().entry(sku.to_owned()).or_default().on_hand += quantity;
    }

    pub fn level(&self, sku: &str) -> StockLevel {
        self.lock().get(sku).copied().unwrap_or_default()
    }

    /// Hold `quantity` units until the returned reservation is committed or dropped.
    pub fn reserve(&self, sku: &str, quantity: u32) -> Result<Reservation, InventoryError> {
        let mut guard = self.lock();
        let level = guard
            .get_mut(sku)
            .ok_or_else(|| InventoryError::UnknownSku(sku.to_owned()))?;
        if level.available() < quantity {
            return Err(InventoryError::Insufficient {
                sku: sku.to_owned(),
                available: level.available(),
                requested: quantity,
            });
        }
        level.reserved += quantity;
        // Release the mutex before handing out a reservation that may lock it again.
        drop(guard);
        tracing::debug!(sku, quantity, "stock reserved");
        Ok(Reservation {
            warehouse: self.clone(),
            sku: sku.to_owned(),
            quantity,
            settled: false,
        })
    }

    // lanes: lane=1 reason="debug-only helper"
    pub fn debug_dump(&self) -> String {
        let mut out = String::new();
        for (sku, level) in self.lock().iter() {
            let _ = writeln!(out, "{sku}: {}/{} reserved", level.reserved, level.on_hand);
        }
        out
    }
}

/// A hold on stock; releases itself unless committed.
#[derive(Debug)]
pub struct Reservation {
    warehouse: Warehouse,
    sku: Sku,
    quantity: u32,
    settled: bool,
}

impl Reservation {
    /// The order was paid: the reserved units leave the shelf for good.
    pub fn commit(mut self) {
        let mut levels = self.warehouse.lock();
        if let Some(level) = levels.get_mut(&self.sku) {
            level.reserved -= self.quantity;
            level.on_hand -= self.quantity;
        }
        self.settled = true;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if let Some(level) = self.warehouse.lock().get_mut(&self.sku) {
            level.reserved = level.reserved.saturating_sub(self.quantity);
        }
        tracing::debug!(sku = %self.sku, quantity = self.quantity, "reservation released");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_a_reservation_returns_the_stock() {
        let wh = Warehouse::default();
        wh.receive("MUG-01", 5);
        let hold = wh.reserve("MUG-01", 3).unwrap();
        assert_eq!(wh.level("MUG-01").available(), 2);
        drop(hold);
        assert_eq!(wh.level("MUG-01").available(), 5);
    }
}
