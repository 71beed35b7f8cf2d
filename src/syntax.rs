//! Parsing and regions: turn text into a tree-sitter tree, and the tree into the regions
//! (`module`, `impl`, `class`, `function`, `method`, …) found by `regions.scm`. Never
//! fails: a tree with syntax errors still yields the regions around them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Parser, QueryCursor, Tree};

use crate::language::Language;
use crate::ruleset::{CaptureRole, LanguageRules, RegionKind};

thread_local! {
    static PARSERS: RefCell<Vec<(Language, Parser)>> = const { RefCell::new(Vec::new()) };
}

/// Parse `text`, reusing `old` (already edited) for an incremental parse. Uses a parser
/// cached per thread and language.
pub fn parse(language: Language, text: &str, old: Option<&Tree>) -> Tree {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let index = match parsers.iter().position(|(l, _)| *l == language) {
            Some(i) => i,
            None => {
                let mut parser = Parser::new();
                parser.set_language(&language.grammar()).expect("grammar ABI is compatible");
                parsers.push((language, parser));
                parsers.len() - 1
            }
        };
        parsers[index].1.parse(text, old).expect("parse without timeout or cancellation returns a tree")
    })
}

/// A function, method, class, impl, trait or module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub kind: RegionKind,
    /// Shared, because regions are copied from cached chunks at every edit.
    pub name: std::sync::Arc<str>,
    /// Everything that belongs to the region: decorators, attributes and doc comments
    /// included.
    pub range: Range<usize>,
    /// The definition itself, from its keyword (or visibility) to its end.
    pub decl_range: Range<usize>,
    pub name_range: Range<usize>,
    /// Index of the enclosing region; `None` only for the file's module region.
    pub parent: Option<usize>,
}

/// What the walks over a file's chunks found: regions (keyed by node id while collecting)
/// and import statements.
#[derive(Default)]
pub struct Found {
    pub regions: HashMap<usize, Region>,
    pub imports: Vec<Range<usize>>,
}

/// Walk a group of sibling nodes (leading attributes and comments, then an item) and
/// everything below them that can hold regions, running the region query at every node a
/// region pattern starts with. `skip` is a node (a container's body) not to descend into.
/// Also notes, per region, where its decorators, attributes and leading comments begin.
pub fn outline_group(
    group: &[Node],
    skip: Option<usize>,
    text: &str,
    rules: &LanguageRules,
    cursor: &mut QueryCursor,
    found: &mut Found,
) {
    let kinds = &rules.kinds;
    let query = &rules.regions;
    cursor.set_max_start_depth(Some(0));
    let mut extended: HashMap<usize, Range<usize>> = HashMap::new();
    // The start byte and last row of a run of attributes/comments just passed, per depth.
    let mut top_run: Option<(usize, usize)> = None;
    for &top in group {
        let mut walk = top.walk();
        let mut ancestors: Vec<Node> = Vec::new();
        let mut runs: Vec<Option<(usize, usize)>> = vec![top_run];
        'outer: loop {
            let node = walk.node();
            let depth = runs.len() - 1;
            let mut descend = false;
            if kinds.leading.contains(node) {
                let start = match runs[depth] {
                    Some((s, end_row)) if end_row + 1 >= node.start_position().row => s,
                    _ => node.start_byte(),
                };
                runs[depth] = Some((start, node.end_position().row));
            } else if node.is_named() {
                let start = match runs[depth] {
                    Some((s, end_row)) if end_row + 1 >= node.start_position().row => s,
                    _ => node.start_byte(),
                };
                runs[depth] = None;
                let is_root = rules.region_roots.contains(node);
                if is_root {
                    let range = match ancestors.last() {
                        Some(parent) if kinds.wrappers.contains(*parent) => {
                            extended.get(&parent.id()).cloned().unwrap_or_else(|| parent.byte_range())
                        }
                        _ => start..node.end_byte(),
                    };
                    extended.insert(node.id(), range);
                    let mut matches = cursor.matches(&query.query, node, text.as_bytes());
                    while let Some(m) = matches.next() {
                        collect_region(m.captures(), query, text, &mut found.regions);
                    }
                } else if kinds.wrappers.contains(node) {
                    extended.insert(node.id(), start..node.end_byte());
                }
                // `mod x;` declares a file (an import); `mod x { … }` is a region.
                if kinds.imports.contains(node) && !found.regions.contains_key(&node.id()) {
                    found.imports.push(node.byte_range());
                }
                // Inside an ERROR node the parser kept whatever it could: look there too.
                descend = (is_root || node.is_error() || kinds.region_scopes.contains(node) || kinds.wrappers.contains(node))
                    && skip != Some(node.id());
            }
            if descend && walk.goto_first_child() {
                ancestors.push(node);
                runs.push(None);
                continue;
            }
            loop {
                if runs.len() == 1 {
                    // Back at `top`: its siblings are the caller's business.
                    break 'outer;
                }
                if walk.goto_next_sibling() {
                    break;
                }
                walk.goto_parent();
                ancestors.pop();
                runs.pop();
            }
        }
        top_run = runs[0];
    }
    for (id, region) in found.regions.iter_mut() {
        if let Some(range) = extended.get(id) {
            region.range = range.clone();
        }
    }
}

/// Order regions outermost first behind the file's module region, link each to its parent,
/// and call a function directly inside a class, `impl` or trait a method.
pub fn assemble(found: impl IntoIterator<Item = Region>, text_len: usize, module_name: &str) -> Vec<Region> {
    let mut regions = vec![Region {
        kind: RegionKind::Module,
        name: module_name.into(),
        range: 0..text_len,
        decl_range: 0..text_len,
        name_range: 0..0,
        parent: None,
    }];
    let mut rest: Vec<Region> = found.into_iter().collect();
    rest.sort_by(|a, b| (a.range.start, b.range.end, a.decl_range.start).cmp(&(b.range.start, a.range.end, b.decl_range.start)));
    regions.extend(rest);
    let mut stack: Vec<usize> = vec![0];
    for i in 1..regions.len() {
        while let Some(&top) = stack.last() {
            let (outer, inner) = (&regions[top].range, &regions[i].range);
            if top == 0 || (outer.start <= inner.start && inner.end <= outer.end) {
                break;
            }
            stack.pop();
        }
        let parent = stack.last().copied();
        regions[i].parent = parent;
        if regions[i].kind == RegionKind::Function
            && parent.is_some_and(|p| matches!(regions[p].kind, RegionKind::Class | RegionKind::Impl | RegionKind::Trait))
        {
            regions[i].kind = RegionKind::Method;
        }
        stack.push(i);
    }
    regions
}

pub(crate) fn collect_region(
    captures: &[tree_sitter::QueryCapture],
    query: &crate::ruleset::CompiledQuery,
    text: &str,
    found: &mut HashMap<usize, Region>,
) {
    let mut region: Option<(RegionKind, Node)> = None;
    let mut name: Option<Node> = None;
    let mut qualifier: Option<Node> = None;
    for c in captures {
        match query.roles[c.index as usize] {
            CaptureRole::Region(kind) => region = Some((kind, c.node)),
            CaptureRole::Name => name = Some(c.node),
            CaptureRole::NameQualifier => qualifier = Some(c.node),
            _ => {}
        }
    }
    let Some((kind, node)) = region else { return };
    let name_node = name.unwrap_or(node);
    let mut name_text = collapse_whitespace(&text[name_node.byte_range()]);
    if let Some(q) = qualifier {
        name_text = format!("{} for {}", collapse_whitespace(&text[q.byte_range()]), name_text);
    }
    let region = Region {
        kind,
        name: name_text.into(),
        range: node.byte_range(),
        decl_range: node.byte_range(),
        name_range: name_node.byte_range(),
        parent: None,
    };
    // The same node can match a general and a specific pattern (a `def` in a class is both
    // a function and a method): keep the more specific kind.
    match found.get_mut(&node.id()) {
        Some(existing) if existing.kind < kind => *existing = region,
        Some(_) => {}
        None => {
            found.insert(node.id(), region);
        }
    }
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The module name of a file: its stem, or its directory's name for `__init__.py`/`mod.rs`.
pub fn module_name(path: &std::path::Path, language: Language) -> String {
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if language.spec().package_files.contains(&file) {
        // `pkg/__init__.py` → `pkg`; `crate/src/lib.rs` → `crate`.
        let mut dir = path.parent();
        if dir.and_then(|d| d.file_name()).is_some_and(|n| n == "src") {
            dir = dir.and_then(|d| d.parent());
        }
        if let Some(name) = dir.and_then(|d| d.file_name()).and_then(|n| n.to_str()) {
            return name.to_string();
        }
    }
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string()
}
