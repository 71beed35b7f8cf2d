//! The three risk lanes and the categories that explain them.

use std::fmt;
use std::str::FromStr;

/// A risk lane. `Ord` follows strictness, so the strictest of several lanes is their `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    One = 1,
    Two = 2,
    Three = 3,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Lane::One, Lane::Two, Lane::Three];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: i64) -> Option<Lane> {
        match n {
            1 => Some(Lane::One),
            2 => Some(Lane::Two),
            3 => Some(Lane::Three),
            _ => None,
        }
    }

    /// What generated code may do in this lane (from the lane model).
    pub fn permits(self) -> &'static str {
        match self {
            Lane::One => "generated code may be used freely; iterate fast, streamlined review",
            Lane::Two => "generated code may assist on well-defined sub-problems; the reviewer verifies intent, not just syntax",
            Lane::Three => "analysis, test design and docs only; the implementation is human-authored or human-curated, and a person who owns the risk reviews it explicitly",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Lane::One => "low-risk throughput",
            Lane::Two => "core product logic",
            Lane::Three => "high impact or regulated",
        }
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lane {}", self.number())
    }
}

impl FromStr for Lane {
    type Err = String;

    fn from_str(s: &str) -> Result<Lane, String> {
        let digits = s.trim().trim_start_matches("lane").trim();
        digits
            .parse::<i64>()
            .ok()
            .and_then(Lane::from_number)
            .ok_or_else(|| format!("`{s}` is not a lane (expected 1, 2 or 3)"))
    }
}

/// Why a region is in its lane, in the lane model's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    // Lane 3.
    Security,
    Billing,
    Permission,
    Identity,
    Compliance,
    Irreversible,
    // Lane 2.
    Core,
    Data,
    Revenue,
    // Lane 1.
    Test,
    Docs,
    Ui,
    Generated,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Category::Security,
        Category::Billing,
        Category::Permission,
        Category::Identity,
        Category::Compliance,
        Category::Irreversible,
        Category::Core,
        Category::Data,
        Category::Revenue,
        Category::Test,
        Category::Docs,
        Category::Ui,
        Category::Generated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Billing => "billing",
            Category::Permission => "permission",
            Category::Identity => "identity",
            Category::Compliance => "compliance",
            Category::Irreversible => "irreversible",
            Category::Core => "core",
            Category::Data => "data",
            Category::Revenue => "revenue",
            Category::Test => "test",
            Category::Docs => "docs",
            Category::Ui => "ui",
            Category::Generated => "generated",
        }
    }

    /// The lane a category belongs to unless the configuration says otherwise.
    pub fn default_lane(self) -> Lane {
        match self {
            Category::Security
            | Category::Billing
            | Category::Permission
            | Category::Identity
            | Category::Compliance
            | Category::Irreversible => Lane::Three,
            Category::Core | Category::Data | Category::Revenue => Lane::Two,
            Category::Test | Category::Docs | Category::Ui | Category::Generated => Lane::One,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Category {
    type Err = String;

    fn from_str(s: &str) -> Result<Category, String> {
        Category::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                format!("unknown category `{s}` (expected one of {})", names.join(", "))
            })
    }
}
