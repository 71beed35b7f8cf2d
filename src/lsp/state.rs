//! Server state: open documents (text, line index, tree with pending edits, last
//! classification), client settings, workspace folders and the rulesets of their
//! configurations. Edits are applied here, synchronously, in the order they arrive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{DiagnosticSeverity, TextDocumentContentChangeEvent, Uri};
use tree_sitter::{InputEdit, Point, Tree};

use crate::chunks::ChunkCache;
use crate::classify::Classification;
use crate::cli::SharedRuleset;
use crate::config::find_config_file;
use crate::language::Language;
use crate::line_index::{Encoding, LineIndex};
use crate::ruleset::Ruleset;

use super::convert;

/// Client settings, from `initializationOptions` and `workspace/configuration` (section
/// `lanes`). Names match the VS Code extension's settings.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientOptions {
    /// Severity of Lane 3 diagnostics: `error`, `warning`, `information` or `hint`.
    pub severity: String,
    /// Show code lenses above functions, methods and classes.
    pub code_lens: bool,
    /// Lanes that get diagnostics (default: only Lane 3).
    pub diagnostic_lanes: Vec<u8>,
    /// Files larger than this (bytes) are not classified.
    pub max_file_size: usize,
    /// Lanes whose functions get a hint when their tests or observability gate is open (by
    /// default Lane 2; Lane 1 is opt-in).
    pub gate_hints: Vec<u8>,
    /// A configuration file used instead of the nearest `lanes.toml` / `[tool.lanes]`:
    /// absolute, or relative to the workspace folder that holds the document. Empty: search.
    pub config_path: String,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            severity: "information".into(),
            code_lens: true,
            diagnostic_lanes: vec![3],
            max_file_size: 4 * 1024 * 1024,
            gate_hints: vec![2],
            config_path: String::new(),
        }
    }
}

impl ClientOptions {
    pub fn severity(&self) -> DiagnosticSeverity {
        convert::severity(&self.severity).unwrap_or(DiagnosticSeverity::INFORMATION)
    }

    /// Accept either the options themselves or an object with a `lanes` key. `None` for
    /// anything that sets nothing (null, an empty object) or does not fit.
    pub fn from_value(value: &serde_json::Value) -> Option<ClientOptions> {
        ClientOptions::default().updated(value)
    }

    /// These options with the keys present in `value` replaced (a client may send only the
    /// settings that changed).
    pub fn updated(&self, value: &serde_json::Value) -> Option<ClientOptions> {
        let inner = value.get("lanes").unwrap_or(value);
        let changes = inner.as_object().filter(|m| !m.is_empty())?;
        let mut merged = serde_json::to_value(self).ok()?;
        let target = merged.as_object_mut()?;
        for (k, v) in changes {
            target.insert(k.clone(), v.clone());
        }
        serde_json::from_value(merged).ok()
    }
}

/// An open document.
pub struct Document {
    pub version: i32,
    pub language: Language,
    pub text: String,
    pub line_index: LineIndex,
    /// The last tree, with every edit since it was parsed applied through `Tree::edit`;
    /// `None` after a full-text change (the next parse starts from scratch).
    pub tree: Option<Tree>,
    /// The classification of `text` at `version`, once computed.
    pub classification: Option<(i32, Arc<Classification>)>,
    /// Set when the document is too large to classify.
    pub skipped: Option<String>,
    /// Chunks of earlier versions, reused by the next classification.
    pub chunks: ChunkCache,
    /// When the document was last opened or changed (a counter), to keep the trees of the
    /// documents being edited and let the others go.
    pub touched: u64,
}

impl Document {
    pub fn new(language: Language, version: i32, text: String, max_size: usize) -> Document {
        let skipped = (text.len() > max_size).then(|| {
            format!("lanes: file not classified: {} bytes is over the {} byte limit (maxFileSize)", text.len(), max_size)
        });
        Document {
            version,
            language,
            line_index: LineIndex::new(&text),
            text,
            tree: None,
            classification: None,
            skipped,
            chunks: ChunkCache::default(),
            touched: 0,
        }
    }

    /// Apply one content change. Ranges are clamped into the text and put in order, so a
    /// change can never leave the text, the line index and the tree out of step.
    pub fn apply_change(&mut self, change: &TextDocumentContentChangeEvent, encoding: Encoding) {
        let Some(range) = change.range else {
            self.text = change.text.clone();
            self.line_index = LineIndex::new(&self.text);
            self.tree = None;
            return;
        };
        let bytes = convert::byte_range(&self.line_index, &self.text, range, encoding);
        let start_position = self.point(bytes.start);
        let old_end_position = self.point(bytes.end);
        self.text.replace_range(bytes.clone(), &change.text);
        self.line_index.apply_edit(&self.text, bytes.start, bytes.end, change.text.len());
        let new_end = bytes.start + change.text.len();
        let new_end_position = match change.text.rfind('\n') {
            Some(i) => Point { row: start_position.row + change.text.matches('\n').count(), column: change.text.len() - i - 1 },
            None => Point { row: start_position.row, column: start_position.column + change.text.len() },
        };
        if let Some(tree) = &mut self.tree {
            tree.edit(&InputEdit {
                start_byte: bytes.start,
                old_end_byte: bytes.end,
                new_end_byte: new_end,
                start_position,
                old_end_position,
                new_end_position,
            });
        }
    }

    /// A tree-sitter point: rows count `\n` only, columns are bytes.
    fn point(&self, offset: usize) -> Point {
        if !self.text.as_bytes().contains(&b'\r') {
            let lc = self.line_index.line_col(&self.text, offset, Encoding::Utf8);
            return Point { row: lc.line as usize, column: lc.col as usize };
        }
        let before = &self.text.as_bytes()[..offset.min(self.text.len())];
        let row = before.iter().filter(|&&b| b == b'\n').count();
        let column = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        Point { row, column }
    }
}

/// Rulesets per configuration file, and the last error per file.
#[derive(Default)]
pub struct Configs {
    loaded: HashMap<PathBuf, Arc<Ruleset>>,
    /// The nearest configuration file of each directory seen, so that typing does not look
    /// at the file system; cleared when a configuration file changes.
    found: HashMap<PathBuf, Option<PathBuf>>,
}

impl Configs {
    /// The ruleset for a document at `path`: the nearest configuration at or below the
    /// workspace folder that holds the file; the built-in rules outside any folder.
    /// With a `config_path` (the `configPath` setting), that file instead of the nearest one.
    pub fn ruleset_for(&mut self, path: Option<&Path>, folders: &[PathBuf], config_path: &str) -> (SharedRuleset, Option<PathBuf>) {
        let builtin = (SharedRuleset::Builtin(Ruleset::builtin()), None);
        let Some(path) = path else { return builtin };
        let folder = folders.iter().filter(|f| path.starts_with(f)).max_by_key(|f| f.as_os_str().len());
        let config = if config_path.is_empty() {
            let (Some(folder), Some(dir)) = (folder, path.parent()) else { return builtin };
            let found = self.found.entry(dir.to_path_buf()).or_insert_with(|| find_config_file(dir)).clone();
            found.filter(|c| c.starts_with(folder))
        } else if Path::new(config_path).is_absolute() {
            Some(PathBuf::from(config_path))
        } else {
            folder.map(|f| f.join(config_path))
        };
        let Some(config) = config else { return builtin };
        match self.loaded.get(&config) {
            Some(r) => (SharedRuleset::Loaded(r.clone()), Some(config)),
            None => (SharedRuleset::Builtin(Ruleset::builtin()), Some(config)),
        }
    }

    /// Load (or reload) a configuration file. On error the last good ruleset stays in force.
    pub fn load(&mut self, config: &Path) -> Result<(), anyhow::Error> {
        let ruleset = crate::cli::load_ruleset(config)?;
        self.loaded.insert(config.to_path_buf(), Arc::new(ruleset));
        Ok(())
    }

    pub fn is_loaded(&self, config: &Path) -> bool {
        self.loaded.contains_key(config)
    }

    pub fn forget(&mut self, config: &Path) {
        self.loaded.remove(config);
    }

    /// Look for configuration files again (one was created, changed or deleted).
    pub fn rediscover(&mut self) {
        self.found.clear();
    }
}

/// Trees kept in memory: those of the documents edited most recently. A tree takes about 15
/// times the memory of its text; a document without one is parsed from scratch on its next
/// edit (about 50 ms for 20,000 lines) and keeps its tree from then on.
pub const KEPT_TREES: usize = 3;

/// Everything the server knows.
pub struct State {
    pub docs: HashMap<Uri, Document>,
    pub encoding: Encoding,
    pub options: ClientOptions,
    pub folders: Vec<PathBuf>,
    pub configs: Configs,
    /// Configuration files that failed to load, with the message shown.
    pub config_errors: HashMap<PathBuf, String>,
    /// Counter behind `Document::touched`.
    pub clock: u64,
    /// What the workspace's tests refer to.
    pub test_index: super::test_index::TestIndex,
    /// Bumped whenever rules, settings or the test index change: results computed under an
    /// older generation are not published.
    pub generation: u64,
}

impl State {
    pub fn new() -> State {
        State {
            docs: HashMap::new(),
            encoding: Encoding::Utf16,
            options: ClientOptions::default(),
            folders: Vec::new(),
            configs: Configs::default(),
            config_errors: HashMap::new(),
            clock: 0,
            test_index: Default::default(),
            generation: 0,
        }
    }

    /// A new value for `Document::touched`.
    pub fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Make room for the tree of `uri`: drop the trees of all but the `KEPT_TREES - 1` most
    /// recently touched other documents.
    pub fn evict_trees(&mut self, uri: &Uri) {
        let mut with_trees: Vec<(u64, Uri)> = self
            .docs
            .iter()
            .filter(|(u, d)| d.tree.is_some() && *u != uri)
            .map(|(u, d)| (d.touched, u.clone()))
            .collect();
        if with_trees.len() < KEPT_TREES {
            return;
        }
        with_trees.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
        for (_, uri) in with_trees.into_iter().skip(KEPT_TREES - 1) {
            if let Some(doc) = self.docs.get_mut(&uri) {
                doc.tree = None;
            }
        }
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

/// The file path of a `file:` URI; `None` for other schemes.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}
