//! The heart of lanes: `classify` gives every region of a file a lane and the evidence for
//! it. Pure and deterministic: text and tree in, `Classification` out.
//!
//! Precedence, strongest first: inline annotation > path rule > test/generated code >
//! signals > the default lane. A container (module, class, impl, trait, or a function with
//! nested functions) takes the highest lane of what it contains.

use std::ops::Range;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use crate::annotations::{self, Annotation, Problem};
use crate::chunks::{self, ChunkCache, Hit};
use crate::gates::{self, Gates};
use crate::lane::{Category, Lane};
use crate::language::Language;
use crate::line_index::LineIndex;
use crate::ruleset::{RegionKind, Ruleset};
use crate::syntax::{self, Region};

/// A file to classify.
pub struct SourceFile<'a> {
    /// The path shown to users.
    pub path: &'a Path,
    /// The path matched against the configuration's globs (relative to its directory).
    pub rule_path: &'a Path,
    pub language: Language,
    pub text: &'a str,
}

/// One reason for a lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// Stable rule id (`billing.payment-api`), or `path`, `inline`, `test.path`,
    /// `default`, `contains`.
    pub rule: Arc<str>,
    /// `None` for an inline annotation or path rule that names no category.
    pub category: Option<Category>,
    pub lane: Lane,
    pub message: Arc<str>,
    /// The evidence in the code (`stripe.Refund.create`), or a pattern's stated reason.
    pub detail: Option<String>,
    pub range: Range<usize>,
    /// True when a stronger rule (inline, path, test code) decided the lane instead.
    pub overridden: bool,
}

/// A region with its lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionLane {
    pub region: Region,
    pub lane: Lane,
    /// Categories of the evidence that decided the lane, strictest first.
    pub categories: Vec<Category>,
    pub evidence: Vec<Evidence>,
    pub gates: Gates,
}

/// The result for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub path: PathBuf,
    pub language: Language,
    /// Line starts of the classified text.
    pub line_index: LineIndex,
    /// Regions outermost first; index 0 is the module region of the whole file.
    pub regions: Vec<RegionLane>,
    /// Malformed annotations.
    pub problems: Vec<Problem>,
    /// True when the tree has syntax errors (regions are still found around them).
    pub has_syntax_errors: bool,
    /// What this file's test code refers to (see `gates::references`).
    pub test_refs: HashSet<String>,
    /// The lane of code that nothing marks (the configuration's `default-lane`).
    pub default_lane: Lane,
}

impl Classification {
    pub fn lane(&self) -> Lane {
        self.regions[0].lane
    }

    /// The innermost region containing `offset` (the module region if no other does).
    pub fn region_at(&self, offset: usize) -> &RegionLane {
        let i = innermost(self.regions.len(), offset, |i| (&self.regions[i].region.range, self.regions[i].region.parent));
        &self.regions[i]
    }
}

/// Parse and classify a file.
pub fn classify(file: &SourceFile, rules: &Ruleset) -> Classification {
    let tree = syntax::parse(file.language, file.text, None);
    classify_tree(file, &tree, rules)
}

/// Classify a file whose tree is already parsed.
pub fn classify_tree(file: &SourceFile, tree: &Tree, rules: &Ruleset) -> Classification {
    classify_incremental(file, tree, rules, &mut ChunkCache::disabled(), None)
}

/// Classify a file, reusing the chunks in `cache` that the text still contains (the
/// language server keeps one cache per document), and a line index if the caller has one.
pub fn classify_incremental(
    file: &SourceFile,
    tree: &Tree,
    rules: &Ruleset,
    cache: &mut ChunkCache,
    line_index: Option<LineIndex>,
) -> Classification {
    let lang = rules.language(file.language);
    let module = syntax::module_name(file.path, file.language);
    let chunks::Analysis { regions, imports, hits, .. } = chunks::analyze(file.text, tree, rules, lang, cache);
    let regions = syntax::assemble(regions, file.text.len(), &module);
    let (annotations, mut problems) = annotations::find(file.text, tree, &lang.kinds.comments);
    if let Some(at) = first_error(tree.root_node()) {
        problems.push(Problem {
            range: at..at,
            message: "syntax error: regions around it may be missing or cut short".into(),
        });
        problems.sort_by_key(|p| p.range.start);
    }

    // Logs, traces and metrics are evidence for a gate, not signals.
    let (mut observed, mut hits): (Vec<Hit>, Vec<Hit>) = hits.into_iter().partition(|h| h.kind == chunks::OBSERVABILITY);
    observed.sort_by_key(|h| h.range.start);
    // Imports say what a file may use, not what it does.
    hits.retain(|h| {
        let i = imports.partition_point(|r| r.end <= h.range.start);
        imports.get(i).is_none_or(|r| r.start > h.range.start)
    });
    hits.retain(|h| !rules.config.is_disabled(&rules.kind(h.kind).rule));
    hits.sort_by_key(|h| (h.range.start, h.kind, h.range.end));
    hits.dedup_by(|a, b| a.kind == b.kind && a.range == b.range);

    let line_index = line_index.unwrap_or_else(|| LineIndex::new(file.text));
    let attached = attach(file, &regions, &annotations, &line_index);
    let mut decided = decide(file, &regions, &hits, &annotations, &attached, rules, &line_index);

    // Acceptance gates: what this file's test code refers to, logs and traces per region,
    // and the review and rollback records.
    let mut test_refs = HashSet::new();
    for r in &decided {
        let is_test = r.categories.contains(&Category::Test);
        let parent_is_test = r.region.parent.is_some_and(|p| decided[p].categories.contains(&Category::Test));
        if is_test && !parent_is_test {
            gates::references(&file.text[r.region.range.clone()], file.language, &mut test_refs);
        }
    }
    for i in 0..decided.len() {
        let range = decided[i].region.range.clone();
        let first = observed.partition_point(|h| h.range.start < range.start);
        let subject = gates::Subject {
            region: &decided[i].region,
            parent: decided[i].region.parent.map(|p| &decided[p].region),
            lane: decided[i].lane,
            categories: &decided[i].categories,
            annotation: attached[i].as_ref(),
            observed: observed.get(first).is_some_and(|h| h.range.start < range.end),
        };
        let assessed = gates::assess(&subject, file.text, file.language, &test_refs);
        decided[i].gates = assessed;
    }
    Classification {
        path: file.path.to_path_buf(),
        language: file.language,
        line_index,
        regions: decided,
        problems,
        has_syntax_errors: tree.root_node().has_error(),
        test_refs,
        default_lane: rules.config.default_lane,
    }
}

/// Byte offset of the first syntax error (an ERROR or missing node), if any.
fn first_error(root: Node) -> Option<usize> {
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    'down: loop {
        let mut walk = node.walk();
        for child in node.children(&mut walk) {
            if child.is_error() || child.is_missing() {
                return Some(child.start_byte());
            }
            if child.has_error() {
                node = child;
                continue 'down;
            }
        }
        return Some(node.start_byte());
    }
}

/// How strong the decisive rule of a region is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    TestCode,
    Path,
    Inline,
}

/// The annotations that belong to each region, merged: comments among the region's leading
/// attributes and comments, in the block of comment lines directly above it, or trailing on
/// its first line.
fn attach(file: &SourceFile, regions: &[Region], annotations: &[Annotation], line_index: &LineIndex) -> Vec<Option<Annotation>> {
    regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i == 0 {
                return None;
            }
            annotations
                .iter()
                .filter(|a| belongs(file, r, a, line_index))
                .fold(None, |merged: Option<Annotation>, a| {
                    Some(match merged {
                        None => a.clone(),
                        Some(mut m) => {
                            m.lane = m.lane.or(a.lane);
                            m.category = m.category.or(a.category);
                            m.reason = m.reason.or_else(|| a.reason.clone());
                            m.ignore.extend(a.ignore.iter().cloned());
                            // The review record nearest the function (the latest) counts.
                            m.review = a.review.clone().or(m.review);
                            m.rollback = m.rollback.or_else(|| a.rollback.clone());
                            m
                        }
                    })
                })
        })
        .collect()
}

fn belongs(file: &SourceFile, r: &Region, a: &Annotation, line_index: &LineIndex) -> bool {
    let line_of = |offset: usize| line_index.line(offset);
    if a.trailing {
        return line_of(a.range.start) == line_of(r.decl_range.start);
    }
    if a.range.start >= r.range.start && a.range.start < r.decl_range.start {
        return true;
    }
    // A block of comment lines ending on the line just above the region.
    let (line, first) = (line_of(a.range.start), line_of(r.range.start));
    if line >= first {
        return false;
    }
    let marker = file.language.spec().line_comment;
    (line + 1..first).all(|l| {
        line_index.line_range(file.text, l).is_some_and(|range| file.text[range].trim_start().starts_with(marker))
    })
}

fn attached_to_region(file: &SourceFile, regions: &[Region], a: &Annotation, line_index: &LineIndex) -> bool {
    regions.iter().skip(1).any(|r| belongs(file, r, a, line_index))
}

fn decide(
    file: &SourceFile,
    regions: &[Region],
    hits: &[Hit],
    annotations: &[Annotation],
    attached: &[Option<Annotation>],
    rules: &Ruleset,
    line_index: &LineIndex,
) -> Vec<RegionLane> {
    let config = &rules.config;
    let line_of = |offset: usize| line_index.line(offset);

    let region_annotation: Vec<Option<&Annotation>> = attached.iter().map(Option::as_ref).collect();
    // Line-level ignores: a trailing comment ignores rules on its own line; a comment on its
    // own line, not attached to a region, ignores them on the next line.
    let line_ignores: Vec<(usize, &Annotation)> = annotations
        .iter()
        .filter(|a| !a.ignore.is_empty())
        .filter(|a| !attached_to_region(file, regions, a, line_index))
        .map(|a| (line_of(a.range.start) + usize::from(!a.trailing), a))
        .collect();

    // Assign each hit to its innermost region.
    let mut own: Vec<Vec<&Hit>> = vec![Vec::new(); regions.len()];
    for hit in hits {
        let index = innermost(regions.len(), hit.range.start, |i| (&regions[i].range, regions[i].parent));
        own[index].push(hit);
    }

    let path_rule = config.path_rule(file.rule_path);
    let test_path = config.test_path(file.rule_path);

    let mut out: Vec<RegionLane> = Vec::with_capacity(regions.len());
    let mut own_lanes: Vec<Option<Lane>> = Vec::with_capacity(regions.len());
    // Decisions that descend to nested regions: (strength, lane, evidence).
    let mut inherited: Vec<Option<(Strength, Evidence)>> = vec![None; regions.len()];
    for (i, region) in regions.iter().enumerate() {
        let name_start = if i == 0 { 0 } else { region.name_range.start };
        let ignored: Vec<&str> = ancestry(regions, i)
            .filter_map(|j| region_annotation[j])
            .flat_map(|a| a.ignore.iter().map(String::as_str))
            .collect();
        let mut evidence: Vec<Evidence> = own[i]
            .iter()
            .map(|h| {
                let k = rules.kind(h.kind);
                let line = line_of(h.range.start);
                let ignored = ignored.contains(&&*k.rule)
                    || line_ignores.iter().any(|(l, a)| *l == line && a.ignore.iter().any(|r| **r == *k.rule));
                Evidence {
                    rule: k.rule.clone(),
                    category: Some(k.category),
                    lane: k.lane,
                    message: k.message.clone(),
                    detail: match (&h.detail, ignored) {
                        (Some(d), true) => Some(format!("{d} (ignored by a `lanes: ignore` annotation)")),
                        (None, true) => Some("(ignored by a `lanes: ignore` annotation)".into()),
                        (d, false) => d.clone(),
                    },
                    range: h.range.clone(),
                    overridden: ignored,
                }
            })
            .collect();
        let ignored_count = evidence.iter().filter(|e| e.overridden).count();

        // The strongest decisive rule for this region.
        let mut decisive: Option<(Strength, Evidence)> = region.parent.and_then(|p| inherited[p].clone());
        let mut consider = |strength: Strength, e: Evidence| {
            if decisive.as_ref().is_none_or(|(s, _)| strength > *s) {
                decisive = Some((strength, e));
            }
        };
        if let Some(a) = region_annotation[i].filter(|a| a.lane.is_some()) {
            let lane = a.lane.expect("filtered");
            consider(
                Strength::Inline,
                Evidence {
                    rule: "inline".into(),
                    category: a.category,
                    lane,
                    message: a.reason.as_deref().unwrap_or("set by an inline `lanes:` annotation").into(),
                    detail: None,
                    range: a.range.clone(),
                    overridden: false,
                },
            );
        }
        if i == 0 {
            if let Some(rule) = path_rule {
                consider(
                    Strength::Path,
                    Evidence {
                        rule: "path".into(),
                        category: rule.category,
                        lane: rule.lane,
                        message: rule.reason.clone().unwrap_or_else(|| format!("path matches `{}`", rule.glob)).into(),
                        detail: Some(format!("path rule `{}`", rule.glob)),
                        range: 0..0,
                        overridden: false,
                    },
                );
            }
            if let Some(glob) = test_path {
                consider(
                    Strength::TestCode,
                    Evidence {
                        rule: "test.path".into(),
                        category: Some(Category::Test),
                        lane: Lane::One,
                        message: "is in a test file".into(),
                        detail: Some(format!("path matches `{glob}`")),
                        range: 0..0,
                        overridden: false,
                    },
                );
            }
        }
        if let Some(marker) = evidence.iter().find(|e| !e.overridden && matches!(e.category, Some(Category::Test | Category::Generated))) {
            consider(Strength::TestCode, marker.clone());
        }
        inherited[i] = decisive.clone();

        let _ = ignored_count;
        let mut own_lane = match &decisive {
            Some((_, e)) => Some(e.lane),
            None => evidence.iter().filter(|e| !e.overridden).map(|e| e.lane).max(),
        };
        // A function nested in a function is part of its body: it is at least as risky as
        // the code around it.
        if let Some(p) = region.parent.filter(|&p| matches!(regions[p].kind, RegionKind::Function | RegionKind::Method)) {
            if let Some(outer) = own_lanes[p].filter(|&l| own_lane.is_none_or(|own| l > own) && l > config.default_lane) {
                let category = out[p].evidence.iter().find(|e| !e.overridden && e.lane == outer).and_then(|e| e.category);
                evidence.push(Evidence {
                    rule: "nested".into(),
                    category,
                    lane: outer,
                    message: format!("is nested in {} `{}`", regions[p].kind.name(), regions[p].name).into(),
                    detail: None,
                    range: name_start..name_start,
                    overridden: decisive.is_some(),
                });
                if decisive.is_none() {
                    own_lane = Some(outer);
                }
            }
        }
        if let Some((_, e)) = &decisive {
            for other in evidence.iter_mut() {
                other.overridden |= other.rule != e.rule;
            }
            if !evidence.contains(e) {
                let mut e = e.clone();
                if e.range == (0..0) {
                    e.range = name_start..name_start;
                }
                evidence.insert(0, e);
            }
        }
        own_lanes.push(own_lane);
        out.push(RegionLane {
            region: region.clone(),
            lane: own_lane.unwrap_or(config.default_lane),
            categories: Vec::new(),
            evidence,
            gates: Gates::not_applicable(),
        });
    }

    // Containers take the highest lane of what they contain. Children come after their
    // parents, so walking backwards sees every child's final lane first.
    let mut children_of: Vec<Vec<usize>> = vec![Vec::new(); out.len()];
    for (c, r) in out.iter().enumerate() {
        if let Some(p) = r.region.parent {
            children_of[p].push(c);
        }
    }
    for i in (0..out.len()).rev() {
        let children = &children_of[i];
        let children_max = children.iter().map(|&c| out[c].lane).max();
        let is_container = !matches!(out[i].region.kind, RegionKind::Function | RegionKind::Method);
        let lane = match (own_lanes[i], children_max) {
            (Some(own), Some(child)) => own.max(child),
            (Some(own), None) => own,
            (None, Some(child)) if is_container => child,
            (None, Some(child)) => child.max(config.default_lane),
            (None, None) => config.default_lane,
        };
        if own_lanes[i].is_none_or(|own| own < lane) {
            // A container at the default lane says so; one raised or lowered by what it
            // contains names (up to five of) those regions.
            let from_children = children_max == Some(lane) && lane != config.default_lane;
            if from_children {
                let at_lane: Vec<usize> = children.iter().copied().filter(|&c| out[c].lane == lane).collect();
                if at_lane.len() > 5 {
                    let sixth = &out[at_lane[5]];
                    let e = Evidence {
                        rule: "contains".into(),
                        category: sixth.categories.first().copied(),
                        lane,
                        message: format!("and {} more regions at {lane}", at_lane.len() - 5).into(),
                        detail: None,
                        range: sixth.region.name_range.clone(),
                        overridden: false,
                    };
                    out[i].evidence.push(e);
                }
                for &c in at_lane.iter().take(5) {
                    {
                        let child = &out[c];
                        let e = Evidence {
                            rule: "contains".into(),
                            category: child.categories.first().copied(),
                            lane,
                            message: format!("contains {} `{}`", child.region.kind.name(), child.region.name).into(),
                            detail: None,
                            range: child.region.name_range.clone(),
                            overridden: false,
                        };
                        out[i].evidence.push(e);
                    }
                }
            } else {
                let start = if i == 0 { 0 } else { out[i].region.name_range.start };
                out[i].evidence.push(Evidence {
                    rule: "default".into(),
                    category: Some(Category::Core),
                    lane,
                    message: "nothing marks it as riskier or safer; the project's default lane applies".into(),
                    detail: None,
                    range: start..start,
                    overridden: false,
                });
            }
        }
        out[i].lane = lane;
        out[i].evidence.sort_by_key(|e| (e.overridden, std::cmp::Reverse(e.lane), e.range.start));
        out[i].categories = categories(&out[i]);
    }
    out
}

/// Index of the innermost region containing `offset`, for regions ordered outermost first by
/// start (index 0 is the whole file): the last region starting at or before `offset`, or the
/// nearest of its ancestors that contains it.
fn innermost<'a>(count: usize, offset: usize, region: impl Fn(usize) -> (&'a Range<usize>, Option<usize>)) -> usize {
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if region(mid).0.start <= offset {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let mut i = lo.saturating_sub(1);
    loop {
        let (range, parent) = region(i);
        if i == 0 || (range.start <= offset && offset < range.end) {
            return i;
        }
        i = parent.unwrap_or(0);
    }
}

fn ancestry(regions: &[Region], i: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::successors(Some(i), move |&j| regions[j].parent)
}

/// Categories of the non-overridden evidence at the region's lane, strictest first.
fn categories(r: &RegionLane) -> Vec<Category> {
    let mut cats: Vec<Category> =
        r.evidence.iter().filter(|e| !e.overridden && e.lane == r.lane).filter_map(|e| e.category).collect();
    cats.sort();
    cats.dedup();
    cats
}
