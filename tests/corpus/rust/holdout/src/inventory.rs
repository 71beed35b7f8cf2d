//! Fleet inventory for leased handheld scanners.

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Serialize;
use sqlx::PgPool;

#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: i64,
    pub serial: String,
    pub model: String,
    pub charge_level: u8,
    pub charging: bool,
    pub last_seen: SystemTime,
    pub site: String,
}

pub struct Operator {
    pub id: i64,
    pub roles: Vec<String>,
}

impl Device {
    pub fn charge_level(&self) -> u8 { // expect: lane2
        self.charge_level.min(100)
    }

    pub fn needs_charging(&self, threshold: u8) -> bool { // expect: lane2
        !self.charging && self.charge_level() < threshold
    }

    pub fn charge(&mut self, minutes: u32) { // expect: lane2
        let gained = (minutes as f32 * 1.4).round() as u32;
        self.charge_level = (self.charge_level as u32 + gained).min(100) as u8;
    }

    pub fn is_stale(&self, now: SystemTime, max_age: Duration) -> bool { // expect: lane2
        now.duration_since(self.last_seen).map_or(false, |age| age > max_age)
    }
}

pub fn low_battery(devices: &[Device], threshold: u8) -> Vec<&Device> { // expect: lane2
    let mut low: Vec<&Device> = devices.iter().filter(|d| d.needs_charging(threshold)).collect();
    low.sort_by_key(|d| d.charge_level());
    low
}

pub fn per_site_counts(devices: &[Device]) -> Vec<(String, usize)> { // expect: lane2
    let mut counts: Vec<(String, usize)> = Vec::new();
    for d in devices {
        match counts.iter_mut().find(|(site, _)| *site == d.site) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.site.clone(), 1)),
        }
    }
    counts.sort();
    counts
}

pub fn lease_cost_minor(model: &str, months: u32, devices: u32) -> i64 { // expect: lane2
    let monthly = match model {
        "TC52" => 2_400,
        "TC72" => 3_100,
        _ => 2_000,
    };
    let volume_discount = if devices >= 50 { 0.85 } else { 1.0 };
    (monthly as f64 * months as f64 * devices as f64 * volume_discount).round() as i64
}

pub fn require_fleet_admin(op: &Operator) -> Result<(), StatusCode> { // expect: lane3 permission
    if op.roles.iter().any(|r| r == "fleet-admin") {
        Ok(())
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

pub async fn record_audit(pool: &PgPool, actor: i64, action: &str, device_id: i64) -> sqlx::Result<()> { // expect: lane3 compliance
    sqlx::query("INSERT INTO audit_trail (actor_id, action, device_id, at) VALUES ($1, $2, $3, now())")
        .bind(actor)
        .bind(action)
        .bind(device_id)
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn decommission_device(pool: &PgPool, op: &Operator, device_id: i64) -> Result<(), StatusCode> { // expect: lane3 irreversible
    require_fleet_admin(op)?;
    sqlx::query("DELETE FROM devices WHERE id = $1")
        .bind(device_id)
        .execute(pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    record_audit(pool, op.id, "decommission", device_id)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

pub async fn invoice_monthly_lease( // expect: lane3 billing
    http: &reqwest::Client,
    billing_api_key: &str,
    customer: &str,
    amount_minor: i64,
) -> Result<String, reqwest::Error> {
    #[derive(serde::Deserialize)]
    struct Created {
        id: String,
    }
    let created: Created = http
        .post("https://api.stripe.com/v1/invoiceitems")
        .basic_auth(billing_api_key, Some(""))
        .form(&[("customer", customer), ("amount", &amount_minor.to_string()), ("currency", "eur")])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(created.id)
}

pub fn verify_firmware(key: &VerifyingKey, image: &[u8], sig_bytes: &[u8; 64]) -> bool { // expect: lane3 security
    let sig = Signature::from_bytes(sig_bytes);
    key.verify(image, &sig).is_ok()
}

/// Reads a memory-mapped status register on the docking station.
///
/// # Safety
/// `base` must point to the mapped register block and `offset` must be in range.
pub unsafe fn read_dock_register(base: *const u32, offset: usize) -> u32 { // expect: lane3 security
    std::ptr::read_volatile(base.add(offset))
}

pub fn battery_label(d: &Device) -> String { // expect: lane1
    let icon = match d.charge_level() {
        0..=10 => "▁",
        11..=40 => "▃",
        41..=75 => "▅",
        _ => "█",
    };
    let plug = if d.charging { " ⚡" } else { "" };
    format!("{icon} {}%{plug}", d.charge_level())
}
