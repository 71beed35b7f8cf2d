//! Policies for `--fail-on` and `fail-on` in `lanes.toml`: which regions make a check fail.
//!
//! Grammar (whole string, lower case):
//!
//! ```text
//! policy = "lane" lanes [ "-" open ]      lane3, lane>=2, lane3-unreviewed, lane>=2-untested
//!        | "missing-" gate                missing-observability (any lane)
//! lanes  = N | ">=" N                     N is 1, 2 or 3; `laneN` means exactly lane N
//! open   = "untested" | "unobserved" | "unreviewed" | "no-rollback"
//! gate   = "tests" | "observability" | "review" | "rollback"
//! ```
//!
//! A gate-free policy fails on every region in its lanes; a gate policy fails where that gate
//! is open (`missing`), never where it does not apply.

use std::fmt;
use std::str::FromStr;

use crate::gates::GateState;
use crate::lane::Lane;

/// An acceptance gate that a policy can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gate {
    Tests,
    Observability,
    Review,
    Rollback,
}

impl Gate {
    pub const ALL: [Gate; 4] = [Gate::Tests, Gate::Observability, Gate::Review, Gate::Rollback];

    pub fn name(self) -> &'static str {
        match self {
            Gate::Tests => "tests",
            Gate::Observability => "observability",
            Gate::Review => "review",
            Gate::Rollback => "rollback",
        }
    }

    /// The word after `laneN-`.
    fn open_word(self) -> &'static str {
        match self {
            Gate::Tests => "untested",
            Gate::Observability => "unobserved",
            Gate::Review => "unreviewed",
            Gate::Rollback => "no-rollback",
        }
    }

    /// Why the gate is open, as the end of a sentence about a region.
    pub fn open_reason(self) -> &'static str {
        match self {
            Gate::Tests => "no test refers to it",
            Gate::Observability => "it has no log, trace or metric",
            Gate::Review => "it has no current review record (`lanes: reviewed-by=…`)",
            Gate::Rollback => "it has no rollback note (`lanes: rollback=\"…\"`)",
        }
    }
}

/// Which lanes a policy covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lanes {
    Exactly(Lane),
    AtLeast(Lane),
}

impl Lanes {
    pub fn contains(self, lane: Lane) -> bool {
        match self {
            Lanes::Exactly(l) => lane == l,
            Lanes::AtLeast(l) => lane >= l,
        }
    }
}

/// A parsed policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    pub lanes: Lanes,
    pub gate: Option<Gate>,
}

/// What a policy looks at in a region.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// The lane the region counts at (for a container, its own lane, not what it contains).
    pub lane: Lane,
    pub categories: &'a [&'a str],
    pub gate: [GateState; 4],
}

impl Policy {
    /// Why the region fails this policy, or `None` when it passes.
    pub fn check(&self, facts: &Facts) -> Option<String> {
        if !self.lanes.contains(facts.lane) {
            return None;
        }
        let cats = if facts.categories.is_empty() { String::new() } else { format!(" ({})", facts.categories.join(", ")) };
        match self.gate {
            None => Some(format!("it is {}{cats}", facts.lane)),
            Some(gate) => {
                let i = Gate::ALL.iter().position(|g| *g == gate).expect("a gate");
                (facts.gate[i] == GateState::Missing)
                    .then(|| format!("it is {}{cats} and {}", facts.lane, gate.open_reason()))
            }
        }
    }
}

impl FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Policy, String> {
        let bad = || {
            format!(
                "`{s}` is not a policy (expected laneN or lane>=N with N 1-3, optionally followed by -untested, -unobserved, -unreviewed or -no-rollback; or missing-tests, missing-observability, missing-review, missing-rollback)"
            )
        };
        if let Some(gate) = s.strip_prefix("missing-") {
            let gate = Gate::ALL.into_iter().find(|g| g.name() == gate).ok_or_else(bad)?;
            return Ok(Policy { lanes: Lanes::AtLeast(Lane::One), gate: Some(gate) });
        }
        let rest = s.strip_prefix("lane").ok_or_else(bad)?;
        let (at_least, rest) = match rest.strip_prefix(">=") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let digit = rest.get(..1).ok_or_else(bad)?;
        let lane = digit.parse::<i64>().ok().and_then(Lane::from_number).ok_or_else(bad)?;
        let gate = match &rest[1..] {
            "" => None,
            tail => {
                let word = tail.strip_prefix('-').ok_or_else(bad)?;
                Some(Gate::ALL.into_iter().find(|g| g.open_word() == word).ok_or_else(bad)?)
            }
        };
        let lanes = if at_least { Lanes::AtLeast(lane) } else { Lanes::Exactly(lane) };
        Ok(Policy { lanes, gate })
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.lanes, self.gate) {
            (Lanes::AtLeast(Lane::One), Some(g)) => write!(f, "missing-{}", g.name()),
            (lanes, gate) => {
                match lanes {
                    Lanes::Exactly(l) => write!(f, "lane{}", l.number())?,
                    Lanes::AtLeast(l) => write!(f, "lane>={}", l.number())?,
                }
                match gate {
                    Some(g) => write!(f, "-{}", g.open_word()),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use GateState::{Missing, NotApplicable, Present};

    #[test]
    fn parses_and_prints_the_grammar() {
        for s in ["lane3", "lane1", "lane>=2", "lane3-unreviewed", "lane3-untested", "lane>=2-untested", "lane3-no-rollback", "lane>=1-unobserved"] {
            assert_eq!(s.parse::<Policy>().unwrap().to_string(), s.replace("lane>=1-unobserved", "missing-observability"));
        }
        assert_eq!("missing-observability".parse::<Policy>().unwrap(), "lane>=1-unobserved".parse().unwrap());
        for bad in ["", "lane", "lane4", "lane>=0", "lane3-", "lane3-untestd", "lane33", "missing-docs", "Lane3", "lane 3"] {
            assert!(bad.parse::<Policy>().unwrap_err().starts_with(&format!("`{bad}` is not a policy")), "{bad}");
        }
    }

    #[test]
    fn checks_lanes_and_open_gates() {
        let facts = |lane, gate| Facts { lane, categories: &["billing"], gate };
        let lane3_unreviewed = facts(Lane::Three, [Present, Present, Missing, NotApplicable]);
        let lane2_untested = facts(Lane::Two, [Missing, Present, NotApplicable, NotApplicable]);
        let container = facts(Lane::Three, [NotApplicable; 4]);
        let check = |p: &str, f: &Facts| p.parse::<Policy>().unwrap().check(f);
        assert_eq!(check("lane3", &container).as_deref(), Some("it is Lane 3 (billing)"));
        assert_eq!(check("lane3-untested", &container), None);
        assert_eq!(
            check("lane3-unreviewed", &lane3_unreviewed).as_deref(),
            Some("it is Lane 3 (billing) and it has no current review record (`lanes: reviewed-by=…`)")
        );
        assert_eq!(check("lane3-untested", &lane3_unreviewed), None);
        assert_eq!(check("lane>=2-untested", &lane2_untested).as_deref(), Some("it is Lane 2 (billing) and no test refers to it"));
        assert_eq!(check("lane3-untested", &lane2_untested), None);
        assert_eq!(check("lane2", &lane3_unreviewed), None);
        assert_eq!(check("missing-tests", &lane2_untested).as_deref(), Some("it is Lane 2 (billing) and no test refers to it"));
    }
}
