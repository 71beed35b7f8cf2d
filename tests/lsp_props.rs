//! Property tests of the language server's incremental path: random sequences of edits,
//! applied as the server applies them (`Document::apply_change`, incremental parse, chunk
//! cache), must leave the same text, line index, tree and classification as a fresh start
//! on the final text. Then the same through the real server, comparing diagnostics.
//!
//! Deterministic by default (fixed seed, 64 and 8 cases); `PROPTEST_CASES` and
//! `PROPTEST_RNG_SEED` override.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use lanes::chunks::ChunkCache;
use lanes::classify::{classify, classify_incremental, Classification, SourceFile};
use lanes::language::Language;
use lanes::line_index::{Encoding, LineIndex};
use lanes::lsp::handlers::{self, Snapshot};
use lanes::lsp::state::{ClientOptions, Document};
use lanes::ruleset::Ruleset;
use lanes::syntax;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

const BIG_PY: &str = include_str!("fixtures/lsp_ws/big.py");
const BIG_RS: &str = include_str!("fixtures/lsp_ws/big.rs");

/// What edits insert: line breaks of every kind, multi-byte characters, keywords, risky
/// calls, indentation, quotes and brackets.
const POOL: &[&str] = &[
    "\n", "\r\n", "\r", "é", "中", "🙂", "é中🙂", "def ", "fn ", "shutil.rmtree(x)", "unsafe { }", "    ", "\t", "\"",
    "'", "\"\"\"", "(", ")", "[", "]", "{", "}", ":", ";", "x", "#", "//", "class C:\n    ", "impl T {\n",
    "\n    shutil.rmtree(x)\n", "\ndef g(x):\n    return x\n", "\nfn h() { unsafe { } }\n", "# é中🙂\n",
    "// 🙂\n", "std::fs::remove_dir_all(p)", "stripe.Refund.create()", "#[test]\n", "# lanes: lane=1\n",
    "// lanes: lane=\n",
];

#[derive(Clone, Copy, Debug)]
enum Kind {
    Insert,
    Delete,
    Replace,
}

/// An edit, as seeds that are resolved against the text when it is applied.
#[derive(Clone, Debug)]
struct Op {
    kind: Kind,
    /// Where, in thousandths of the text's edit positions.
    at: u16,
    /// How many characters a delete or replace removes.
    len: u16,
    piece: usize,
    /// Analyse after this edit (else the next edit arrives first).
    analyze: bool,
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![Just(Kind::Insert), Just(Kind::Delete), Just(Kind::Replace)];
    let len = prop_oneof![4 => 0u16..12, 1 => 0u16..400];
    (kind, 0u16..=1000, len, 0..POOL.len(), prop::bool::weighted(0.7))
        .prop_map(|(kind, at, len, piece, analyze)| Op { kind, at, len, piece, analyze })
}

fn config(default_cases: u32) -> Config {
    let from_env = Config::default(); // reads PROPTEST_* variables
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() { from_env.cases } else { default_cases },
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() { from_env.rng_seed } else { RngSeed::Fixed(0x1a4e5) },
        failure_persistence: None,
        ..from_env
    }
}

/// Byte offsets where an edit may start or end: character boundaries, never between the
/// `\r` and `\n` of a line break (no LSP position names that place).
fn edit_points(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    (0..=text.len()).filter(|&i| text.is_char_boundary(i) && !(i > 0 && b[i - 1] == b'\r' && b.get(i) == Some(&b'\n'))).collect()
}

/// The byte range an op replaces in `text`, and the new text.
fn resolve(op: &Op, text: &str) -> (std::ops::Range<usize>, &'static str) {
    let points = edit_points(text);
    let i = op.at as usize * (points.len() - 1) / 1000;
    let j = (i + op.len as usize).min(points.len() - 1);
    match op.kind {
        Kind::Insert => (points[i]..points[i], POOL[op.piece]),
        Kind::Delete => (points[i]..points[j], ""),
        Kind::Replace => (points[i]..points[j], POOL[op.piece]),
    }
}

/// The LSP position of a byte offset, computed independently of the engine: lines end at
/// `\n`, `\r\n` or a lone `\r`; columns count UTF-16 code units (or bytes with `utf8`).
fn lsp_position(text: &str, offset: usize, utf8: bool) -> Position {
    let b = text.as_bytes();
    let (mut line, mut line_start) = (0u32, 0usize);
    let mut i = 0;
    while i < offset {
        if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            line += 1;
            line_start = i + 1;
        }
        i += 1;
    }
    let prefix = &text[line_start..offset];
    let character = if utf8 { prefix.len() } else { prefix.encode_utf16().count() } as u32;
    Position { line, character }
}

fn lsp_range(text: &str, range: &std::ops::Range<usize>, utf8: bool) -> Range {
    Range { start: lsp_position(text, range.start, utf8), end: lsp_position(text, range.end, utf8) }
}

fn case_name(rust: bool) -> (Language, &'static str, &'static str) {
    if rust {
        (Language::Rust, BIG_RS, "big.rs")
    } else {
        (Language::Python, BIG_PY, "big.py")
    }
}

/// A compact rendering of a classification, one line per region, for readable diffs.
fn render(c: &Classification) -> Vec<String> {
    let mut out: Vec<String> = c
        .regions
        .iter()
        .map(|r| {
            let mut line = format!(
                "{} {:?} {:?} name {:?} decl {:?} parent {:?}: {} {:?}",
                r.region.kind.name(),
                r.region.name,
                r.region.range,
                r.region.name_range,
                r.region.decl_range,
                r.region.parent,
                r.lane,
                r.categories
            );
            for e in &r.evidence {
                let _ = write!(line, " [{}@{:?}{} {:?} {}]", e.rule, e.range, if e.overridden { "~" } else { "" }, e.category, e.lane);
            }
            line
        })
        .collect();
    out.extend(c.problems.iter().map(|p| format!("problem {:?}: {}", p.range, p.message)));
    out.push(format!("syntax errors: {}", c.has_syntax_errors));
    out
}

/// Every node of a tree in order, with its byte range and points.
fn nodes(tree: &tree_sitter::Tree) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let n = cursor.node();
        out.push(format!(
            "{}{} {:?} {:?}-{:?}",
            n.kind(),
            if n.is_missing() { " (missing)" } else { "" },
            n.byte_range(),
            (n.start_position().row, n.start_position().column),
            (n.end_position().row, n.end_position().column)
        ));
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                break 'walk;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

/// The first difference between two renderings, with a little context.
fn first_difference(incremental: &[String], fresh: &[String]) -> String {
    let i = incremental.iter().zip(fresh).position(|(a, b)| a != b).unwrap_or(incremental.len().min(fresh.len()));
    format!(
        "at item {i}:\n  incremental: {:?}\n  fresh:       {:?}",
        incremental.get(i.saturating_sub(1)..(i + 2).min(incremental.len())),
        fresh.get(i.saturating_sub(1)..(i + 2).min(fresh.len()))
    )
}

/// The tree-sitter point of a byte offset, computed independently: rows count `\n` only,
/// columns are bytes.
fn point(text: &str, offset: usize) -> tree_sitter::Point {
    let before = &text.as_bytes()[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let column = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    tree_sitter::Point { row, column }
}

/// Edit `tree` for replacing `before[bytes]` with `new_text`, as a reference for the
/// `InputEdit`s that `Document::apply_change` makes.
fn reference_edit(tree: &mut tree_sitter::Tree, before: &str, bytes: &std::ops::Range<usize>, new_text: &str) {
    let mut after = before.to_string();
    after.replace_range(bytes.clone(), new_text);
    let new_end = bytes.start + new_text.len();
    tree.edit(&tree_sitter::InputEdit {
        start_byte: bytes.start,
        old_end_byte: bytes.end,
        new_end_byte: new_end,
        start_position: point(before, bytes.start),
        old_end_position: point(before, bytes.end),
        new_end_position: point(&after, new_end),
    });
}

/// Analyse a document as the server's `analyze` does, storing the tree back.
fn analyze(doc: &mut Document, path: &Path, rules: &Ruleset) -> Classification {
    let tree = syntax::parse(doc.language, &doc.text, doc.tree.as_ref());
    let rule_path = Path::new(path.file_name().unwrap());
    let file = SourceFile { path, rule_path, language: doc.language, text: &doc.text };
    let c = classify_incremental(&file, &tree, rules, &mut doc.chunks, Some(doc.line_index.clone()));
    doc.tree = Some(tree);
    c
}

fn engine_case(rust: bool, ops: &[Op]) -> Result<(), TestCaseError> {
    let (language, start, name) = case_name(rust);
    let path = Path::new("/lanes-props").join(name);
    let rules = Ruleset::builtin();
    let mut reference = start.to_string();
    let mut doc = Document::new(language, 1, reference.clone(), usize::MAX);
    let mut classification = analyze(&mut doc, &path, rules);
    // The same edits and parses, with edits computed here.
    let mut reference_tree = syntax::parse(language, &reference, None);
    let mut log = String::new();
    for (step, op) in ops.iter().enumerate() {
        let (bytes, new_text) = resolve(op, &reference);
        let range = lsp_range(&reference, &bytes, false);
        let analysed = if op.analyze || step + 1 == ops.len() { ", analysed" } else { "" };
        let _ = writeln!(log, "  ({:?}, {new_text:?}{analysed}), // {step}: {:?} {range:?}", bytes, op.kind);
        reference_edit(&mut reference_tree, &reference, &bytes, new_text);
        reference.replace_range(bytes, new_text);
        let change = TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: new_text.to_string() };
        doc.apply_change(&change, Encoding::Utf16);
        doc.version += 1;
        prop_assert!(doc.text == reference, "text differs after step {step}; edits:\n{log}");
        if op.analyze || step + 1 == ops.len() {
            classification = analyze(&mut doc, &path, rules);
            reference_tree = syntax::parse(language, &reference, Some(&reference_tree));
        }
    }

    prop_assert!(doc.line_index == LineIndex::new(&reference), "line index differs; edits:\n{log}");
    let tree = doc.tree.as_ref().expect("analysed");
    let (incremental_nodes, reference_nodes) = (nodes(tree), nodes(&reference_tree));
    prop_assert!(
        incremental_nodes == reference_nodes,
        "the server's incremental tree differs from one edited here {}\nedits:\n{log}",
        first_difference(&incremental_nodes, &reference_nodes)
    );
    let fresh_tree = syntax::parse(language, &reference, None);
    let (incremental_nodes, fresh_nodes) = (nodes(tree), nodes(&fresh_tree));
    prop_assert!(
        incremental_nodes == fresh_nodes,
        "incremental tree differs from a fresh parse {}\nedits:\n{log}",
        first_difference(&incremental_nodes, &fresh_nodes)
    );
    prop_assert_eq!(tree.root_node().to_sexp(), fresh_tree.root_node().to_sexp());

    let rule_path = Path::new(name);
    let file = SourceFile { path: &path, rule_path, language, text: &reference };
    let fresh = classify(&file, rules);
    // The incrementally parsed tree, classified without the chunk cache: exactly a fresh
    // classification.
    let uncached = classify_incremental(&file, tree, rules, &mut ChunkCache::default(), Some(doc.line_index.clone()));
    let (a, b) = (render(&uncached), render(&fresh));
    prop_assert!(a == b, "classification (without the cache) differs {}\nedits:\n{log}", first_difference(&a, &b));
    prop_assert!(uncached == fresh, "classifications differ beyond the rendering; edits:\n{log}");

    // With the chunk cache, as the server classifies.
    let (a, b) = (render(&classification), render(&fresh));
    prop_assert!(a == b, "classification (with the cache) differs {}\nedits:\n{log}", first_difference(&a, &b));
    prop_assert!(classification == fresh, "cached classification differs beyond the rendering; edits:\n{log}");
    Ok(())
}

#[test]
fn incremental_edits_match_a_fresh_analysis() {
    let strategy = (any::<bool>(), prop::collection::vec(op(), 1..=30));
    let mut runner = TestRunner::new(config(64));
    if let Err(e) = runner.run(&strategy, |(rust, ops)| engine_case(rust, &ops)) {
        panic!("{e}");
    }
}

#[test]
fn typing_in_a_large_container_updates_its_range() {
    // One character typed in a method of `impl Ledger` (over 2048 bytes, so split in chunks).
    let rules = Ruleset::builtin();
    let path = Path::new("/lanes-props/big.rs");
    let mut doc = Document::new(Language::Rust, 1, BIG_RS.to_string(), usize::MAX);
    analyze(&mut doc, path, rules);
    let at = BIG_RS.find("v.sort();").unwrap();
    let range = lsp_range(BIG_RS, &(at..at), false);
    doc.apply_change(&TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: "x".into() }, Encoding::Utf16);
    let incremental = analyze(&mut doc, path, rules);
    let file = SourceFile { path, rule_path: Path::new("big.rs"), language: Language::Rust, text: &doc.text };
    let fresh = classify(&file, rules);
    let ledger = |c: &Classification| c.regions.iter().find(|r| &*r.region.name == "Ledger" && r.region.kind.name() == "impl").unwrap().region.range.clone();
    let end = BIG_RS.find("\n}\n\npub fn normalise").unwrap() + 3;
    assert_eq!(ledger(&fresh).end, end);
    // Regression: the cached header chunk of `impl Ledger` used to keep its old range.
    assert_eq!(ledger(&incremental).end, end);
    assert_eq!(incremental, fresh);
}

#[test]
fn cached_chunks_with_syntax_errors_depend_on_the_text_around_them() {
    // Found by `incremental_edits_match_a_fresh_analysis`: the same chunk text, `def
    // pur🙂ge(self): …` (an emoji is no identifier character), parses differently depending
    // on a syntax error further down (`d\ref archive`), but its cache key is the same.
    let rules = Ruleset::builtin();
    let path = Path::new("/lanes-props/big.py");
    let mut text = BIG_PY.to_string();
    let edits: [(std::ops::Range<usize>, &str); 6] = [
        (0..0, "# é中🙂\n"),
        (447..533, ""),
        (1501..1501, "std::fs::remove_dir_all(p)"),
        (478..493, "#"),
        (1780..2087, "\n"),
        (919..919, "🙂"),
    ];
    for (range, new_text) in edits {
        text.replace_range(range, new_text);
    }
    let purge = |c: &Classification| {
        let r = c.regions.iter().find(|r| r.region.range.start == 912).expect("the region of `def pur🙂ge`");
        (r.region.name.to_string(), r.region.name_range.clone())
    };
    let classify_with = |text: &str, cache: &mut ChunkCache| {
        let file = SourceFile { path, rule_path: Path::new("big.py"), language: Language::Python, text };
        classify_incremental(&file, &syntax::parse(Language::Python, text, None), rules, cache, None)
    };
    let mut cache = ChunkCache::default();
    assert_eq!(purge(&classify_with(&text, &mut cache)), ("ge".to_string(), 923..925));
    text.replace_range(1040..1040, "\r");
    let file = SourceFile { path, rule_path: Path::new("big.py"), language: Language::Python, text: &text };
    assert_eq!(purge(&classify(&file, rules)), ("pur".to_string(), 916..919));
    // Regression: the chunk's cached result from before the edit used to be reused although
    // its tree differs (chunks with syntax errors are no longer cached).
    assert_eq!(purge(&classify_with(&text, &mut cache)), ("pur".to_string(), 916..919));
}

#[test]
fn the_edit_model_is_sound() {
    // The helpers above, on a text with every kind of line break and wide characters.
    let text = "a\r\nb\rc\né中🙂x";
    assert_eq!(edit_points(text), [0, 1, 3, 4, 5, 6, 7, 9, 12, 16, 17]);
    assert_eq!(lsp_position(text, 5, false), Position { line: 2, character: 0 });
    assert_eq!(lsp_position(text, 16, false), Position { line: 3, character: 4 });
    assert_eq!(lsp_position(text, 16, true), Position { line: 3, character: 9 });
    let index = LineIndex::new(text);
    for &p in &edit_points(text) {
        for utf8 in [false, true] {
            let pos = lsp_position(text, p, utf8);
            let encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
            let lc = index.line_col(text, p, encoding);
            assert_eq!((lc.line, lc.col), (pos.line, pos.character), "offset {p}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The same through the server
// ---------------------------------------------------------------------------------------

const LIMIT: Duration = Duration::from_secs(30);

/// A minimal client: it offers no capability that makes the server ask it anything.
struct Client {
    to_server: DuplexStream,
    from_server: DuplexStream,
    buffer: Vec<u8>,
    notifications: Vec<Value>,
    next_id: i64,
    server: std::thread::JoinHandle<i32>,
}

impl Client {
    async fn start(utf8: bool) -> Client {
        let (to_server, server_in) = tokio::io::duplex(1 << 20);
        let (server_out, from_server) = tokio::io::duplex(1 << 20);
        let server = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(lanes::lsp::serve(server_in, server_out))
        });
        let mut client = Client { to_server, from_server, buffer: Vec::new(), notifications: Vec::new(), next_id: 1, server };
        let encodings = if utf8 { json!(["utf-8"]) } else { json!(["utf-16"]) };
        let result = client.request("initialize", json!({ "capabilities": { "general": { "positionEncodings": encodings } }, "initializationOptions": { "gateHints": [] } })).await;
        assert_eq!(result["capabilities"]["positionEncoding"], if utf8 { "utf-8" } else { "utf-16" });
        client.send(json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} })).await;
        client
    }

    async fn send(&mut self, message: Value) {
        let bytes = lanes::lsp::transport::frame(message.to_string().as_bytes());
        tokio::time::timeout(LIMIT, self.to_server.write_all(&bytes)).await.expect("write timed out").unwrap();
    }

    async fn next_message(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let header = std::str::from_utf8(&self.buffer[..end]).unwrap();
                let length: usize = header.strip_prefix("Content-Length: ").expect("a Content-Length header").parse().unwrap();
                if self.buffer.len() >= end + 4 + length {
                    let value = serde_json::from_slice(&self.buffer[end + 4..end + 4 + length]).unwrap();
                    self.buffer.drain(..end + 4 + length);
                    return value;
                }
            }
            let mut chunk = [0u8; 16384];
            let n = tokio::time::timeout(LIMIT, self.from_server.read(&mut chunk)).await.expect("timed out reading").unwrap();
            assert!(n > 0, "the server closed its output");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })).await;
        loop {
            let message = self.next_message().await;
            if message.get("method").is_some() {
                assert!(message.get("id").is_none(), "unexpected request from the server: {message}");
                self.notifications.push(message);
            } else if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    async fn diagnostics(&mut self, uri: &str, version: i32) -> Value {
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri && n["params"]["version"] == version
            }) {
                return self.notifications.remove(i)["params"]["diagnostics"].clone();
            }
            let message = self.next_message().await;
            assert!(message.get("method").is_some() && message.get("id").is_none(), "unexpected: {message}");
            self.notifications.push(message);
        }
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params })).await;
    }

    async fn shutdown(mut self) {
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        let server = self.server;
        let code = tokio::task::spawn_blocking(move || server.join().unwrap());
        assert_eq!(tokio::time::timeout(LIMIT, code).await.expect("the server did not exit").unwrap(), 0);
    }
}

async fn server_case(rust: bool, utf8: bool, ops: &[Op]) -> Result<(), TestCaseError> {
    let (_, start, name) = case_name(rust);
    let language = if rust { "rust" } else { "python" };
    let (edited_uri, fresh_uri) = (format!("file:///lanes-props/edited/{name}"), format!("file:///lanes-props/fresh/{name}"));
    let mut client = Client::start(utf8).await;
    client
        .notify("textDocument/didOpen", json!({ "textDocument": { "uri": edited_uri, "languageId": language, "version": 1, "text": start } }))
        .await;
    // The same session replayed on the engine, as the server's `did_change` and `analyze` do.
    let (rules, encoding) = (Ruleset::builtin(), if utf8 { Encoding::Utf8 } else { Encoding::Utf16 });
    let edited_path = Path::new("/lanes-props/edited").join(name);
    let mut doc = Document::new(if rust { Language::Rust } else { Language::Python }, 1, start.to_string(), usize::MAX);
    let mut replayed = analyze(&mut doc, &edited_path, rules);
    let mut reference = start.to_string();
    let mut version = 1;
    let mut changes = Vec::new();
    let mut log = String::new();
    for (step, op) in ops.iter().enumerate() {
        let (bytes, new_text) = resolve(op, &reference);
        let range = lsp_range(&reference, &bytes, utf8);
        let sent = if op.analyze || step + 1 == ops.len() { ", sent" } else { "" };
        let _ = writeln!(log, "  ({:?}, {new_text:?}{sent}), // {step}: {:?} {range:?}", bytes, op.kind);
        reference.replace_range(bytes, new_text);
        changes.push(json!({ "range": range, "text": new_text }));
        let change = TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: new_text.to_string() };
        doc.apply_change(&change, encoding);
        if op.analyze || step + 1 == ops.len() {
            version += 1;
            let params = json!({ "textDocument": { "uri": edited_uri, "version": version }, "contentChanges": changes });
            client.notify("textDocument/didChange", params).await;
            changes = Vec::new();
            replayed = analyze(&mut doc, &edited_path, rules);
        }
    }
    let edited = client.diagnostics(&edited_uri, version).await;
    client
        .notify("textDocument/didOpen", json!({ "textDocument": { "uri": fresh_uri, "languageId": language, "version": 1, "text": reference } }))
        .await;
    let fresh = client.diagnostics(&fresh_uri, 1).await;
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": edited_uri } })).await;
    let fresh_lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": fresh_uri } })).await;
    client.shutdown().await;

    // One line per diagnostic or lens, so that a failure shows the first difference.
    let lines = |v: &Value, uri: &str| -> Vec<String> {
        v.as_array().unwrap().iter().map(|d| d.to_string().replace(uri, "<uri>")).collect()
    };
    // The server publishes what the engine replay gives.
    let snapshot = Snapshot {
        generation: 0,
        uri: edited_uri.parse().unwrap(),
        version,
        text: Arc::from(reference.as_str()),
        line_index: LineIndex::new(&reference),
        classification: Arc::new(replayed.clone()),
        tree: None,
        encoding,
        options: ClientOptions { gate_hints: Vec::new(), ..ClientOptions::default() },
    };
    let expected = serde_json::to_value(handlers::diagnostics(&snapshot)).unwrap();
    let (a, b) = (lines(&edited, &edited_uri), lines(&expected, &edited_uri));
    prop_assert!(a == b, "diagnostics differ from the replay's (utf8: {utf8}) {}\nedits:\n{log}", first_difference(&a, &b));

    // And a fresh open of the same text gives the same.
    let (a, b) = (lines(&edited, &edited_uri), lines(&fresh, &fresh_uri));
    prop_assert!(a == b, "diagnostics differ (utf8: {utf8}) {}\nedits:\n{log}", first_difference(&a, &b));
    let (a, b) = (lines(&lenses, &edited_uri), lines(&fresh_lenses, &fresh_uri));
    prop_assert!(a == b, "code lenses differ (utf8: {utf8}) {}\nedits:\n{log}", first_difference(&a, &b));
    Ok(())
}

#[test]
fn edits_through_the_server_match_a_fresh_open() {
    let strategy = (any::<bool>(), any::<bool>(), prop::collection::vec(op(), 1..=30));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut runner = TestRunner::new(config(8));
    if let Err(e) = runner.run(&strategy, |(rust, utf8, ops)| runtime.block_on(server_case(rust, utf8, &ops))) {
        panic!("{e}");
    }
}
