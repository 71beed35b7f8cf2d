//! The explanation of a region, as Markdown: lane, categories, every reason with its line,
//! what the lane permits and which acceptance gates apply. `lanes explain` prints it and the
//! language server shows it on hover, so both always say the same thing.

use std::fmt::Write;

use crate::classify::{Classification, Evidence, RegionLane};
use crate::lane::{Category, Lane};
use crate::line_index::{Encoding, LineIndex};

/// An acceptance gate of the lane model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Tests,
    Contracts,
    Observability,
    Review,
    Rollback,
}

impl Gate {
    pub fn name(self) -> &'static str {
        match self {
            Gate::Tests => "tests",
            Gate::Contracts => "contracts",
            Gate::Observability => "observability",
            Gate::Review => "review",
            Gate::Rollback => "rollback",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Gate::Tests => "behavioural tests cover success, failure and edge conditions",
            Gate::Contracts => "interfaces and contracts match the agreed schemas",
            Gate::Observability => "observability hooks (logs, traces, metrics) exist for operational debugging",
            Gate::Review => "security and permission assumptions are reviewed by a person who owns the risk",
            Gate::Rollback => "the rollback path is clear",
        }
    }
}

/// The gates that apply to a region: Lane 1 needs tests; Lane 2 adds contracts and
/// observability; Lane 3 adds an explicit review, and a rollback path when the change is
/// irreversible.
pub fn gates(region: &RegionLane) -> Vec<Gate> {
    match region.lane {
        Lane::One => vec![Gate::Tests],
        Lane::Two => vec![Gate::Tests, Gate::Contracts, Gate::Observability],
        Lane::Three => {
            let mut g = vec![Gate::Tests, Gate::Contracts, Gate::Observability, Gate::Review];
            if region.categories.contains(&Category::Irreversible) {
                g.push(Gate::Rollback);
            }
            g
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(index: &LineIndex, text: &str, offset: usize) -> usize {
    index.line_col(text, offset, Encoding::Utf8).line as usize + 1
}

/// First and last 1-based line of a region's definition.
pub fn region_lines(region: &RegionLane, index: &LineIndex, text: &str) -> (usize, usize) {
    let r = &region.region.decl_range;
    let start = line_of(index, text, r.start);
    let end = line_of(index, text, r.end.saturating_sub(1).max(r.start));
    (start, end)
}

/// One line describing a piece of evidence, without its line number.
pub fn evidence_text(e: &Evidence) -> String {
    match &e.detail {
        Some(d) => format!("{}: {}", e.message, d),
        None => e.message.clone(),
    }
}

/// The Markdown explanation of `classification.regions[index]`.
pub fn explain(classification: &Classification, index: usize, text: &str, line_index: &LineIndex) -> String {
    let r = &classification.regions[index];
    let mut out = String::new();
    let (start, end) = region_lines(r, line_index, text);
    let cats: Vec<&str> = r.categories.iter().map(|c| c.name()).collect();
    let _ = writeln!(out, "### {} · {}", r.lane, if cats.is_empty() { "core".to_string() } else { cats.join(", ") });
    let _ = writeln!(
        out,
        "`{}` ({}, lines {}–{}) is **{}**: {}.",
        r.region.name,
        r.region.kind.name(),
        start,
        end,
        r.lane.title(),
        category_summary(r)
    );
    out.push_str("\n**Why**\n");
    for e in r.evidence.iter().filter(|e| !e.overridden) {
        let _ = writeln!(out, "- line {} · `{}` · {}", line_of(line_index, text, e.range.start), e.rule, evidence_text(e));
    }
    let overridden: Vec<&Evidence> = r.evidence.iter().filter(|e| e.overridden).collect();
    if !overridden.is_empty() {
        out.push_str("\n**Also found, but a stronger rule decided the lane**\n");
        for e in overridden {
            let _ = writeln!(
                out,
                "- line {} · `{}` · {} (would be {})",
                line_of(line_index, text, e.range.start),
                e.rule,
                evidence_text(e),
                e.lane
            );
        }
    }
    let _ = writeln!(out, "\n**{} permits**: {}.", r.lane, r.lane.permits());
    out.push_str("\n**Acceptance gates**\n");
    for gate in gates(r) {
        let _ = writeln!(out, "- {}: {}", gate.name(), gate.description());
    }
    out
}

fn category_summary(r: &RegionLane) -> String {
    if r.categories.is_empty() {
        return "core logic".into();
    }
    let names: Vec<&str> = r.categories.iter().map(|c| c.name()).collect();
    names.join(", ")
}
