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
    // Test code is the evidence for other code's gates; generated code is gated by its generator.
    if region.categories.iter().any(|c| matches!(c, Category::Test | Category::Generated)) {
        return Vec::new();
    }
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

/// Items grouped by rule, in order of first appearance: the first item and the others.
pub fn group_by_rule<'a, T>(items: impl IntoIterator<Item = &'a T>, rule: impl Fn(&T) -> &str) -> Vec<(&'a T, Vec<&'a T>)> {
    let mut groups: Vec<(&'a T, Vec<&'a T>)> = Vec::new();
    for item in items {
        match groups.iter_mut().find(|(first, _)| rule(first) == rule(item)) {
            Some((_, rest)) => rest.push(item),
            None => groups.push((item, Vec::new())),
        }
    }
    groups
}

/// ` (also lines 3, 9)` for repeated evidence, or nothing.
pub fn also_lines(lines: impl IntoIterator<Item = usize>) -> String {
    let mut lines: Vec<usize> = lines.into_iter().collect();
    lines.dedup();
    match lines.len() {
        0 => String::new(),
        1 => format!(" (also line {})", lines[0]),
        _ => format!(" (also lines {})", lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// One line describing a piece of evidence, without its line number.
pub fn evidence_text(e: &Evidence) -> String {
    match &e.detail {
        Some(d) => format!("{}: {}", e.message, d),
        None => e.message.to_string(),
    }
}

/// The Markdown explanation of `classification.regions[index]`.
pub fn explain(classification: &Classification, index: usize, text: &str, line_index: &LineIndex) -> String {
    let r = &classification.regions[index];
    let mut out = String::new();
    let (start, end) = region_lines(r, line_index, text);
    let _ = writeln!(out, "### {} · {}", r.lane, category_summary(r));
    let _ = writeln!(
        out,
        "`{}` ({}, lines {}–{}) is **{}**.",
        r.region.name,
        r.region.kind.name(),
        start,
        end,
        r.lane.title(),
    );
    let line = |e: &Evidence| line_of(line_index, text, e.range.start);
    out.push_str("\n**Why**\n");
    for (e, rest) in group_by_rule(r.evidence.iter().filter(|e| !e.overridden && e.lane == r.lane), |e| &*e.rule) {
        let also = also_lines(rest.iter().map(|o| line(o)).filter(|&l| l != line(e)));
        let _ = writeln!(out, "- line {} · `{}` · {}{also}", line(e), e.rule, evidence_text(e));
    }
    let lower = group_by_rule(r.evidence.iter().filter(|e| !e.overridden && e.lane != r.lane), |e| &*e.rule);
    if !lower.is_empty() {
        out.push_str("\n**Also noted**\n");
        for (e, rest) in lower {
            let also = also_lines(rest.iter().map(|o| line(o)).filter(|&l| l != line(e)));
            let _ = writeln!(out, "- line {} · `{}` · {} ({}){also}", line(e), e.rule, evidence_text(e), e.lane);
        }
    }
    let overridden = group_by_rule(r.evidence.iter().filter(|e| e.overridden), |e| &*e.rule);
    if !overridden.is_empty() {
        out.push_str("\n**Found, but overruled or ignored**\n");
        for (e, rest) in overridden {
            let also = also_lines(rest.iter().map(|o| line(o)).filter(|&l| l != line(e)));
            let _ = writeln!(out, "- line {} · `{}` · {} (would be {}){also}", line(e), e.rule, evidence_text(e), e.lane);
        }
    }
    let _ = writeln!(out, "\n**{} permits**: {}.", r.lane, r.lane.permits());
    out.push_str("\n**Acceptance gates**\n");
    let gates = gates(r);
    if gates.is_empty() {
        out.push_str("- none: test and generated code are evidence for other code's gates\n");
    }
    for gate in gates {
        let _ = writeln!(out, "- {}: {}{}", gate.name(), gate.description(), gate_status(r, gate));
    }
    out
}

/// The gates lanes tracks for a region, with their state: (name, met). Contracts are a
/// human judgement and are not tracked.
pub fn tracked_gates(r: &RegionLane) -> Vec<(&'static str, bool)> {
    use crate::gates::GateState;
    let g = &r.gates;
    [("tests", g.tests), ("observability", g.observability), ("review", g.review), ("rollback", g.rollback)]
        .into_iter()
        .filter(|(_, s)| *s != GateState::NotApplicable)
        .map(|(n, s)| (n, s == GateState::Present))
        .collect()
}

/// `tests ✗ · observability ✓`, for code lenses.
pub fn gate_marks(r: &RegionLane) -> String {
    tracked_gates(r).iter().map(|(n, met)| format!("{n} {}", if *met { "✓" } else { "✗" })).collect::<Vec<_>>().join(" · ")
}

/// What lanes found for a gate, when it can tell.
fn gate_status(r: &RegionLane, gate: Gate) -> String {
    use crate::gates::GateState::{Missing, Present};
    let g = &r.gates;
    match gate {
        Gate::Tests => match g.tests {
            Present => " — ✓ a test refers to it".into(),
            Missing => " — ✗ no test found that refers to it (`lanes check` searches every file it checks)".into(),
            _ => String::new(),
        },
        Gate::Observability => match g.observability {
            Present => " — ✓ it logs, traces or counts".into(),
            Missing => " — ✗ no log, trace or metric in it".into(),
            _ => String::new(),
        },
        Gate::Review => match (g.review, &g.note, &g.digest) {
            (Present, _, _) => " — ✓ reviewed for the code as it is".into(),
            (Missing, Some(note), _) => format!(" — ✗ {note}"),
            (Missing, None, Some(digest)) => {
                format!(" — ✗ not recorded; after the review add `lanes: reviewed-by=<who> <date> {digest}` above it")
            }
            _ => String::new(),
        },
        Gate::Rollback => match g.rollback {
            Present => " — ✓ recorded with `lanes: rollback=`".into(),
            Missing => " — ✗ not recorded; describe it with `lanes: rollback=\"…\"` above it".into(),
            _ => String::new(),
        },
        Gate::Contracts => String::new(),
    }
}

/// The region's categories, or what decided its lane when no category applies.
pub fn category_summary(r: &RegionLane) -> String {
    if r.categories.is_empty() {
        return match r.evidence.iter().find(|e| !e.overridden) {
            Some(e) if e.rule.as_ref() == "inline" => "set by annotation".into(),
            Some(e) if e.rule.as_ref() == "path" => "set by path rule".into(),
            _ => "core".into(),
        };
    }
    let names: Vec<&str> = r.categories.iter().map(|c| c.name()).collect();
    names.join(", ")
}
