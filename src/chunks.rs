//! Chunks: the units of work of classification. A file is cut into top-level items, and the
//! members of large classes, `impl` blocks, traits and modules, each with its leading
//! attributes and comments. What a chunk yields (regions, imports, signal hits) depends only
//! on its own text and subtree, so a `ChunkCache` lets the language server reuse every chunk
//! an edit did not touch. The command line classifies with an empty cache: one code path.

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::ops::Range;
use std::sync::Arc;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor, Tree};

use crate::queries::Placement;
use crate::ruleset::{CaptureRole, CompiledQuery, KindId, LanguageRules, RegionKind, Ruleset};
use crate::syntax::{self, Found, Region};
use crate::words;

/// The `kind` of hits that are observability evidence (a log, trace or metric), not signals.
pub const OBSERVABILITY: KindId = KindId::MAX;

/// A raw signal hit, before it is assigned to a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub kind: KindId,
    pub range: Range<usize>,
    pub detail: Option<String>,
}

/// What one chunk yields, with byte ranges relative to the chunk's start.
#[derive(Debug, Default)]
pub struct ChunkResult {
    regions: Vec<Region>,
    imports: Vec<Range<usize>>,
    hits: Vec<Hit>,
}

/// Results of earlier chunks by content, for reuse across edits. Entries not used by the
/// latest classification are dropped.
#[derive(Debug, Default)]
pub struct ChunkCache {
    entries: HashMap<u64, Arc<ChunkResult>>,
    /// A one-shot classification (the command line) neither looks up nor keeps chunks.
    disabled: bool,
}

impl ChunkCache {
    /// A cache that keeps nothing: for classifying a file once.
    pub fn disabled() -> ChunkCache {
        ChunkCache { entries: HashMap::new(), disabled: true }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Everything the chunks of a file yield, in file coordinates.
pub struct Analysis {
    pub regions: Vec<Region>,
    pub imports: Vec<Range<usize>>,
    pub hits: Vec<Hit>,
    /// Chunks computed (not reused) in this run.
    pub computed: usize,
}

struct Chunk<'t> {
    range: Range<usize>,
    group: Vec<Node<'t>>,
    /// A container's body, walked by its own member chunks.
    skip: Option<usize>,
    /// The node whose children the group's nodes are.
    parent: usize,
}

/// Members of containers smaller than this stay in one chunk with their container.
const SPLIT_AT: usize = 2048;

/// Consecutive small items are merged into one chunk until it holds this many bytes, or an
/// item whose start hashes to a boundary ends it (content-defined, so an edit moves at most
/// the boundaries next to it).
const MERGE_UP_TO: usize = 8192;

/// Cut a file into chunks and analyse each, reusing cached results for unchanged ones.
pub fn analyze(text: &str, tree: &Tree, rules: &Ruleset, lang: &LanguageRules, cache: &mut ChunkCache) -> Analysis {
    let root = tree.root_node();
    let chunks = plan(root, text, lang);
    let mut cursor = QueryCursor::new();
    let mut analysis = Analysis { regions: Vec::new(), imports: Vec::new(), hits: Vec::new(), computed: 0 };
    let mut used: HashMap<u64, Arc<ChunkResult>> = HashMap::with_capacity(chunks.len());
    for chunk in &chunks {
        // A chunk with syntax errors parses differently depending on text elsewhere: never
        // reuse one.
        let reusable = !cache.disabled && !chunk.group.iter().any(|n| n.has_error());
        let key = if reusable { key(text, chunk) } else { 0 };
        let cached = if reusable { cache.entries.get(&key).or_else(|| used.get(&key)) } else { None };
        let result = match cached {
            Some(r) => r.clone(),
            None => {
                analysis.computed += 1;
                Arc::new(compute(text, root, chunk, rules, lang, &mut cursor))
            }
        };
        let shift = chunk.range.start;
        let moved = |r: &Range<usize>| r.start + shift..r.end + shift;
        analysis.regions.extend(result.regions.iter().map(|r| Region {
            range: moved(&r.range),
            decl_range: moved(&r.decl_range),
            name_range: moved(&r.name_range),
            ..r.clone()
        }));
        analysis.imports.extend(result.imports.iter().map(moved));
        analysis.hits.extend(result.hits.iter().map(|h| Hit { range: moved(&h.range), ..h.clone() }));
        if reusable {
            used.insert(key, result);
        }
    }
    if !cache.disabled {
        cache.entries = used;
    }
    analysis.imports.sort_by_key(|r| r.start);
    analysis
}

/// The cache key of a chunk: its text and the shape of its top nodes, including their full
/// extent (a container's header chunk holds the container's whole range).
fn key(text: &str, chunk: &Chunk) -> u64 {
    let mut h = WordHasher::default();
    h.write(&text.as_bytes()[chunk.range.clone()]);
    h.write_u64(chunk.skip.is_some() as u64);
    for node in &chunk.group {
        h.write_u64(((node.kind_id() as u64) << 32) | (node.start_byte() - chunk.range.start) as u64);
        h.write_u64((node.end_byte() - chunk.range.start) as u64);
    }
    h.finish()
}

/// A fast multiply-rotate hash over 8-byte words (chunk texts are long and not adversarial;
/// SipHash showed up in profiles of typing).
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let word = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        tail[..words.remainder().len()].copy_from_slice(words.remainder());
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(tail) ^ bytes.len() as u64).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The chunks of a file: groups of root children, with large containers split into a header
/// chunk and one chunk per member group. Chunk ranges partition the file.
fn plan<'t>(root: Node<'t>, text: &str, lang: &LanguageRules) -> Vec<Chunk<'t>> {
    let mut single: Vec<Chunk<'t>> = Vec::new();
    let mut cursor = QueryCursor::new();
    for group in groups(root, lang) {
        let item = *group.last().expect("groups are not empty");
        match splittable_body(item, text, lang, &mut cursor) {
            Some(body) => {
                single.push(Chunk { range: 0..0, group: group.clone(), skip: Some(body.id()), parent: root.id() });
                for member in groups(body, lang) {
                    single.push(Chunk { range: 0..0, group: member, skip: None, parent: body.id() });
                }
            }
            None => single.push(Chunk { range: 0..0, group, skip: None, parent: root.id() }),
        }
    }
    // Merge runs of small chunks with the same parent.
    let mut chunks: Vec<Chunk<'t>> = Vec::new();
    let mut open = false;
    for chunk in single {
        let size = chunk.group.last().map_or(0, |n| n.end_byte()) - chunk.group[0].start_byte();
        let mergeable = chunk.skip.is_none();
        if let Some(last) = chunks.last_mut().filter(|l| open && mergeable && l.parent == chunk.parent) {
            let current = last.group.last().map_or(0, |n| n.end_byte()) - last.group[0].start_byte();
            if current + size <= MERGE_UP_TO {
                last.group.extend(chunk.group.iter().copied());
                open = !ends_chunk(text, &chunk);
                continue;
            }
        }
        open = mergeable && !ends_chunk(text, &chunk);
        chunks.push(chunk);
    }
    let starts: Vec<usize> = chunks.iter().map(|c| c.group[0].start_byte()).collect();
    let count = chunks.len();
    for (i, chunk) in chunks.iter_mut().enumerate() {
        let start = if i == 0 { 0 } else { starts[i] };
        let end = if i + 1 == count { text.len() } else { starts[i + 1] };
        chunk.range = start..end.max(start);
    }
    if chunks.is_empty() {
        // An empty file (or one with only anonymous tokens) is one chunk at the root.
        chunks.push(Chunk { range: 0..text.len(), group: vec![root], skip: None, parent: root.id() });
    }
    chunks
}

/// True when an item's first bytes hash to a chunk boundary (one item in four).
fn ends_chunk(text: &str, chunk: &Chunk) -> bool {
    let Some(item) = chunk.group.last() else { return true };
    let start = item.start_byte();
    let mut end = (start + 48).min(item.end_byte());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut h = WordHasher::default();
    h.write(&text.as_bytes()[start..end]);
    h.finish() >> 61 == 0 || h.finish() % 4 == 0
}

/// Named children of `parent` in groups: leading attributes and comments, then the item they
/// lead (trailing ones form a group of their own).
fn groups<'t>(parent: Node<'t>, lang: &LanguageRules) -> Vec<Vec<Node<'t>>> {
    let mut out = Vec::new();
    let mut pending: Vec<Node<'t>> = Vec::new();
    let mut walk = parent.walk();
    for child in parent.named_children(&mut walk) {
        pending.push(child);
        if !lang.kinds.leading.contains(child) {
            out.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// The body of a large class, `impl`, trait or module item, if `item` is one.
fn splittable_body<'t>(item: Node<'t>, text: &str, lang: &LanguageRules, cursor: &mut QueryCursor) -> Option<Node<'t>> {
    if item.byte_range().len() < SPLIT_AT {
        return None;
    }
    // A decorated class is wrapped: look at the definition inside.
    let definition = if lang.kinds.wrappers.contains(item) {
        let mut walk = item.walk();
        let last = item.named_children(&mut walk).last()?;
        last
    } else {
        item
    };
    if !lang.region_roots.contains(definition) {
        return None;
    }
    cursor.set_max_start_depth(Some(0));
    let mut is_container = false;
    let mut matches = cursor.matches(&lang.regions.query, definition, text.as_bytes());
    while let Some(m) = matches.next() {
        for c in m.captures() {
            if c.node == definition {
                if let CaptureRole::Region(kind) = lang.regions.roles[c.index as usize] {
                    is_container |= matches!(kind, RegionKind::Class | RegionKind::Impl | RegionKind::Trait | RegionKind::Module);
                }
            }
        }
    }
    if !is_container {
        return None;
    }
    let mut walk = definition.walk();
    let body = definition.named_children(&mut walk).filter(|c| lang.kinds.statement_containers.contains(*c)).last()?;
    (body.named_child_count() >= 2).then_some(body)
}

/// Regions, imports and hits of one chunk, relative to its start.
fn compute(text: &str, root: Node, chunk: &Chunk, rules: &Ruleset, lang: &LanguageRules, cursor: &mut QueryCursor) -> ChunkResult {
    let range = chunk.range.clone();
    let mut found = Found::default();
    if chunk.group != [root] {
        syntax::outline_group(&chunk.group, chunk.skip, text, lang, cursor, &mut found);
    }
    let inside = |start: usize| range.contains(&start) || (range.is_empty() && start == range.start);
    let relative = |r: &Range<usize>| r.start - range.start..r.end - range.start;
    let regions: Vec<Region> = found
        .regions
        .values()
        .filter(|r| inside(r.decl_range.start))
        .cloned()
        .map(|r| Region {
            range: relative(&r.range),
            decl_range: relative(&r.decl_range),
            name_range: relative(&r.name_range),
            ..r
        })
        .collect();
    let imports = found.imports.iter().filter(|r| inside(r.start)).map(relative).collect();
    let mut hits = signals(text, root, range.clone(), rules, lang, cursor);
    hits.extend(name_hits(found.regions.values().filter(|r| inside(r.decl_range.start)), rules));
    let hits = hits.into_iter().filter(|h| inside(h.range.start)).map(|h| Hit { range: relative(&h.range), ..h }).collect();
    ChunkResult { regions, imports, hits }
}

/// Name-scope vocabulary: words in the names of regions.
fn name_hits<'a>(regions: impl Iterator<Item = &'a Region>, rules: &Ruleset) -> Vec<Hit> {
    let mut hits = Vec::new();
    for region in regions {
        let split = words::split(&region.name);
        // Each entry once per region, with its first phrase that occurs.
        let mut seen: Vec<usize> = Vec::new();
        for word in &split {
            for &(wi, pi) in rules.name_index.get(word.as_str()).map_or(&[][..], Vec::as_slice) {
                let w = &rules.words[wi];
                if seen.contains(&wi) || !w.phrases[pi].occurs_in(&split) || w.unless.iter().any(|u| u.occurs_in(&split)) {
                    continue;
                }
                seen.push(wi);
                hits.push(Hit {
                    kind: w.kind,
                    range: region.name_range.clone(),
                    detail: Some(format!("its name `{}` says so (word: {})", region.name, w.phrases[pi])),
                });
            }
        }
    }
    hits
}

/// Signals in `range`: the scanner finds trigger words and vocabulary candidates; signal
/// patterns then run (anchored, depth 0) on the nodes on the path to each trigger that
/// start inside the range.
fn signals(text: &str, root: Node, range: Range<usize>, rules: &Ruleset, lang: &LanguageRules, cursor: &mut QueryCursor) -> Vec<Hit> {
    let bytes = text.as_bytes();
    let mut hits = Vec::new();
    let mut trigger_points: Vec<usize> = Vec::new();
    let mut last_identifier = usize::MAX;
    let base = range.start;
    for m in lang.scanner.find_iter(&text[range.clone()]) {
        let needle = &lang.needles[m.pattern().as_usize()];
        let (start, end) = (base + m.start(), base + m.end());
        let token_start = bytes[..start].iter().rposition(|b| !is_ident_byte(*b)).map_or(0, |i| i + 1);
        let token_end = bytes[end..].iter().position(|b| !is_ident_byte(*b)).map_or(bytes.len(), |i| end + i);
        let whole = token_start == start && token_end == end;
        let placed = |p: &Placement| match p {
            Placement::Anywhere => true,
            Placement::WholeToken => whole,
            Placement::StringStart => opens_string(bytes, start),
            Placement::BeforeBang => whole && bytes[end..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'!'),
        };
        // The longest needle at a place stands for the shorter needles inside it too.
        if needle.inner_trigger || needle.placements.iter().any(placed) {
            trigger_points.push(start);
        }
        if needle.words.is_empty() || token_start == last_identifier {
            continue;
        }
        // Vocabulary: the identifier around the needle must contain one of the phrases as
        // whole words, and be code (not a comment or string).
        let identifier = &text[token_start..token_end];
        let split = words::split(identifier);
        let mut matched = false;
        for &wi in &needle.words {
            let w = &rules.words[wi];
            if w.unless.iter().any(|u| u.occurs_in(&split)) {
                continue;
            }
            if let Some(phrase) = w.phrases.iter().find(|p| p.occurs_in(&split)) {
                let node = root.descendant_for_byte_range(token_start, token_end);
                if node.is_some_and(|n| lang.kinds.identifiers.contains(n) && n.byte_range() == (token_start..token_end)) {
                    hits.push(Hit {
                        kind: w.kind,
                        range: token_start..token_end,
                        detail: Some(format!("`{identifier}` (word: {phrase})")),
                    });
                    matched = true;
                }
            }
        }
        if matched {
            last_identifier = token_start;
        }
    }

    if let Some(anchored) = &lang.anchored {
        let mut done: HashSet<usize> = HashSet::new();
        let mut seeker = Seeker::new(root);
        trigger_points.sort_unstable();
        trigger_points.dedup();
        for point in trigger_points {
            let nodes: Vec<Node> = match &anchored.roots {
                Some(roots) => seeker.seek(point).iter().copied().filter(|n| roots.contains(*n)).collect(),
                None => seeker.seek(point).first().copied().into_iter().collect(),
            };
            cursor.set_max_start_depth(if anchored.roots.is_some() { Some(0) } else { None });
            for node in nodes {
                // Nodes starting before the chunk belong to an earlier chunk.
                if range.contains(&node.start_byte()) && done.insert(node.id()) {
                    run_query(anchored, node, text, cursor, &mut hits);
                }
            }
        }
    }
    if let Some(unanchored) = &lang.unanchored {
        cursor.set_max_start_depth(None);
        run_query(unanchored, root, text, cursor, &mut hits);
    }
    hits
}

fn run_query(query: &CompiledQuery, node: Node, text: &str, cursor: &mut QueryCursor, hits: &mut Vec<Hit>) {
    let mut matches = cursor.matches(&query.query, node, text.as_bytes());
    while let Some(m) = matches.next() {
        for c in m.captures() {
            match query.roles[c.index as usize] {
                CaptureRole::Signal(kind) => {
                    let detail = query.reasons[m.pattern_index]
                        .clone()
                        .or_else(|| Some(format!("`{}`", snippet(&text[c.node.byte_range()]))));
                    hits.push(Hit { kind, range: c.node.byte_range(), detail });
                }
                CaptureRole::Observability => {
                    hits.push(Hit { kind: OBSERVABILITY, range: c.node.byte_range(), detail: None });
                }
                _ => {}
            }
        }
    }
}

/// The first line of a piece of code, shortened for messages.
pub fn snippet(code: &str) -> String {
    let first = code.lines().next().unwrap_or("").trim();
    let mut out: String = first.chars().take(60).collect();
    if out.len() < first.len() || code.trim().lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// True when only letters and whitespace (at most 40 bytes of them) separate `start` from a
/// string's opening quote or an interpolation's closing `}`: the word is among the first
/// words of a string, as a `^\s*(KEYWORD …)` pattern needs.
fn opens_string(bytes: &[u8], start: usize) -> bool {
    let floor = start.saturating_sub(40);
    let mut i = start;
    while i > floor {
        let b = bytes[i - 1];
        if b.is_ascii_alphabetic() || b.is_ascii_whitespace() {
            i -= 1;
            continue;
        }
        return matches!(b, b'"' | b'\'' | b'}');
    }
    i == 0
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Finds the path from the root to the smallest node at a byte offset, for offsets in
/// increasing order, moving a tree cursor forward instead of starting from the root each
/// time (a node's children are otherwise scanned from the first one, at every level).
struct Seeker<'t> {
    cursor: tree_sitter::TreeCursor<'t>,
    path: Vec<Node<'t>>,
}

impl<'t> Seeker<'t> {
    fn new(root: Node<'t>) -> Seeker<'t> {
        Seeker { cursor: root.walk(), path: vec![root] }
    }

    fn seek(&mut self, point: usize) -> &[Node<'t>] {
        let contains = |n: Node| n.start_byte() <= point && point < n.end_byte();
        // Up (or forward among siblings) until the current node contains the point.
        loop {
            let node = self.cursor.node();
            if contains(node) || self.path.len() == 1 {
                break;
            }
            if node.end_byte() <= point && self.cursor.goto_next_sibling() {
                let last = self.path.len() - 1;
                self.path[last] = self.cursor.node();
                continue;
            }
            if !self.cursor.goto_parent() {
                break;
            }
            self.path.pop();
        }
        // Down to the smallest node containing the point.
        while self.cursor.goto_first_child() {
            while self.cursor.node().end_byte() <= point {
                if !self.cursor.goto_next_sibling() {
                    break;
                }
            }
            if !contains(self.cursor.node()) {
                self.cursor.goto_parent();
                break;
            }
            self.path.push(self.cursor.node());
        }
        &self.path
    }
}
