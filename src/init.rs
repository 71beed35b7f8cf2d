//! `lanes init`: a commented starter `lanes.toml` whose path rules are guessed from the
//! directory names of the tree (`billing/`, `auth/`, `migrations/`, `docs/`, …). The names
//! and what they mean are data, in `queries/path-hints.toml`. Pure: directory paths in,
//! text out.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::config::DEFAULT_TEST_PATHS;

const HINTS: &str = include_str!("../queries/path-hints.toml");

/// At most this many guessed rules; a tree with more is better described by hand.
const MAX_RULES: usize = 40;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hints {
    hint: Vec<Hint>,
}

/// One kind of directory and the rule it suggests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub names: Vec<String>,
    pub lane: u8,
    pub category: String,
    pub reason: String,
}

static PARSED: LazyLock<Hints> = LazyLock::new(|| toml::from_str(HINTS).expect("queries/path-hints.toml is valid"));

/// The built-in hints.
pub fn hints() -> &'static [Hint] {
    &PARSED.hint
}

/// A guessed path rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guess {
    /// The directory, relative to where `lanes.toml` goes, with forward slashes.
    pub dir: String,
    pub hint: usize,
}

/// The rules for `dirs` (relative directory paths): one per directory whose own name a hint
/// lists, outside test code, shallow ones first so that deeper, more specific rules win.
pub fn guess(dirs: &[String]) -> Vec<Guess> {
    let mut out: Vec<Guess> = Vec::new();
    for dir in dirs {
        let parts: Vec<&str> = dir.split('/').collect();
        let in_tests = parts.iter().any(|p| matches!(*p, "tests" | "test" | "testing" | "spec"));
        let Some(name) = parts.last().map(|n| n.to_lowercase()) else { continue };
        if in_tests {
            continue;
        }
        if let Some(hint) = hints().iter().position(|h| h.names.contains(&name)) {
            out.push(Guess { dir: dir.clone(), hint });
        }
    }
    out.sort_by(|a, b| (a.dir.matches('/').count(), &a.dir).cmp(&(b.dir.matches('/').count(), &b.dir)));
    out.truncate(MAX_RULES);
    out
}

/// TOML string syntax for `s`.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The starter configuration for a tree with these directories.
pub fn starter_config(dirs: &[String]) -> String {
    let guesses = guess(dirs);
    let mut out = String::new();
    out.push_str("# lanes.toml: which risk lane code belongs to. Written by `lanes init`, which guessed the\n");
    out.push_str("# path rules below from directory names; review each one, then delete what does not fit.\n");
    out.push_str("# Lanes: 1 low-risk throughput, 2 core product logic, 3 high impact or regulated.\n\n");
    out.push_str("# Lane for code that no rule, annotation or signal classifies.\ndefault-lane = 2\n\n");
    out.push_str("# Path rules: files whose path (relative to this file) matches `glob` get `lane`. A later\n");
    out.push_str("# rule wins over an earlier one for the same file, so specific rules go last.\n");
    if guesses.is_empty() {
        out.push_str("# No directory name suggested a rule. For example:\n");
        out.push_str("# [[paths]]\n# glob = \"src/billing/**\"\n# lane = 3\n# category = \"billing\"\n# reason = \"billing moves money\"\n");
    }
    for g in &guesses {
        let h = &hints()[g.hint];
        out.push_str(&format!("\n# Found {}/.\n[[paths]]\n", g.dir));
        out.push_str(&format!("glob = {}\n", quoted(&format!("{}/**", g.dir))));
        out.push_str(&format!("lane = {}\ncategory = {}\nreason = {}\n", h.lane, quoted(&h.category), quoted(&h.reason)));
    }
    let defaults: Vec<String> = DEFAULT_TEST_PATHS.iter().map(|g| quoted(g)).collect();
    out.push_str("\n# Test code is Lane 1. The default test paths:\n");
    out.push_str(&format!("# test-paths = [{}]\n", defaults.join(", ")));
    out.push_str("\n# Extra identifier words per category, for example:\n# [vocabulary]\n# billing = [\"ledger\", \"payout\"]\n");
    out.push_str("\n# Policies that make `lanes check` exit 1 (like --fail-on), for example in CI:\n");
    out.push_str("# fail-on = [\"lane3-unreviewed\", \"lane>=2-untested\"]\n");
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::lane::Lane;

    fn dirs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn guesses_rules_shallow_first_and_skips_test_code() {
        let found = guess(&dirs(&["src", "src/Billing", "docs", "src/auth", "tests/billing", "src/app/migrations", "web/static"]));
        let shown: Vec<String> = found.iter().map(|g| format!("{} {}", g.dir, hints()[g.hint].category)).collect();
        assert_eq!(shown, ["docs docs", "src/Billing billing", "src/auth identity", "web/static ui", "src/app/migrations irreversible"]);
    }

    #[test]
    fn the_starter_config_is_a_valid_configuration() {
        let text = starter_config(&dirs(&["examples", "examples/shop/payments", "docs"]));
        let config = Config::from_toml(&text, Path::new("lanes.toml")).unwrap().unwrap();
        assert_eq!(config.path_rule(Path::new("examples/shop/payments/stripe.py")).unwrap().lane, Lane::Three);
        assert_eq!(config.path_rule(Path::new("examples/shop/cli.py")).unwrap().lane, Lane::One);
        assert_eq!(config.path_rules.len(), 3);
        let empty = starter_config(&[]);
        assert!(Config::from_toml(&empty, Path::new("lanes.toml")).unwrap().unwrap().path_rules.is_empty());
    }

    #[test]
    fn every_hint_names_a_known_category_and_lane() {
        for h in hints() {
            assert!(h.category.parse::<crate::lane::Category>().is_ok(), "{}", h.category);
            assert!(Lane::from_number(h.lane as i64).is_some());
        }
    }
}
