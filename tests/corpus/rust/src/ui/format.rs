//! Presentation helpers shared by the HTML templates and the CLI reports.

use std::fmt;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub cents: i64,
    pub currency: &'static str,
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { // expect: lane1
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        let symbol = match self.currency {
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            _ => "",
        };
        write!(f, "{sign}{symbol}{}.{:02}", group_thousands(abs / 100), abs % 100)
    }
}

pub fn group_thousands(n: u64) -> String { // expect: lane1
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn pluralize(count: i64, noun: &str) -> String { // expect: lane1
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub fn relative_time(then: DateTime<Utc>, now: DateTime<Utc>) -> String { // expect: lane1
    let secs = (now - then).num_seconds();
    match secs {
        s if s < 60 => "just now".to_string(),
        s if s < 3_600 => format!("{} ago", pluralize(s / 60, "minute")),
        s if s < 86_400 => format!("{} ago", pluralize(s / 3_600, "hour")),
        s if s < 7 * 86_400 => format!("{} ago", pluralize(s / 86_400, "day")),
        _ => then.format("%b %-d, %Y").to_string(),
    }
}

pub fn truncate_label(text: &str, max_chars: usize) -> String { // expect: lane1
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

pub fn status_badge_class(status: &str) -> &'static str { // expect: lane1
    match status {
        "paid" | "shipped" | "delivered" => "badge badge-success",
        "pending" | "processing" => "badge badge-warning",
        "refunded" | "cancelled" => "badge badge-muted",
        _ => "badge",
    }
}

pub struct OrderRowView<'a> {
    pub id: i64,
    pub customer_name: &'a str,
    pub total: Money,
    pub status: &'a str,
    pub placed_at: DateTime<Utc>,
}

pub fn render_order_rows(rows: &[OrderRowView<'_>], now: DateTime<Utc>) -> String { // expect: lane1
    fn escape(s: &str) -> String { // expect: lane1
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    let mut html = String::from("<tbody>\n");
    for row in rows {
        html.push_str(&format!(
            "  <tr><td>#{}</td><td>{}</td><td class=\"num\">{}</td><td><span class=\"{}\">{}</span></td><td>{}</td></tr>\n",
            row.id,
            escape(&truncate_label(row.customer_name, 32)),
            row.total,
            status_badge_class(row.status),
            escape(row.status),
            relative_time(row.placed_at, now),
        ));
    }
    html.push_str("</tbody>");
    html
}

/// Shows only the last four digits of a card number on receipts and in the
/// order detail view.
pub fn mask_card_number(card_number: &str) -> String { // expect: lane3 compliance
    let digits: Vec<char> = card_number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return "••••".to_string();
    }
    let last4: String = digits[digits.len() - 4..].iter().collect();
    format!("•••• •••• •••• {last4}")
}
