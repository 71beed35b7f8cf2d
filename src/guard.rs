//! The decision of `lanes guard`: may a coding agent make this edit? The lanes of the
//! regions an edit touches, before and after it, meet the `[guard]` policy and give
//! allow, ask or deny with a reason that says why and what to do instead. An edit that adds
//! a payment call to a Lane 2 function is judged as the Lane 3 edit it is.
//!
//! Pure: texts and paths in, a `Verdict` out. Reading files, hook formats and the audit log
//! belong to `agent`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::ops::Range;
use std::path::Path;

use crate::chunks::ChunkCache;
use crate::classify::{classify_incremental, Classification, Evidence, RegionLane, SourceFile};
use crate::config::Config;
use crate::explain::{self, line_of};
use crate::lane::{Category, Lane};
use crate::language::Language;
use crate::ruleset::Ruleset;
use crate::syntax;

/// What the agent may do. `Ord` follows strictness: the strictest of several decisions is
/// their `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    Allow,
    Ask,
    Deny,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Ask => "ask",
            Decision::Deny => "deny",
        }
    }
}

impl std::str::FromStr for Decision {
    type Err = String;

    fn from_str(s: &str) -> Result<Decision, String> {
        match s {
            "allow" => Ok(Decision::Allow),
            "ask" => Ok(Decision::Ask),
            "deny" => Ok(Decision::Deny),
            _ => Err(format!("decision must be `allow`, `ask` or `deny`, not `{s}`")),
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One profile's policy: a decision per lane, per category (a category's decision replaces
/// its lane's), and for edits to the lanes configuration itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub lanes: [Decision; 3],
    pub categories: BTreeMap<Category, Decision>,
    pub config: Decision,
}

/// The built-in profiles. `dev` (the default) lets agents work in Lanes 1 and 2, asks for
/// Lane 3 and denies irreversible operations; `ci` has nobody to ask, so what would be
/// asked is denied; `prod` (production-adjacent repositories) also asks for Lane 2.
pub fn builtin_profiles() -> BTreeMap<String, Policy> {
    use Decision::{Allow, Ask, Deny};
    let irreversible = BTreeMap::from([(Category::Irreversible, Deny)]);
    BTreeMap::from([
        ("dev".to_string(), Policy { lanes: [Allow, Allow, Ask], categories: irreversible.clone(), config: Ask }),
        ("ci".to_string(), Policy { lanes: [Allow, Allow, Deny], categories: irreversible.clone(), config: Deny }),
        ("prod".to_string(), Policy { lanes: [Allow, Ask, Deny], categories: irreversible, config: Deny }),
    ])
}

impl Policy {
    /// The decision for code of `lane` with `categories`, and the key that decided it.
    pub fn decide(&self, lane: Lane, categories: &[Category]) -> (Decision, String) {
        let by_category = categories
            .iter()
            .filter_map(|c| self.categories.get(c).map(|d| (*d, format!("categories.{c}"))))
            .max_by_key(|(d, _)| *d);
        by_category.unwrap_or_else(|| (self.lanes[lane.number() as usize - 1], format!("lane-{}", lane.number())))
    }
}

/// Files that steer lanes itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protected {
    /// `lanes.toml`, or a `pyproject.toml` with `[tool.lanes]`.
    Config,
    /// The audit log: append-only, never edited.
    AuditLog,
}

/// A proposed edit of one file.
pub struct Proposal<'a> {
    /// The path shown to users.
    pub path: &'a Path,
    /// The path matched against the configuration's globs.
    pub rule_path: &'a Path,
    /// `None` for a new file.
    pub before: Option<&'a str>,
    pub after: &'a str,
    pub protected: Option<Protected>,
    /// Set when the edit could not be located in the file (its old text is not there): the
    /// whole file is then taken as touched.
    pub whole_file: bool,
}

/// The lane of one side (before or after the edit) of a touched region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub lane: Lane,
    pub categories: Vec<Category>,
    /// The evidence for the lane, as `message: detail (line N)`.
    pub evidence: Vec<Note>,
}

/// A piece of evidence, rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub rule: String,
    pub lane: Lane,
    pub text: String,
    pub line: usize,
}

/// A region the edit touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touched {
    pub name: String,
    pub kind: &'static str,
    /// 1-based line of its definition (after the edit when it still exists).
    pub line: usize,
    pub before: Option<Side>,
    pub after: Option<Side>,
    /// Evidence the edit adds at a lane above the region's lane before it.
    pub added: Vec<Note>,
    pub decision: Decision,
    /// The policy key (`lane-3`, `categories.irreversible`) or exception that decided.
    pub decided_by: String,
    /// Gates still open after the edit (observability, review, rollback: the tests gate
    /// needs the project's test code, which the guard does not read).
    pub open_gates: Vec<&'static str>,
}

impl Touched {
    /// The strictest lane of both sides.
    pub fn lane(&self) -> Lane {
        self.before.iter().chain(&self.after).map(|s| s.lane).max().unwrap_or(Lane::One)
    }
}

/// The answer for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub path: String,
    pub decision: Decision,
    pub touched: Vec<Touched>,
    /// Why, and what to do instead: the text the agent sees.
    pub reason: String,
}

impl Verdict {
    /// The lanes involved, strictest first.
    pub fn lanes(&self) -> Vec<Lane> {
        let mut lanes: Vec<Lane> =
            self.touched.iter().filter(|t| t.before.is_some() || t.after.is_some()).map(Touched::lane).collect();
        lanes.sort_by(|a, b| b.cmp(a));
        lanes.dedup();
        lanes
    }
}

/// Decide one file's edit under `policy` (the profile in force) and the configuration's
/// path exceptions. `rules` must have the file's language compiled; a file lanes does not
/// parse needs only the configuration (`rules` may then be `None`).
pub fn decide(p: &Proposal, config: &Config, rules: Option<&Ruleset>, policy: &Policy, profile: &str) -> Verdict {
    let path = crate::report::display(p.path);
    let exception = config.guard.exception(p.rule_path);
    let mut touched = match (p.protected, Language::from_path(p.path), rules) {
        (Some(kind), ..) => vec![protected_file(kind, policy)],
        (None, Some(language), Some(rules)) => touched_regions(p, language, rules, policy),
        (None, ..) => unread_file(p, config, policy),
    };
    if let Some(e) = exception {
        for t in &mut touched {
            t.decision = e.decision;
            t.decided_by = format!("exception `{}`", e.glob);
        }
    }
    let decision = touched.iter().map(|t| t.decision).max().unwrap_or(Decision::Allow);
    let reason = reason(&path, decision, &touched, p, profile, exception.and_then(|e| e.reason.as_deref()));
    Verdict { path, decision, touched, reason }
}

fn protected_file(kind: Protected, policy: &Policy) -> Touched {
    let (name, decision, decided_by) = match kind {
        Protected::Config => ("the lanes configuration", policy.config, "config".to_string()),
        Protected::AuditLog => ("the lanes audit log", Decision::Deny, "audit-log".to_string()),
    };
    Touched {
        name: name.into(),
        kind: "file",
        line: 1,
        before: None,
        after: None,
        added: Vec::new(),
        decision,
        decided_by,
        open_gates: Vec::new(),
    }
}

/// A file lanes cannot parse: its lane comes from a path rule, if any.
fn unread_file(p: &Proposal, config: &Config, policy: &Policy) -> Vec<Touched> {
    let Some(rule) = config.path_rule(p.rule_path) else { return Vec::new() };
    let side = Side {
        lane: rule.lane,
        categories: rule.category.into_iter().collect(),
        evidence: vec![Note {
            rule: "path".into(),
            lane: rule.lane,
            text: rule.reason.clone().unwrap_or_else(|| format!("path matches `{}`", rule.glob)),
            line: 1,
        }],
    };
    let (decision, decided_by) = policy.decide(side.lane, &side.categories);
    vec![Touched {
        name: "the file".into(),
        kind: "file",
        line: 1,
        before: p.before.map(|_| side.clone()),
        after: Some(side),
        added: Vec::new(),
        decision,
        decided_by,
        open_gates: Vec::new(),
    }]
}

fn touched_regions(p: &Proposal, language: Language, rules: &Ruleset, policy: &Policy) -> Vec<Touched> {
    let before_text = p.before.unwrap_or("");
    let edit = input_edit(before_text, p.after);
    let mut cache = ChunkCache::default();
    // Only the top-level items around the change are classified: on a large file that is a
    // small part of it. Lines are counted from the window's first line. A window whose text
    // does not parse cleanly (it cut through a string, say) is not trusted.
    let windowed = window_of(p.before, p.after, p.whole_file, language).map(|(w, a)| {
        let (b_text, a_text) = (&before_text[w.clone()], &p.after[a]);
        let classify_slice = |text: &str, cache: &mut ChunkCache| {
            let tree = syntax::parse(language, text, None);
            let file = SourceFile { path: p.path, rule_path: p.rule_path, language, text };
            classify_incremental(&file, &tree, rules, cache, None)
        };
        let before = classify_slice(b_text, &mut cache);
        let after = classify_slice(a_text, &mut cache);
        (before, after, b_text, a_text, before_text[..w.start].matches('\n').count())
    });
    let (before, after, b_text, a_text, line_offset) = match windowed {
        Some(w) => w,
        None => {
            // One parse of the text before, an incremental reparse after, and the chunk
            // cache of the first classification reused by the second.
            let before_tree = syntax::parse(language, before_text, None);
            let file = SourceFile { path: p.path, rule_path: p.rule_path, language, text: before_text };
            let before = classify_incremental(&file, &before_tree, rules, &mut cache, None);
            let mut edited = before_tree.clone();
            edited.edit(&edit);
            let after_tree = syntax::parse(language, p.after, Some(&edited));
            let file = SourceFile { path: p.path, rule_path: p.rule_path, language, text: p.after };
            let after = classify_incremental(&file, &after_tree, rules, &mut cache, None);
            (before, after, before_text, p.after, 0)
        }
    };

    let changes = if p.whole_file { vec![(0..b_text.len(), 0..a_text.len())] } else { changed_ranges(b_text, a_text) };
    let mut keys: Vec<String> = Vec::new();
    for (b, a) in &changes {
        for i in innermost_overlapping(&after, a, a_text) {
            keys.push(qualified(&after, i));
        }
        if p.before.is_some() {
            for i in innermost_overlapping(&before, b, b_text) {
                keys.push(qualified(&before, i));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    let find = |c: &Classification, key: &str| (0..c.regions.len()).find(|&i| qualified(c, i) == key);
    keys.iter()
        .map(|key| {
            let b = p.before.and_then(|_| find(&before, key)).map(|i| (&before.regions[i], &before, b_text));
            let a = find(&after, key).map(|i| (&after.regions[i], &after, a_text));
            let mut t = touched(b, a, policy, rules.config.default_lane);
            t.line += line_offset;
            for note in t.added.iter_mut().chain(t.before.iter_mut().chain(t.after.iter_mut()).flat_map(|s| s.evidence.iter_mut())) {
                note.line += line_offset;
            }
            t
        })
        .collect()
}

/// What the guard classifies for an edit: the window of top-level items around it (its
/// byte ranges in the text before and after), or `None` for the whole file. A window whose
/// text does not parse cleanly (it cut through a string, say) is not trusted. Decided
/// without rules, so that the caller can compile only the patterns that text needs.
pub fn window_of(before: Option<&str>, after: &str, whole_file: bool, language: Language) -> Option<(Range<usize>, Range<usize>)> {
    let before = before.filter(|_| !whole_file)?;
    let edit = input_edit(before, after);
    let w = window(before, &edit)?;
    let a = w.start..w.end + edit.new_end_byte - edit.old_end_byte;
    if syntax::parse(language, &before[w.clone()], None).root_node().has_error() {
        return None;
    }
    Some((w, a))
}

/// The lower-cased text the guard classifies for an edit, for `Ruleset::new_for_text`.
pub fn classified_text(before: Option<&str>, after: &str, whole_file: bool, language: Language) -> String {
    let (b, a) = match window_of(before, after, whole_file, language) {
        Some((w, a)) => (&before.unwrap_or_default()[w], &after[a]),
        None => (before.unwrap_or_default(), after),
    };
    format!("{}\n{}", b.to_lowercase(), a.to_lowercase())
}

/// The lines around the edit from the top-level boundary above it to the one below it,
/// or `None` for a small file or when that is most of the file anyway. A boundary is a line
/// that starts at column 0 after a blank line (not a closing bracket): where top-level
/// items, with their comments, attributes and decorators, begin in formatted code.
fn window(text: &str, edit: &tree_sitter::InputEdit) -> Option<Range<usize>> {
    if text.len() < 16 * 1024 {
        return None;
    }
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let is_boundary = |at: usize| {
        // `at` is a line start.
        let first = text.as_bytes().get(at).copied();
        let starts_item = first.is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b')' | b']' | b'}'));
        let blank_above = at == 0 || {
            let prev = line_start(at - 1);
            text[prev..at].trim().is_empty()
        };
        starts_item && blank_above
    };
    // Up from the edit's first line.
    let mut from = line_start(edit.start_byte.min(text.len()));
    while from > 0 && !is_boundary(from) {
        from = line_start(from - 1);
    }
    // Down from the line after the edit's last line.
    let end = edit.old_end_byte.max(edit.start_byte).min(text.len());
    let mut to = match text[end..].find('\n') {
        Some(i) => end + i + 1,
        None => text.len(),
    };
    if edit.old_end_byte > edit.start_byte && to > edit.old_end_byte && text.as_bytes()[edit.old_end_byte - 1] == b'\n' {
        to = edit.old_end_byte;
    }
    while to < text.len() && !is_boundary(to) {
        to = match text[to..].find('\n') {
            Some(i) => to + i + 1,
            None => text.len(),
        };
    }
    (to - from < text.len() / 2).then_some(from..to)
}

/// A region's name with its enclosing regions' (`module.Cart.total`), to pair regions
/// before and after an edit.
fn qualified(c: &Classification, i: usize) -> String {
    let mut names = Vec::new();
    let mut at = Some(i);
    while let Some(j) = at {
        let r = &c.regions[j].region;
        names.push(format!("{}:{}", r.kind.name(), r.name));
        at = r.parent;
    }
    names.reverse();
    names.join("/")
}

type SideOf<'a> = (&'a RegionLane, &'a Classification, &'a str);

fn touched(before: Option<SideOf>, after: Option<SideOf>, policy: &Policy, default: Lane) -> Touched {
    let side = |(r, c, text): SideOf| own_side(r, c, text, default);
    let b = before.map(side);
    let a = after.map(side);
    let (region, c, text) = after.or(before).expect("one side exists");
    let added = match (&b, &a) {
        (Some(b), Some(a)) => a
            .evidence
            .iter()
            .filter(|e| e.lane > b.lane && !b.evidence.iter().any(|o| o.rule == e.rule && o.text == e.text))
            .cloned()
            .collect(),
        // A new region: the signals in it (its path or annotation is no news).
        (None, Some(a)) => a
            .evidence
            .iter()
            .filter(|e| e.lane == Lane::Three && !matches!(e.rule.as_str(), "path" | "inline" | "nested" | "test.path"))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let (decision, decided_by) = b
        .iter()
        .chain(&a)
        .map(|s| policy.decide(s.lane, &s.categories))
        .max_by_key(|(d, _)| *d)
        .expect("one side exists");
    let open_gates = match after {
        // The tests gate needs the project's test code, which the guard does not read.
        Some((r, ..)) => explain::tracked_gates(r).into_iter().filter(|(n, met)| !met && *n != "tests").map(|(n, _)| n).collect(),
        None => Vec::new(),
    };
    Touched {
        name: region.region.name.to_string(),
        kind: region.region.kind.name(),
        line: line_of(&c.line_index, text, region.region.decl_range.start),
        before: b,
        after: a,
        added,
        decision,
        decided_by,
        open_gates,
    }
}

/// A region's lane from its own evidence: a container is not Lane 3 for the guard because
/// some other function inside it is.
fn own_side(r: &RegionLane, c: &Classification, text: &str, default: Lane) -> Side {
    let own: Vec<&Evidence> = r.evidence.iter().filter(|e| !e.overridden && &*e.rule != "contains").collect();
    let lane = own.iter().map(|e| e.lane).max().unwrap_or(default);
    let mut categories: Vec<Category> = own.iter().filter(|e| e.lane == lane).filter_map(|e| e.category).collect();
    categories.sort();
    categories.dedup();
    let mut evidence: Vec<Note> = Vec::new();
    for (e, _) in explain::group_by_rule(own.iter().copied(), |e| &*e.rule) {
        evidence.push(Note {
            rule: e.rule.to_string(),
            lane: e.lane,
            text: explain::evidence_text(e),
            line: line_of(&c.line_index, text, e.range.start),
        });
    }
    evidence.sort_by_key(|e| std::cmp::Reverse(e.lane));
    Side { lane, categories, evidence }
}

/// The innermost regions overlapping `range` (or containing it, when it is empty): a
/// region counts when the change reaches its text outside its nested regions.
fn innermost_overlapping(c: &Classification, range: &Range<usize>, text: &str) -> Vec<usize> {
    if range.is_empty() {
        let r = c.region_at(range.start);
        return vec![c.regions.iter().position(|x| std::ptr::eq(x, r)).expect("region of c")];
    }
    let overlaps = |i: usize| {
        let r = &c.regions[i].region.range;
        i == 0 || (r.start < range.end && range.start < r.end)
    };
    let hit: Vec<usize> = (0..c.regions.len()).filter(|&i| overlaps(i)).collect();
    hit.iter()
        .copied()
        .filter(|&i| {
            let own = &c.regions[i].region.range;
            let children: Vec<&Range<usize>> =
                hit.iter().filter(|&&j| c.regions[j].region.parent == Some(i)).map(|&j| &c.regions[j].region.range).collect();
            !covered(text, range.start.max(own.start)..range.end.min(own.end), &children)
        })
        .collect()
}

/// True when every non-blank byte of `range` lies inside one of `parts`.
fn covered(text: &str, range: Range<usize>, parts: &[&Range<usize>]) -> bool {
    let bytes = text.as_bytes();
    let mut at = range.start;
    loop {
        while at < range.end && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at >= range.end {
            return true;
        }
        match parts.iter().find(|p| p.start <= at && at < p.end) {
            Some(p) => at = p.end,
            None => return false,
        }
    }
}

/// Changed byte ranges as (range before, range after), from a line diff.
pub fn changed_ranges(before: &str, after: &str) -> Vec<(Range<usize>, Range<usize>)> {
    // Common prefix and suffix first: most edits change a few lines of a large file.
    let prefix_lines = common_prefix_lines(before, after);
    let suffix_lines = common_suffix_lines(&before[prefix_lines..], &after[prefix_lines..]);
    let old = &before[prefix_lines..before.len() - suffix_lines];
    let new = &after[prefix_lines..after.len() - suffix_lines];
    if old.is_empty() && new.is_empty() {
        return Vec::new();
    }
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_millis(20))
        .diff_lines(old, new);
    let offsets = |slices: &mut dyn Iterator<Item = &str>| {
        let mut v = vec![prefix_lines];
        let mut at = prefix_lines;
        for s in slices {
            at += s.len();
            v.push(at);
        }
        v
    };
    let old_at = offsets(&mut diff.iter_old_slices());
    let new_at = offsets(&mut diff.iter_new_slices());
    let mut out: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    for op in diff.ops() {
        if let similar::DiffOp::Equal { .. } = op {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        out.push((old_at[o.start]..old_at[o.end], new_at[n.start]..new_at[n.end]));
    }
    out
}

/// Bytes of the whole lines the texts share at their start.
fn common_prefix_lines(a: &str, b: &str) -> usize {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    a[..same].rfind('\n').map_or(0, |i| i + 1)
}

/// Bytes of the whole lines the texts share at their end.
fn common_suffix_lines(a: &str, b: &str) -> usize {
    let same = a.bytes().rev().zip(b.bytes().rev()).take_while(|(x, y)| x == y).count();
    let line_start = |t: &str, at: usize| at == 0 || t.as_bytes()[at - 1] == b'\n';
    if line_start(a, a.len() - same) && line_start(b, b.len() - same) {
        return same;
    }
    a[a.len() - same..].find('\n').map_or(0, |i| same - i - 1)
}

/// The tree edit that turns `before` into `after` (one span between their common prefix and
/// suffix).
fn input_edit(before: &str, after: &str) -> tree_sitter::InputEdit {
    let mut start = before.bytes().zip(after.bytes()).take_while(|(x, y)| x == y).count();
    while !before.is_char_boundary(start) || !after.is_char_boundary(start) {
        start -= 1;
    }
    let max_suffix = before.len().min(after.len()) - start;
    let mut suffix = before.bytes().rev().zip(after.bytes().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    while !before.is_char_boundary(before.len() - suffix) || !after.is_char_boundary(after.len() - suffix) {
        suffix -= 1;
    }
    let point = |text: &str, offset: usize| {
        let row = text[..offset].bytes().filter(|&b| b == b'\n').count();
        let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
        tree_sitter::Point { row, column }
    };
    tree_sitter::InputEdit {
        start_byte: start,
        old_end_byte: before.len() - suffix,
        new_end_byte: after.len() - suffix,
        start_position: point(before, start),
        old_end_position: point(before, before.len() - suffix),
        new_end_position: point(after, after.len() - suffix),
    }
}

/// The text the agent (and, for `ask`, the person) reads.
fn reason(
    path: &str,
    decision: Decision,
    touched: &[Touched],
    p: &Proposal,
    profile: &str,
    exception_reason: Option<&str>,
) -> String {
    let mut out = String::new();
    let protected = touched.iter().find(|t| t.kind == "file" && t.before.is_none() && t.after.is_none());
    let strictest = touched.iter().filter(|t| t.before.is_some() || t.after.is_some()).map(Touched::lane).max();
    let headline = match (decision, strictest) {
        _ if protected.is_some() => format!(
            "lanes: {decision}: {path} is {}: an agent does not change the rules it is judged by, nor their record.",
            protected.map_or("", |t| t.name.as_str())
        ),
        (_, None) if touched.is_empty() && Language::from_path(p.path).is_none() => {
            format!("lanes: allow: {path} is not a file lanes classifies (.py, .rs) and no path rule covers it.")
        }
        (_, None) => format!("lanes: allow: the edit of {path} changes nothing lanes classifies."),
        (Decision::Allow, Some(lane)) => format!("lanes: allow: the edit of {path} is {lane} work ({}).", lane.title()),
        (d, Some(lane)) => format!("lanes: {d}: the edit of {path} touches {lane} code ({}).", lane.title()),
    };
    let _ = writeln!(out, "{headline}");
    for t in touched {
        let lanes = match (&t.before, &t.after) {
            (Some(b), Some(a)) if b.lane != a.lane => format!("{} before, {} after the edit", b.lane, a.lane),
            (Some(b), None) => format!("{}, removed by the edit", b.lane),
            (None, Some(a)) if p.before.is_some() => format!("{}, new", a.lane),
            (_, Some(a)) => a.lane.to_string(),
            (None, None) => String::new(),
        };
        let lanes = if lanes.is_empty() { String::new() } else { format!(" · {lanes}") };
        let _ = writeln!(out, "- {} `{}` (line {}){lanes} · {}: {}", t.kind, t.name, t.line, t.decided_by, t.decision);
        for e in &t.added {
            let _ = writeln!(out, "  - the edit adds: {} (line {}, {})", e.text, e.line, e.lane);
        }
        let side = t.after.as_ref().or(t.before.as_ref());
        if let Some(s) = side {
            for e in s.evidence.iter().filter(|e| e.lane == s.lane && !t.added.contains(e)).take(3) {
                let _ = writeln!(out, "  - {} (line {})", e.text, e.line);
            }
        }
        if !t.open_gates.is_empty() && t.lane() >= Lane::Two {
            let _ = writeln!(out, "  - open gates: {}", t.open_gates.join(", "));
        }
    }
    if p.whole_file {
        let _ = writeln!(out, "The old text was not found in the file as given, so the whole file was judged.");
    }
    match decision {
        Decision::Allow => {}
        Decision::Ask | Decision::Deny => {
            if let Some(r) = exception_reason {
                let _ = writeln!(out, "Path exception: {r}.");
            }
            let _ = writeln!(out, "Policy: profile `{profile}` of the `[guard]` policy.");
            if protected.is_some() {
                let _ = writeln!(
                    out,
                    "Instead: leave the lanes configuration and audit log to a person; say which change you need and why."
                );
            } else {
                let lane = strictest.unwrap_or(Lane::Three);
                let _ = writeln!(out, "{lane} permits {}.", lane.permits());
                let _ = writeln!(
                    out,
                    "Instead: write or extend tests for this code (test code is Lane 1), draft the acceptance checklist for a person (behavioural tests, contracts, observability, review by the owner of the risk{}), or ask a person to make or approve this change.",
                    if touched.iter().any(|t| t.after.iter().chain(&t.before).any(|s| s.categories.contains(&Category::Irreversible))) {
                        ", the rollback path"
                    } else {
                        ""
                    }
                );
            }
            if decision == Decision::Deny {
                let _ = writeln!(out, "This edit is denied for agents; a person may override it with `LANES_GUARD_OVERRIDE=\"<why>\"` (recorded in the audit log).");
            }
        }
    }
    out
}
