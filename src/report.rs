//! CLI output: the JSON (version 1) and text renderings of classifications. The wire
//! shapes are private `Serialize` structs here, so that changing an engine type never
//! changes the output format by accident.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::classify::Classification;
use crate::explain::{self, region_lines};
use crate::lane::Lane;
use crate::ruleset::RegionKind;

/// One file's result, with positions already converted to lines (the text can be dropped).
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub language: &'static str,
    pub lane: u8,
    pub regions: Vec<RegionReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemReport>,
    /// What the file's test code refers to.
    #[serde(skip)]
    pub test_refs: std::collections::HashSet<String>,
    /// Number of lines (for the lane map).
    #[serde(skip)]
    pub line_count: usize,
    /// Policies from the file's configuration (`fail-on`).
    #[serde(skip)]
    pub fail_on: Vec<crate::policy::Policy>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegionReport {
    pub name: String,
    pub kind: &'static str,
    pub lane: u8,
    pub start_line: usize,
    pub end_line: usize,
    pub categories: Vec<&'static str>,
    pub reasons: Vec<ReasonReport>,
    /// Acceptance gates: `present`, `missing` or `not_applicable` each.
    pub gates: GatesReport,
    #[serde(skip)]
    pub is_container: bool,
    /// Names a test can use for the region (resolved across files by `resolve_tests`).
    #[serde(skip)]
    pub test_keys: Vec<String>,
    /// Categories, or what decided the lane when none applies (for text output).
    #[serde(skip)]
    pub summary: String,
    /// First line of everything that belongs to the region (decorators and attributes
    /// included), for attributing changed lines.
    #[serde(skip)]
    pub first_line: usize,
    /// Index of the enclosing region in the file's list.
    #[serde(skip)]
    pub parent: Option<usize>,
    /// The lane of the region's own code: for a container, what its own evidence says
    /// rather than the highest lane of what it contains.
    #[serde(skip)]
    pub own_lane: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct GatesReport {
    pub tests: &'static str,
    pub observability: &'static str,
    pub review: &'static str,
    pub rollback: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReasonReport {
    pub rule: String,
    pub category: Option<&'static str>,
    pub lane: u8,
    pub line: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overridden: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProblemReport {
    pub line: usize,
    pub message: String,
}

/// Convert a classification while its text is at hand.
pub fn file_report(mut c: Classification, display_path: &Path, text: &str) -> FileReport {
    let test_refs = std::mem::take(&mut c.test_refs);
    let c = &c;
    let index = &c.line_index;
    let regions = c
        .regions
        .iter()
        .map(|r| {
            let (start_line, end_line) = region_lines(r, index, text);
            RegionReport {
                name: r.region.name.to_string(),
                kind: r.region.kind.name(),
                lane: r.lane.number(),
                start_line,
                end_line,
                categories: r.categories.iter().map(|c| c.name()).collect(),
                reasons: r
                    .evidence
                    .iter()
                    .map(|e| ReasonReport {
                        rule: e.rule.to_string(),
                        category: e.category.map(|c| c.name()),
                        lane: e.lane.number(),
                        line: explain::line_of(index, text, e.range.start),
                        message: e.message.to_string(),
                        detail: e.detail.clone(),
                        overridden: e.overridden,
                    })
                    .collect(),
                gates: GatesReport {
                    tests: r.gates.tests.name(),
                    observability: r.gates.observability.name(),
                    review: r.gates.review.name(),
                    rollback: r.gates.rollback.name(),
                },
                test_keys: r.gates.test_keys.clone(),
                is_container: !matches!(r.region.kind, RegionKind::Function | RegionKind::Method),
                summary: explain::category_summary(r),
                first_line: explain::line_of(index, text, r.region.range.start).min(start_line),
                parent: r.region.parent,
                own_lane: own_lane(r, c.default_lane).number(),
            }
        })
        .collect();
    FileReport {
        path: display(display_path),
        language: c.language.name(),
        lane: c.lane().number(),
        regions,
        problems: c
            .problems
            .iter()
            .map(|p| ProblemReport { line: explain::line_of(index, text, p.range.start), message: p.message.clone() })
            .collect(),
        test_refs,
        line_count: index.line_count(),
        fail_on: Vec::new(),
    }
}

/// A function's lane, or a container's lane without what it contains: the strictest of its
/// own evidence, or the default lane when only its contents raised or lowered it.
fn own_lane(r: &crate::classify::RegionLane, default_lane: Lane) -> Lane {
    if !matches!(r.region.kind, RegionKind::Function | RegionKind::Method) {
        let own = r.evidence.iter().filter(|e| !e.overridden && &*e.rule != "contains").map(|e| e.lane).max();
        return own.unwrap_or(default_lane);
    }
    r.lane
}

/// The tests gate across files: a function is tested when the test code of any file refers
/// to it.
pub fn resolve_tests(files: &mut [FileReport]) {
    let mut refs: std::collections::HashSet<String> = std::collections::HashSet::new();
    for f in files.iter_mut() {
        refs.extend(std::mem::take(&mut f.test_refs));
    }
    for f in files.iter_mut() {
        for r in f.regions.iter_mut() {
            if r.gates.tests == "missing" && r.test_keys.iter().any(|k| refs.contains(k)) {
                r.gates.tests = "present";
            }
        }
    }
}

/// A path as shown to users: forward slashes, no leading `./`.
pub fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Counts for the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub regions: LaneCounts,
    pub elapsed_ms: u128,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct LaneCounts {
    #[serde(rename = "1")]
    pub one: usize,
    #[serde(rename = "2")]
    pub two: usize,
    #[serde(rename = "3")]
    pub three: usize,
}

impl Summary {
    pub fn add(&mut self, file: &FileReport) {
        self.files += 1;
        for r in &file.regions {
            match r.lane {
                1 => self.regions.one += 1,
                2 => self.regions.two += 1,
                _ => self.regions.three += 1,
            }
        }
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    files: &'a [FileReport],
    summary: &'a Summary,
}

pub fn json(files: &[FileReport], summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(&JsonReport { version: 1, files, summary }).expect("serialisable");
    s.push('\n');
    s
}

/// Terminal styles; all empty when colour is off.
pub struct Style {
    pub bold: &'static str,
    pub dim: &'static str,
    pub red: &'static str,
    pub reset: &'static str,
}

impl Style {
    pub fn new(colour: bool) -> Style {
        if colour {
            Style { bold: "\x1b[1m", dim: "\x1b[2m", red: "\x1b[31m", reset: "\x1b[0m" }
        } else {
            Style { bold: "", dim: "", red: "", reset: "" }
        }
    }
}

/// The text lines for one file: every Lane 3 region that has evidence of its own (containers
/// that are Lane 3 only because of what they contain are not repeated).
pub fn text_file(file: &FileReport, style: &Style) -> String {
    let mut out = String::new();
    // Regions that are Lane 3 only because of a path rule are summed up in one line.
    let by_path = |r: &RegionReport| r.reasons.iter().find(|e| !e.overridden).is_some_and(|e| e.rule == "path");
    let path_rule = file.regions.first().filter(|m| m.lane == Lane::Three.number() && by_path(m));
    let flagged: Vec<&RegionReport> = file
        .regions
        .iter()
        .filter(|r| r.lane == Lane::Three.number())
        .filter(|r| !r.is_container || r.reasons.iter().any(|e| e.lane == 3 && !e.overridden && e.rule != "contains"))
        .filter(|r| path_rule.is_none() || !by_path(r))
        .collect();
    if flagged.is_empty() && file.problems.is_empty() && path_rule.is_none() {
        return out;
    }
    let _ = writeln!(out, "{}{}{}", style.bold, file.path, style.reset);
    if let Some(m) = path_rule {
        let e = m.reasons.iter().find(|e| e.rule == "path").expect("by_path");
        let count = file.regions.iter().filter(|r| by_path(r)).count();
        let detail = e.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}:1 {}all {count} regions{} {}Lane 3 · {}{}",
            file.path, style.bold, style.reset, style.red, m.summary, style.reset
        );
        let _ = writeln!(out, "      {}line {:>4}{}  {}{}  {}[path]{}", style.dim, 1, style.reset, e.message, detail, style.dim, style.reset);
    }
    for r in flagged {
        let _ = writeln!(
            out,
            "  {}:{} {}{} `{}`{} {}Lane 3 · {}{}",
            file.path,
            r.start_line,
            style.bold,
            r.kind,
            r.name,
            style.reset,
            style.red,
            r.summary,
            style.reset
        );
        // The evidence for Lane 3 itself; `lanes explain` shows the rest.
        let shown = r.reasons.iter().filter(|e| !e.overridden && e.rule != "contains" && e.lane == r.lane);
        for (e, rest) in explain::group_by_rule(shown, |e| &*e.rule) {
            let detail = e.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
            let also = explain::also_lines(rest.iter().map(|o| o.line).filter(|&l| l != e.line));
            let _ = writeln!(
                out,
                "      {}line {:>4}{}  {}{}{}  {}[{}]{}",
                style.dim, e.line, style.reset, e.message, detail, also, style.dim, e.rule, style.reset
            );
        }
    }
    for p in &file.problems {
        let _ = writeln!(out, "  {}:{} warning: {}", file.path, p.line, p.message);
    }
    out.push('\n');
    out
}

pub fn text_summary(summary: &Summary, style: &Style) -> String {
    let mut out = String::new();
    let total = summary.regions.one + summary.regions.two + summary.regions.three;
    let _ = writeln!(out, "{}Summary{}", style.bold, style.reset);
    let _ = writeln!(out, "  files     {:>7}", summary.files);
    let _ = writeln!(out, "  regions   {:>7}", total);
    let _ = writeln!(out, "    Lane 1  {:>7}", summary.regions.one);
    let _ = writeln!(out, "    Lane 2  {:>7}", summary.regions.two);
    let _ = writeln!(out, "    Lane 3  {:>7}", summary.regions.three);
    let _ = writeln!(out, "  time      {:>7} ms", summary.elapsed_ms);
    out
}

#[derive(Serialize)]
struct JsonReview<'a> {
    version: u32,
    files: &'a [FileReport],
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<ChangeJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<PolicyJson<'a>>,
}

#[derive(Serialize)]
struct ChangeJson<'a> {
    against: &'a str,
    /// The highest lane any touched region counts at (null when nothing classified changed).
    highest_lane: Option<u8>,
    regions: LaneCounts,
    files: Vec<ChangedFileJson<'a>>,
    /// Every touched region, with the lane it counts at.
    touched: Vec<TouchedJson<'a>>,
    /// The touched regions that count at Lane 3.
    lane3: Vec<TouchedJson<'a>>,
}

#[derive(Serialize)]
struct ChangedFileJson<'a> {
    path: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_path: Option<&'a str>,
}

#[derive(Clone, Serialize)]
struct TouchedJson<'a> {
    path: &'a str,
    name: &'a str,
    kind: &'static str,
    lane: u8,
    start_line: usize,
    end_line: usize,
    change: &'static str,
    categories: Vec<&'static str>,
    open_gates: Vec<&'static str>,
}

#[derive(Serialize)]
struct PolicyJson<'a> {
    fail_on: Vec<String>,
    failures: Vec<FailureJson<'a>>,
}

#[derive(Serialize)]
struct FailureJson<'a> {
    policy: String,
    path: &'a str,
    name: &'a str,
    kind: &'static str,
    line: usize,
    lane: u8,
    removed: bool,
    message: String,
}

/// JSON version 1 for a check with a diff or policies: the same `files` and `summary` (with
/// a diff, only the touched files and regions), plus a `change` object with the verdict when
/// a diff was given and a `policy` object when policies are in force.
pub fn json_review(
    files: &[FileReport],
    summary: &Summary,
    change: Option<&crate::change::Change>,
    policies: &[crate::policy::Policy],
    failures: &[crate::change::Failure],
) -> String {
    let change = change.map(|c| {
        let [one, two, three] = c.counts();
        let touched: Vec<TouchedJson> = c
            .regions
            .iter()
            .map(|t| TouchedJson {
                path: &t.path,
                name: &t.region.name,
                kind: t.region.kind,
                lane: t.lane.number(),
                start_line: t.region.start_line,
                end_line: t.region.end_line,
                change: t.change.name(),
                categories: crate::formats::categories(&t.region, t.lane),
                open_gates: if t.change == crate::change::RegionChange::Deleted {
                    Vec::new()
                } else {
                    crate::formats::open_gates(&t.region)
                },
            })
            .collect();
        ChangeJson {
            against: &c.against,
            highest_lane: c.highest_lane().map(Lane::number),
            regions: LaneCounts { one, two, three },
            files: c
                .files
                .iter()
                .map(|f| ChangedFileJson { path: &f.path, status: f.status.name(), old_path: f.old_path.as_deref() })
                .collect(),
            lane3: touched.iter().filter(|t| t.lane == 3).cloned().collect(),
            touched,
        }
    });
    let policy = (!policies.is_empty()).then(|| PolicyJson {
        fail_on: policies.iter().map(ToString::to_string).collect(),
        failures: failures
            .iter()
            .map(|f| FailureJson {
                policy: f.policy.to_string(),
                path: &f.path,
                name: &f.region.name,
                kind: f.region.kind,
                line: f.region.start_line,
                lane: f.lane.number(),
                removed: f.removed,
                message: f.reason.clone(),
            })
            .collect(),
    });
    let mut s = serde_json::to_string_pretty(&JsonReview { version: 1, files, summary, change, policy }).expect("serialisable");
    s.push('\n');
    s
}

/// The text output for a diff: every touched region by file, then the verdict and the
/// Lane 3 regions touched.
pub fn text_change(change: &crate::change::Change, style: &Style) -> String {
    let mut out = String::new();
    let mut last_path: Option<&str> = None;
    for t in &change.regions {
        if last_path != Some(t.path.as_str()) {
            if last_path.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}{}{}", style.bold, t.path, style.reset);
            last_path = Some(&t.path);
        }
        let cats = crate::formats::categories(&t.region, t.lane);
        let cats = if cats.is_empty() { String::new() } else { format!(" · {}", cats.join(", ")) };
        let colour = if t.lane == Lane::Three { style.red } else { "" };
        let gates = crate::formats::open_gates(&t.region);
        let gates = if gates.is_empty() || t.change == crate::change::RegionChange::Deleted {
            String::new()
        } else {
            format!("  {}open gates: {}{}", style.dim, gates.join(", "), style.reset)
        };
        let _ = writeln!(
            out,
            "  {}:{} {}{} `{}`{} {colour}{}{cats}{} ({}){gates}",
            t.path,
            t.region.start_line,
            style.bold,
            t.region.kind,
            t.region.name,
            style.reset,
            t.lane,
            style.reset,
            t.change.name()
        );
    }
    if last_path.is_some() {
        out.push('\n');
    }
    let [one, two, three] = change.counts();
    let _ = writeln!(out, "{}Change{} against {}", style.bold, style.reset, change.against);
    let _ = writeln!(out, "  files     {:>7}", change.files.len());
    let _ = writeln!(out, "  regions   {:>7}", one + two + three);
    let _ = writeln!(out, "    Lane 1  {:>7}", one);
    let _ = writeln!(out, "    Lane 2  {:>7}", two);
    let _ = writeln!(out, "    Lane 3  {:>7}", three);
    match change.highest_lane() {
        Some(lane) => {
            let _ = writeln!(out, "  verdict   {}touches {lane}{}", if lane == Lane::Three { style.red } else { "" }, style.reset);
        }
        None => {
            let _ = writeln!(out, "  verdict   touches no classified code");
        }
    }
    for t in change.lane3() {
        let cats = crate::formats::categories(&t.region, t.lane);
        let _ = writeln!(
            out,
            "    {}:{} {} `{}` ({}) {}",
            t.path,
            t.region.start_line,
            t.region.kind,
            t.region.name,
            t.change.name(),
            cats.join(", ")
        );
    }
    out
}
