//! Output formats of `lanes check` for review and CI, one small module each: SARIF 2.1.0
//! (`sarif`), GitHub workflow commands (`github`), a pull-request summary (`markdown`) and a
//! self-contained lane map (`html`). Text and JSON live in `report`. All of them render the
//! same `Input`; this module holds what they share: which regions are worth a finding and
//! how a region's reasons read.

pub mod github;
pub mod html;
pub mod markdown;
pub mod sarif;

use crate::change::{Change, Failure, RegionChange};
use crate::lane::Lane;
use crate::policy::Policy;
use crate::report::{FileReport, ReasonReport, RegionReport, Summary};

/// Everything a format may show.
pub struct Input<'a> {
    /// Every checked file (with a change too: the lane map shows the whole tree).
    pub files: &'a [FileReport],
    pub summary: &'a Summary,
    pub change: Option<&'a Change>,
    pub policies: &'a [Policy],
    pub failures: &'a [Failure],
    /// Each file's path relative to the repository root (or the current directory outside
    /// a repository), with forward slashes, in the order of `files`.
    pub root_paths: &'a [String],
}

/// A region worth pointing at: Lane 3 always; with a change, touched Lane 2 regions too.
pub struct Finding<'a> {
    pub file: usize,
    pub path: &'a str,
    pub region: &'a RegionReport,
    pub index: usize,
    /// The lane it counts at (a container's own lane).
    pub lane: Lane,
    pub change: Option<RegionChange>,
}

/// The findings of a run, by path and line: with a change, its touched regions that still
/// exist; without one, every region whose own lane is 3.
pub fn findings<'a>(input: &Input<'a>) -> Vec<Finding<'a>> {
    let mut out = Vec::new();
    match input.change {
        Some(change) => {
            for t in &change.regions {
                // Removed regions have no lines to point at; Lane 1 needs no attention, and a
                // Lane 2 container is said through what it holds.
                let lane2_container = t.lane == Lane::Two && t.region.is_container;
                if t.change == RegionChange::Deleted || t.lane == Lane::One || lane2_container {
                    continue;
                }
                let Some(file) = input.files.iter().position(|f| f.path == t.path) else { continue };
                out.push(Finding {
                    file,
                    path: &input.files[file].path,
                    region: &input.files[file].regions[t.index],
                    index: t.index,
                    lane: t.lane,
                    change: Some(t.change),
                });
            }
        }
        None => {
            for (file, f) in input.files.iter().enumerate() {
                for (index, r) in f.regions.iter().enumerate() {
                    if r.own_lane == 3 {
                        out.push(Finding { file, path: &f.path, region: r, index, lane: Lane::Three, change: None });
                    }
                }
            }
        }
    }
    out
}

/// The evidence for a region's lane: its non-overridden reasons at that lane, apart from
/// `contains` (what a container holds is reported on its own).
pub fn decisive(region: &RegionReport, lane: Lane) -> Vec<&ReasonReport> {
    let own: Vec<&ReasonReport> =
        region.reasons.iter().filter(|e| !e.overridden && e.rule != "contains" && e.lane == lane.number()).collect();
    if own.is_empty() {
        region.reasons.iter().filter(|e| !e.overridden && e.rule != "contains").take(1).collect()
    } else {
        own
    }
}

/// The rule id that decided a region's lane.
pub fn rule_id(region: &RegionReport, lane: Lane) -> String {
    decisive(region, lane).first().map_or_else(|| "default".to_string(), |e| e.rule.clone())
}

/// `calls a payment provider API: `stripe.Charge.create(…)`; checks a permission …`: the
/// reasons of a region, one per rule.
pub fn reasons_sentence(region: &RegionReport, lane: Lane) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut parts = Vec::new();
    for e in decisive(region, lane) {
        if seen.contains(&e.rule.as_str()) {
            continue;
        }
        seen.push(&e.rule);
        match &e.detail {
            Some(d) => parts.push(format!("{}: {d}", e.message)),
            None => parts.push(e.message.clone()),
        }
    }
    if parts.is_empty() {
        return "nothing in its own code marks it as riskier or safer; the project's default lane applies".to_string();
    }
    parts.join("; ")
}

/// The gates that are open (`missing`) on a region, by name.
pub fn open_gates(region: &RegionReport) -> Vec<&'static str> {
    let g = &region.gates;
    [("tests", g.tests), ("observability", g.observability), ("review", g.review), ("rollback", g.rollback)]
        .into_iter()
        .filter(|(_, state)| *state == "missing")
        .map(|(name, _)| name)
        .collect()
}

/// The categories behind a region's lane as it counts (a container touched in its own
/// lines counts at its own lane, whose categories may differ from those of what it holds).
pub fn categories(region: &RegionReport, lane: Lane) -> Vec<&'static str> {
    if lane.number() == region.lane {
        return region.categories.clone();
    }
    let mut cats: Vec<&'static str> = decisive(region, lane).iter().filter_map(|e| e.category).collect();
    cats.dedup();
    cats
}

/// `Lane 3 · billing, security` (or just `Lane 3`).
pub fn lane_title(lane: Lane, region: &RegionReport) -> String {
    let cats = categories(region, lane);
    if cats.is_empty() {
        lane.to_string()
    } else {
        format!("{lane} · {}", cats.join(", "))
    }
}
