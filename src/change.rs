//! The change under review: which regions of the checked files a diff touches, the lane each
//! counts at, the change-level verdict (highest lane touched, Lane 3 regions touched), and
//! the policy failures over whatever is in scope (the touched regions, or every region
//! without a diff).

use crate::diff::{self, FileDiff, Lines, Span, Status, Touch};
use crate::gates::GateState;
use crate::lane::Lane;
use crate::policy::{Facts, Policy};
use crate::report::{FileReport, RegionReport};

/// How a touched region changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionChange {
    /// All its lines are new.
    Added,
    Modified,
    /// It was removed (with its file, or on its own).
    Deleted,
    /// Its file moved and nothing else touched it.
    Moved,
}

impl RegionChange {
    pub fn name(self) -> &'static str {
        match self {
            RegionChange::Added => "added",
            RegionChange::Modified => "modified",
            RegionChange::Deleted => "deleted",
            RegionChange::Moved => "moved",
        }
    }
}

/// A region the change touches.
#[derive(Clone, Debug)]
pub struct Touched {
    /// The file's path as shown (for a removed region, where it was).
    pub path: String,
    pub region: RegionReport,
    /// The lane it counts at: its own lane (a container touched only in its own lines does
    /// not count at the lane of what it contains).
    pub lane: Lane,
    pub change: RegionChange,
    /// Index of the region in its file's report (the version before the change for a
    /// removed region).
    pub index: usize,
    /// Policies from the file's configuration.
    pub fail_on: Vec<Policy>,
}

/// A changed file.
#[derive(Clone, Debug)]
pub struct ChangedFile {
    pub path: String,
    pub old_path: Option<String>,
    pub status: Status,
}

/// The change: files and touched regions, ordered by path and line.
#[derive(Clone, Debug)]
pub struct Change {
    /// What the working tree (or the index) was compared with.
    pub against: String,
    pub files: Vec<ChangedFile>,
    pub regions: Vec<Touched>,
}

impl Change {
    /// The highest lane any touched region counts at.
    pub fn highest_lane(&self) -> Option<Lane> {
        self.regions.iter().map(|t| t.lane).max()
    }

    /// Touched regions that count at Lane 3.
    pub fn lane3(&self) -> impl Iterator<Item = &Touched> {
        self.regions.iter().filter(|t| t.lane == Lane::Three)
    }

    /// Number of touched regions per lane (1, 2, 3).
    pub fn counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for t in &self.regions {
            counts[t.lane.number() as usize - 1] += 1;
        }
        counts
    }
}

/// A changed file matched with what was checked: its diff, the report of its current
/// version (if it was checked) and of its version before the change (if it had one that was
/// classified), with the texts of both (blank lines change no region).
pub struct Matched {
    pub diff: FileDiff,
    pub path: String,
    pub old_path: Option<String>,
    pub current: Option<usize>,
    pub current_text: Option<String>,
    pub before: Option<FileReport>,
    pub before_text: Option<String>,
}

/// The touched regions of the matched files.
pub fn build(against: String, reports: &[FileReport], matched: Vec<Matched>) -> Change {
    let mut files = Vec::new();
    let mut regions = Vec::new();
    for m in matched {
        files.push(ChangedFile { path: m.path.clone(), old_path: m.old_path.clone(), status: m.diff.status });
        let current_names: Vec<String> = match m.current {
            Some(i) => (0..reports[i].regions.len()).map(|r| qualified_name(&reports[i], r)).collect(),
            None => Vec::new(),
        };
        // Regions removed whole whose name is gone from the file.
        let mut removed_spans: Vec<(usize, usize)> = Vec::new();
        if let Some(before) = &m.before {
            let blank = blank_lines(m.before_text.as_deref().unwrap_or_default());
            let shown = m.old_path.as_deref().unwrap_or(&m.path);
            for (index, touch) in attribute(before, &m.diff.removed, &blank).into_iter().enumerate() {
                let gone = m.current.is_none() || !current_names.contains(&qualified_name(before, index));
                if touch == Some(Touch::Wholly) && gone {
                    let r = &before.regions[index];
                    removed_spans.push((r.first_line, r.end_line));
                    regions.push(touched(shown, before, index, RegionChange::Deleted));
                }
            }
        }
        if let Some(i) = m.current {
            let report = &reports[i];
            let blank = blank_lines(m.current_text.as_deref().unwrap_or_default());
            let before_blank = blank_lines(m.before_text.as_deref().unwrap_or_default());
            // Where removed regions were, the new version has only a gap: it is their
            // removal, not a change to the region around them.
            let explained = |k: usize| match (&m.diff.added[k], m.diff.removed.get(k)) {
                (Lines::Gap(_), Some(Lines::Span(old))) => old.clone().all(|line| {
                    before_blank.get(line - 1).copied().unwrap_or(false)
                        || removed_spans.iter().any(|&(a, b)| a <= line && line <= b)
                }),
                _ => false,
            };
            let added: Vec<Lines> =
                m.diff.added.iter().enumerate().filter(|&(k, _)| !explained(k)).map(|(_, l)| l.clone()).collect();
            let touches = attribute(report, &added, &blank);
            let moved = m.diff.status == Status::Renamed && touches.iter().all(Option::is_none);
            for (index, touch) in touches.into_iter().enumerate() {
                let change = match touch {
                    Some(Touch::Wholly) => RegionChange::Added,
                    Some(Touch::Partly) => RegionChange::Modified,
                    // A file that only moved touches its module region.
                    None if moved && index == 0 => RegionChange::Moved,
                    None => continue,
                };
                regions.push(touched(&m.path, report, index, change));
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    regions.sort_by(|a, b| (&a.path, a.region.start_line, a.index).cmp(&(&b.path, b.region.start_line, b.index)));
    Change { against, files, regions }
}

/// Which lines of a text are blank (index 0 is line 1).
fn blank_lines(text: &str) -> Vec<bool> {
    text.lines().map(|l| l.trim().is_empty()).collect()
}

/// Regions touched by `changes`, where a region only counts as touched by non-blank lines
/// (adding a function also adds the blank line before it, which belongs to the module), and
/// as changed wholly when every one of its lines changed.
fn attribute(report: &FileReport, changes: &[Lines], blank: &[bool]) -> Vec<Option<Touch>> {
    let mut solid: Vec<Lines> = Vec::new();
    for change in changes {
        match change {
            Lines::Gap(_) => solid.push(change.clone()),
            Lines::Span(span) => {
                let mut run: Option<(usize, usize)> = None;
                for line in span.clone() {
                    if blank.get(line - 1).copied().unwrap_or(false) {
                        if let Some((a, b)) = run.take() {
                            solid.push(Lines::Span(a..=b));
                        }
                    } else {
                        run = Some(run.map_or((line, line), |(a, _)| (a, line)));
                    }
                }
                if let Some((a, b)) = run {
                    solid.push(Lines::Span(a..=b));
                }
            }
        }
    }
    let whole = touched_regions(report, changes);
    let part = touched_regions(report, &solid);
    whole
        .into_iter()
        .zip(part)
        .map(|(w, p)| if w == Some(Touch::Wholly) { w } else { p.map(|_| Touch::Partly) })
        .collect()
}

fn touched(path: &str, report: &FileReport, index: usize, change: RegionChange) -> Touched {
    let region = report.regions[index].clone();
    let lane = Lane::from_number(region.own_lane as i64).unwrap_or(Lane::Two);
    Touched { path: path.to_string(), region, lane, change, index, fail_on: report.fail_on.clone() }
}

/// `Outer::inner` names, to recognise a region in two versions of a file.
pub fn qualified_name(report: &FileReport, index: usize) -> String {
    let mut parts = Vec::new();
    let mut at = Some(index);
    while let Some(i) = at {
        let r = &report.regions[i];
        parts.push(format!("{} {}", r.kind, r.name));
        at = r.parent;
    }
    parts.reverse();
    parts.join("::")
}

/// Which regions of a report own changed lines.
pub fn touched_regions(report: &FileReport, lines: &[Lines]) -> Vec<Option<Touch>> {
    let spans: Vec<Span> = report
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i == 0 {
                Span { first: 1, last: report.line_count.max(1), parent: None }
            } else {
                Span { first: r.first_line, last: r.end_line.max(r.first_line), parent: r.parent }
            }
        })
        .collect();
    diff::touched(&spans, lines)
}

/// A region that fails a policy.
#[derive(Clone, Debug)]
pub struct Failure {
    pub policy: Policy,
    pub path: String,
    pub region: RegionReport,
    /// Index of the region in its file's report.
    pub index: usize,
    /// The region was removed by the change (it has no lines to point at).
    pub removed: bool,
    pub lane: Lane,
    /// Why, as a sentence about the region (`it is Lane 3 (billing) and no test refers to it`).
    pub reason: String,
}

impl Failure {
    /// One line: `src/billing.py:12: function `charge` fails lane3-untested: it is …`.
    pub fn line(&self) -> String {
        let removed = if self.removed { " (removed)" } else { "" };
        format!(
            "{}:{}: {} `{}`{removed} fails {}: {}",
            self.path, self.region.start_line, self.region.kind, self.region.name, self.policy, self.reason
        )
    }
}

/// What a policy sees of a region.
fn facts<'a>(region: &RegionReport, lane: Lane, categories: &'a [&'a str]) -> Facts<'a> {
    let state = |name: &str| match name {
        "present" => GateState::Present,
        "missing" => GateState::Missing,
        _ => GateState::NotApplicable,
    };
    let g = &region.gates;
    Facts { lane, categories, gate: [state(g.tests), state(g.observability), state(g.review), state(g.rollback)] }
}

/// Policy failures. With a change, its touched regions are in scope (removed regions only
/// for gate-free policies such as `lane3`: removing Lane 3 code is a Lane 3 change, but a
/// removed function has no gates); without one, every region of every file. `extra` comes
/// from the command line and applies everywhere; each file also brings its configuration's
/// `fail-on`.
pub fn failures(reports: &[FileReport], change: Option<&Change>, extra: &[Policy]) -> Vec<Failure> {
    let mut out = Vec::new();
    let mut check = |path: &str, region: &RegionReport, index: usize, lane: Lane, own: &[Policy], removed: bool| {
        let mut seen: Vec<&Policy> = Vec::new();
        for policy in extra.iter().chain(own) {
            if seen.contains(&policy) || (removed && policy.gate.is_some()) {
                continue;
            }
            seen.push(policy);
            let cats: &[&str] = if lane.number() == region.lane { &region.categories } else { &[] };
            if let Some(reason) = policy.check(&facts(region, lane, cats)) {
                out.push(Failure {
                    policy: policy.clone(),
                    path: path.to_string(),
                    region: region.clone(),
                    index,
                    removed,
                    lane,
                    reason,
                });
            }
        }
    };
    match change {
        Some(change) => {
            for t in &change.regions {
                check(&t.path, &t.region, t.index, t.lane, &t.fail_on, t.change == RegionChange::Deleted);
            }
        }
        None => {
            for f in reports {
                for (index, r) in f.regions.iter().enumerate() {
                    let lane = Lane::from_number(r.own_lane as i64).unwrap_or(Lane::Two);
                    check(&f.path, r, index, lane, &f.fail_on, false);
                }
            }
        }
    }
    out
}

/// The policies in force anywhere in the run (command line first, then configurations).
pub fn policies_in_force(reports: &[FileReport], extra: &[Policy]) -> Vec<Policy> {
    let mut all: Vec<Policy> = extra.to_vec();
    for f in reports {
        for p in &f.fail_on {
            if !all.contains(p) {
                all.push(p.clone());
            }
        }
    }
    all
}
