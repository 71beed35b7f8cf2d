use std::thread;

use shop_inventory::{InventoryError, Warehouse};

#[test]
fn unknown_sku_is_rejected() {
    let wh = Warehouse::default();
    assert_eq!(
        wh.reserve("NOPE", 1).unwrap_err(),
        InventoryError::UnknownSku("NOPE".into())
    );
}

#[test]
fn concurrent_reservations_never_oversell() {
    let wh = Warehouse::default();
    wh.receive("MUG-01", 10);
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let wh = wh.clone();
            thread::spawn(move || wh.reserve("MUG-01", 1).map(|r| r.commit()).is_ok())
        })
        .collect();
    let sold = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(sold, 10);
    assert_eq!(wh.level("MUG-01").on_hand, 0);
}
