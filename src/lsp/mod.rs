//! `lanes lsp`: the language server. A thin adapter over the engine: it keeps open documents
//! and their trees, asks `classify` for lanes, and turns the answers into diagnostics,
//! hovers and code lenses (`handlers`, `convert`). Messages are handled one at a time, in
//! order; edits are applied as they arrive, analysis is incremental (changed chunks only),
//! and results for stale versions are never published.
//! Our own framing layer (`transport`) sits between stdio and tower-lsp, so that malformed
//! input gets an error reply instead of ending the session.

pub mod convert;
pub mod handlers;
pub mod state;
pub mod test_index;
pub mod transport;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server as LspServer};

use crate::classify::{classify_incremental, SourceFile};
use crate::language::Language;
use crate::syntax;
use handlers::Snapshot;
use state::{file_path, ClientOptions, Document, State};

/// Run the server on stdin/stdout until `exit`. Returns the process exit code: 0 after a
/// `shutdown` request, 1 otherwise (as the specification asks).
pub fn run_stdio() -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lanes lsp: cannot start the runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()))
}

/// Serve one session over any byte streams (stdio, or in-memory pipes in tests). Returns the
/// exit code the process should end with.
pub async fn serve<R, W>(input: R, output: W) -> i32
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    let lifecycle = Arc::new(transport::Lifecycle::new());
    let (to_server, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, from_server) = tokio::io::duplex(1 << 20);
    let (replies_tx, replies_rx) = tokio::sync::mpsc::unbounded_channel();
    let (service, socket) = LspService::build(Server::new)
        // Not a method of tower-lsp-server's `LanguageServer` (yet).
        .custom_method("window/workDoneProgress/cancel", Server::cancel_progress)
        .finish();
    // One message at a time: edits are applied in order, and every handler is short
    // (analysis runs on blocking threads).
    let session = LspServer::new(server_in, server_out, socket).concurrency_level(1).serve(service);
    let input = transport::sanitize_input(input, to_server, replies_tx, lifecycle.clone());
    let output = transport::merge_output(from_server, replies_rx, output);
    let (input, output, ()) = tokio::join!(input, output, session);
    if let Err(e) = input.and(output) {
        eprintln!("lanes lsp: stdio error: {e}");
    }
    if lifecycle.shutdown_requested() {
        0
    } else {
        1
    }
}

/// The tower-lsp service. Every method is a few lines that call `state` or `handlers`.
/// Cloning shares everything (background work holds a clone).
#[derive(Clone)]
pub struct Server {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Last version (and diagnostics) published per document, so that an older result never
    /// follows a newer one and an identical one is not sent twice.
    published: Arc<tokio::sync::Mutex<Published>>,
    capabilities: Arc<Mutex<ClientFlags>>,
    /// Set when the user cancels the test index (its progress has a cancel button).
    index_cancelled: Arc<std::sync::atomic::AtomicBool>,
}

/// The progress token of the test index.
const INDEX_TOKEN: &str = "lanes/test-index";

/// Per document: the last version published and its diagnostics.
type Published = HashMap<Uri, (i32, Vec<Diagnostic>)>;

#[derive(Clone, Copy, Default)]
struct ClientFlags {
    configuration: bool,
    watch_registration: bool,
    work_done_progress: bool,
    /// `workspace.workspaceEdit.documentChanges`
    document_changes: bool,
    /// `resourceOperations` includes `create`
    create_files: bool,
    /// `codeAction.resolveSupport` covers `edit`
    resolve_edit: bool,
}

/// Files as the editor has them: open documents first, then the disk.
struct OpenFiles<'a> {
    state: &'a Mutex<State>,
}

impl crate::project::Files for OpenFiles<'_> {
    fn read(&self, path: &std::path::Path) -> Option<String> {
        let open = {
            let st = lock(self.state);
            st.docs.iter().find(|(uri, _)| file_path(uri).as_deref() == Some(path)).map(|(_, d)| d.text.clone())
        };
        open.or_else(|| crate::project::Disk.read(path))
    }

    fn exists(&self, path: &std::path::Path) -> bool {
        crate::project::Disk.exists(path) || lock(self.state).docs.keys().any(|uri| file_path(uri).as_deref() == Some(path))
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Run `f`, turning a panic into `None` (and a line on stderr).
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("lanes lsp: internal error in {what}: {message}");
            None
        }
    }
}

fn internal_error(what: &str) -> Error {
    Error { code: ErrorCode::InternalError, message: format!("lanes: internal error in {what}").into(), data: None }
}

impl Server {
    pub fn new(client: Client) -> Server {
        Server {
            client,
            state: Arc::new(Mutex::new(State::new())),
            published: Arc::new(tokio::sync::Mutex::new(HashMap::new())),
            capabilities: Arc::new(Mutex::new(ClientFlags::default())),
            index_cancelled: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Classify the current version of a document (on a blocking thread) and publish its
    /// diagnostics, unless a newer version has arrived meanwhile.
    async fn refresh(&self, uri: Uri) {
        // Analysis runs inline: messages are handled one at a time anyway, and a thread hop
        // would cost more than most incremental analyses take.
        let Some(outcome) = guarded("analysis", || analyze(&self.state, &uri)).flatten() else { return };
        self.publish_config_errors(&outcome.config_errors).await;
        for message in &outcome.messages {
            self.client.show_message(MessageType::ERROR, message).await;
        }
        let Some(snapshot) = outcome.snapshot else {
            if let Some(message) = outcome.skipped {
                self.client.show_message(MessageType::WARNING, message).await;
                let generation = lock(&self.state).generation;
                self.publish(uri, Vec::new(), outcome.version, generation, true).await;
            }
            return;
        };
        let t = std::time::Instant::now();
        let diagnostics = guarded("diagnostics", || all_diagnostics(&snapshot)).unwrap_or_default();
        let built = t.elapsed();
        self.publish(uri.clone(), diagnostics, snapshot.version, snapshot.generation, true).await;
        if std::env::var_os("LANES_LSP_TIMING").is_some() {
            eprintln!("lanes lsp: diagnostics built {built:?}, published {:?}", t.elapsed());
        }
        if outcome.index_changed {
            self.refresh_others(Some(&uri)).await;
        }
    }

    /// Re-analyse every open document but `except` (their tests gates may have changed),
    /// publishing only what changed.
    async fn refresh_others(&self, except: Option<&Uri>) {
        let others: Vec<Uri> = {
            let mut st = lock(&self.state);
            let uris: Vec<Uri> = st.docs.keys().filter(|u| Some(*u) != except).cloned().collect();
            for u in &uris {
                if let Some(doc) = st.docs.get_mut(u) {
                    doc.classification = None;
                }
            }
            uris
        };
        for uri in others {
            let Some(outcome) = guarded("analysis", || analyze(&self.state, &uri)).flatten() else { continue };
            if let Some(snapshot) = outcome.snapshot {
                let diagnostics = guarded("diagnostics", || all_diagnostics(&snapshot)).unwrap_or_default();
                self.publish(uri, diagnostics, snapshot.version, snapshot.generation, false).await;
            }
        }
    }

    /// Index the workspace's test files in the background, with work-done progress when the
    /// client supports it, then re-publish every open document.
    async fn index_tests(&self) {
        let (folders, max) = {
            let st = lock(&self.state);
            (st.folders.clone(), st.options.max_file_size)
        };
        if folders.is_empty() {
            return;
        }
        let token = NumberOrString::String(INDEX_TOKEN.into());
        let progress_supported = self.capabilities.lock().map(|c| c.work_done_progress).unwrap_or(false);
        let progress = if progress_supported
            && self.client.send_request::<request::WorkDoneProgressCreate>(WorkDoneProgressCreateParams { token: token.clone() }).await.is_ok()
        {
            Some(self.client.progress(token, "lanes: indexing tests").with_message("reading test files").with_cancel_button().begin().await)
        } else {
            None
        };
        let cancel = self.index_cancelled.clone();
        cancel.store(false, std::sync::atomic::Ordering::Relaxed);
        let scanned = tokio::task::spawn_blocking(move || test_index::scan(&folders, max, &cancel)).await.unwrap_or_default();
        let cancelled = self.index_cancelled.load(std::sync::atomic::Ordering::Relaxed);
        let files = scanned.len();
        {
            let mut st = lock(&self.state);
            for (path, refs) in scanned {
                st.test_index.set(path, refs);
            }
            st.generation += 1;
        }
        if let Some(p) = progress {
            let message = if cancelled { format!("cancelled; {files} files with tests indexed") } else { format!("{files} files with tests indexed") };
            p.finish_with_message(message).await;
        }
        if files > 0 {
            self.refresh_others(None).await;
        }
    }

    /// Publish unless a newer version was published; with `always` false, also skip results
    /// identical to the last ones (background refreshes).
    async fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: i32, generation: u64, always: bool) {
        let mut published = self.published.lock().await;
        let (current, now) = {
            let st = lock(&self.state);
            (st.docs.get(&uri).map(|d| d.version), st.generation)
        };
        if current != Some(version) || now != generation {
            return;
        }
        match published.get(&uri) {
            Some((v, _)) if *v > version => return,
            Some((v, d)) if !always && *v == version && *d == diagnostics => return,
            _ => {}
        }
        published.insert(uri.clone(), (version, diagnostics.clone()));
        self.client.publish_diagnostics(uri, diagnostics, Some(version)).await;
    }

    /// Diagnostics on broken configuration files, and a message the first time.
    async fn publish_config_errors(&self, errors: &[(PathBuf, crate::config::ConfigError, bool)]) {
        for (path, error, first_time) in errors {
            let Some(uri) = Uri::from_file_path(path) else { continue };
            let line = error.line.saturating_sub(1) as u32;
            let character = error.column.saturating_sub(1) as u32;
            let range = Range { start: Position { line, character }, end: Position { line, character: character + 1 } };
            let diagnostic = Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("lanes".into()),
                message: error.message.clone(),
                ..Diagnostic::default()
            };
            self.client.publish_diagnostics(uri, vec![diagnostic], None).await;
            if *first_time {
                self.client
                    .show_message(MessageType::ERROR, format!("lanes: {error} (the last valid configuration stays in force)"))
                    .await;
            }
        }
    }

    async fn refresh_all(&self) {
        let uris: Vec<Uri> = lock(&self.state).docs.keys().cloned().collect();
        for uri in uris {
            self.refresh(uri).await;
        }
    }

    /// A snapshot of a document at its current version, classifying it first if needed.
    async fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        guarded("analysis", || analyze(&self.state, uri)).flatten().and_then(|o| o.snapshot)
    }

    async fn fetch_settings(&self) {
        if !self.capabilities.lock().map(|c| c.configuration).unwrap_or(false) {
            return;
        }
        let item = ConfigurationItem { scope_uri: None, section: Some("lanes".into()) };
        if let Ok(values) = self.client.configuration(vec![item]).await {
            let mut st = lock(&self.state);
            if let Some(options) = values.first().and_then(|v| st.options.updated(v)) {
                st.options = options;
            }
        }
    }
}

/// Lane diagnostics, then hints on open gates.
fn all_diagnostics(snapshot: &Snapshot) -> Vec<Diagnostic> {
    let mut d = handlers::diagnostics(snapshot);
    d.extend(handlers::gate_hints(snapshot));
    d
}

/// The result of analysing one document.
struct Outcome {
    version: i32,
    snapshot: Option<Snapshot>,
    skipped: Option<String>,
    /// (config file, error, first time this error was seen)
    config_errors: Vec<(PathBuf, crate::config::ConfigError, bool)>,
    /// What the document's tests refer to changed: other documents' gates may change.
    index_changed: bool,
    /// Errors to show once (a configuration file that cannot be read).
    messages: Vec<String>,
}

/// Bring a document's classification up to date. Parses incrementally from the edited tree,
/// outside the lock; stores the new tree only if no edit arrived meanwhile.
fn analyze(state: &Mutex<State>, uri: &Uri) -> Option<Outcome> {
    let mut config_errors = Vec::new();
    let mut messages = Vec::new();
    let (version, language, text, tree, path, ruleset, encoding, options, line_index, mut chunks, generation, folder_path) = {
        let mut guard = lock(state);
        let st = &mut *guard;
        let path = file_path(uri);
        let config_path = st.options.config_path.clone();
        let (_, config) = st.configs.ruleset_for(path.as_deref(), &st.folders, &config_path);
        // Load a configuration on first use; a broken one is retried only when it changes.
        if let Some(config) = config.filter(|c| !st.configs.is_loaded(c) && !st.config_errors.contains_key(c)) {
            match st.configs.load(&config) {
                Ok(()) => {
                    st.config_errors.remove(&config);
                }
                Err(e) => {
                    if let Some(err) = e.downcast_ref::<crate::config::ConfigError>() {
                        let first = st.config_errors.insert(config.clone(), err.to_string()).is_none();
                        config_errors.push((config.clone(), err.clone(), first));
                    } else if st.config_errors.insert(config.clone(), e.to_string()).is_none() {
                        eprintln!("lanes lsp: {e:#}");
                        messages.push(format!("lanes: {e:#} (configuration file {})", config.display()));
                    }
                }
            }
        }
        let (ruleset, _) = st.configs.ruleset_for(path.as_deref(), &st.folders, &config_path);
        // Without a configuration file, globs (the default test paths) match the path inside
        // the workspace folder, as `lanes check` run there would.
        let folder_path = path.as_deref().and_then(|p| {
            st.folders.iter().filter(|f| p.starts_with(f)).max_by_key(|f| f.as_os_str().len()).map(|f| p.strip_prefix(f).unwrap_or(p).to_path_buf())
        });
        let generation = st.generation;
        let encoding = st.encoding;
        let options = st.options.clone();
        let doc = st.docs.get_mut(uri)?;
        if let Some(message) = &doc.skipped {
            return Some(Outcome {
                version: doc.version,
                snapshot: None,
                skipped: Some(message.clone()),
                config_errors,
                index_changed: false,
                messages,
            });
        }
        if let Some((v, c)) = &doc.classification {
            if *v == doc.version {
                let snapshot = Snapshot {
                    uri: uri.clone(),
                    version: *v,
                    generation,
                    text: Arc::from(doc.text.as_str()),
                    line_index: doc.line_index.clone(),
                    classification: c.clone(),
                    tree: doc.tree.clone(),
                    encoding,
                    options,
                };
                return Some(Outcome { version: *v, snapshot: Some(snapshot), skipped: None, config_errors, index_changed: false, messages });
            }
        }
        let text: Arc<str> = Arc::from(doc.text.as_str());
        let chunks = std::mem::take(&mut doc.chunks);
        let tree = doc.tree.clone();
        st.evict_trees(uri);
        let doc = st.docs.get_mut(uri)?;
        (doc.version, doc.language, text, tree, path, ruleset, encoding, options, doc.line_index.clone(), chunks, generation, folder_path)
    };

    let started = std::time::Instant::now();
    let new_tree = syntax::parse(language, &text, tree.as_ref());
    let parsed = started.elapsed();
    let display = path.clone().unwrap_or_else(|| PathBuf::from(uri.path().as_str()));
    let rule_path = ruleset
        .config
        .rule_path(&display)
        .or(folder_path)
        .unwrap_or_else(|| display.file_name().map(PathBuf::from).unwrap_or_default());
    let file = SourceFile { path: &display, rule_path: &rule_path, language, text: &text };
    let mut classification = classify_incremental(&file, &new_tree, &ruleset, &mut chunks, Some(line_index.clone()));

    if std::env::var_os("LANES_LSP_TIMING").is_some() {
        eprintln!("lanes lsp: v{version}: parse {parsed:?}, classify {:?}", started.elapsed() - parsed);
    }
    let mut guard = lock(state);
    // What this document's tests refer to counts for every document; and every test in the
    // workspace counts for this one.
    let guard_generation = guard.generation;
    let index_changed = guard.test_index.set(display.clone(), classification.test_refs.clone());
    guard.test_index.apply(&mut classification);
    let classification = Arc::new(classification);
    if let Some(doc) = guard.docs.get_mut(uri) {
        // The cache is keyed by content, so it stays valid whatever happened meanwhile.
        doc.chunks = chunks;
        if doc.version == version {
            doc.tree = Some(new_tree.clone());
            if guard_generation == generation {
                doc.classification = Some((version, classification.clone()));
            }
        }
    }
    let snapshot = Snapshot { uri: uri.clone(), version, generation, text, line_index, classification, tree: Some(new_tree), encoding, options };
    Some(Outcome { version, snapshot: Some(snapshot), skipped: None, config_errors, index_changed, messages })
}

fn capabilities(encoding: crate::line_index::Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(convert::encoding_kind(encoding)),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::EMPTY, CodeActionKind::QUICKFIX, CodeActionKind::REFACTOR]),
            resolve_provider: Some(true),
            ..CodeActionOptions::default()
        })),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![handlers::EXPLAIN_COMMAND.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

fn folder_paths(params: &InitializeParams) -> Vec<PathBuf> {
    #[allow(deprecated)]
    let root = params.root_uri.as_ref().and_then(file_path);
    let folders: Vec<PathBuf> =
        params.workspace_folders.iter().flatten().filter_map(|f| file_path(&f.uri)).collect();
    if folders.is_empty() {
        root.into_iter().collect()
    } else {
        folders
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = convert::negotiate(params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref()));
        let workspace = params.capabilities.workspace.as_ref();
        let flags = ClientFlags {
            configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
            watch_registration: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            work_done_progress: params
                .capabilities
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            document_changes: workspace.and_then(|w| w.workspace_edit.as_ref()).and_then(|e| e.document_changes).unwrap_or(false),
            create_files: workspace
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.resource_operations.as_ref())
                .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
            resolve_edit: params
                .capabilities
                .text_document
                .as_ref()
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "edit")),
        };
        if let Ok(mut c) = self.capabilities.lock() {
            *c = flags;
        }
        {
            let mut st = lock(&self.state);
            st.encoding = encoding;
            st.folders = folder_paths(&params);
            if let Some(options) = params.initialization_options.as_ref().and_then(ClientOptions::from_value) {
                st.options = options;
            }
        }
        Ok(InitializeResult {
            capabilities: capabilities(encoding),
            server_info: Some(ServerInfo { name: "lanes".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let watch = self.capabilities.lock().map(|c| c.watch_registration).unwrap_or(false);
        if watch {
            // Configuration files, and source files whose tests may change a gate.
            let watchers = ["**/lanes.toml", "**/pyproject.toml", "**/*.py", "**/*.rs"]
                .into_iter()
                .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob.into()), kind: None })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "lanes-config-watcher".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = self.client.register_capability(vec![registration]).await {
                eprintln!("lanes lsp: could not watch configuration files: {e}");
            }
        }
        self.fetch_settings().await;
        // In the background: big workspaces must not hold up the first diagnostics.
        let server = self.clone();
        tokio::spawn(async move { server.index_tests().await });
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let language = Language::from_language_id(&item.language_id)
            .or_else(|| file_path(&item.uri).and_then(|p| Language::from_path(&p)));
        let Some(language) = language else { return };
        {
            let mut st = lock(&self.state);
            let max = st.options.max_file_size;
            let mut doc = Document::new(language, item.version, item.text, max);
            doc.touched = st.tick();
            st.docs.insert(item.uri.clone(), doc);
        }
        self.refresh(item.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let started = std::time::Instant::now();
        let uri = params.text_document.uri;
        {
            let mut st = lock(&self.state);
            let encoding = st.encoding;
            let max = st.options.max_file_size;
            let now = st.tick();
            let Some(doc) = st.docs.get_mut(&uri) else { return };
            doc.touched = now;
            for change in &params.content_changes {
                doc.apply_change(change, encoding);
            }
            doc.version = params.text_document.version;
            doc.skipped = (doc.text.len() > max)
                .then(|| format!("lanes: file not classified: {} bytes is over the {max} byte limit (maxFileSize)", doc.text.len()));
        }
        let applied = started.elapsed();
        self.refresh(uri).await;
        if std::env::var_os("LANES_LSP_TIMING").is_some() {
            eprintln!("lanes lsp: didChange: edits {applied:?}, total {:?}", started.elapsed());
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let removed = lock(&self.state).docs.remove(&uri).is_some();
        self.published.lock().await.remove(&uri);
        if removed {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let before = lock(&self.state).options.config_path.clone();
        let updated = lock(&self.state).options.updated(&params.settings);
        match updated {
            Some(options) => lock(&self.state).options = options,
            None => self.fetch_settings().await,
        }
        {
            // Another configuration file: look at every file again, and report errors anew.
            let mut st = lock(&self.state);
            if st.options.config_path != before {
                st.config_errors.clear();
            }
        }
        self.invalidate_all();
        self.refresh_all().await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // Source files: what their tests refer to (open documents are current already).
        let (configs, sources): (Vec<FileEvent>, Vec<FileEvent>) = params.changes.into_iter().partition(|c| {
            file_path(&c.uri).is_some_and(|p| p.file_name().is_some_and(|n| n == "lanes.toml" || n == "pyproject.toml"))
        });
        if !sources.is_empty() && self.reindex(&sources) {
            self.refresh_others(None).await;
        }
        if configs.is_empty() {
            return;
        }
        let params = DidChangeWatchedFilesParams { changes: configs };
        let mut errors = Vec::new();
        let mut fixed = Vec::new();
        {
            let mut st = lock(&self.state);
            st.configs.rediscover();
            for change in &params.changes {
                let Some(path) = file_path(&change.uri) else { continue };
                if change.typ == FileChangeType::DELETED {
                    st.configs.forget(&path);
                    st.config_errors.remove(&path);
                    fixed.push(change.uri.clone());
                    continue;
                }
                // A broken file keeps the last good rules in force.
                match st.configs.load(&path) {
                    Ok(()) => {
                        st.config_errors.remove(&path);
                        fixed.push(change.uri.clone());
                    }
                    Err(e) => {
                        st.config_errors.insert(path.clone(), e.to_string());
                        if let Some(err) = e.downcast_ref::<crate::config::ConfigError>() {
                            errors.push((path, err.clone(), true));
                        } else {
                            eprintln!("lanes lsp: {e:#}");
                        }
                    }
                }
            }
        }
        for uri in fixed {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
        self.publish_config_errors(&errors).await;
        self.invalidate_all();
        self.refresh_all().await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut st = lock(&self.state);
            let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(|f| file_path(&f.uri)).collect();
            st.folders.retain(|f| !removed.contains(f));
            st.folders.extend(params.event.added.iter().filter_map(|f| file_path(&f.uri)));
        }
        self.invalidate_all();
        self.refresh_all().await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params.position;
        let Some(snapshot) = self.snapshot(&params.text_document_position_params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("hover", || handlers::hover(&snapshot, position)).ok_or_else(|| internal_error("hover"))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri).await else { return Ok(None) };
        guarded("code lens", || Some(handlers::code_lenses(&snapshot))).ok_or_else(|| internal_error("code lens"))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri).await else { return Ok(None) };
        let files = OpenFiles { state: &self.state };
        let ctx = self.action_context(&params.text_document.uri, &files, true);
        guarded("code action", || Some(handlers::code_actions(&snapshot, params.range, &params.context.diagnostics, &ctx)))
            .ok_or_else(|| internal_error("code action"))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let uri = action.data.as_ref().and_then(|d| d.get("uri")).and_then(|u| u.as_str()).and_then(|u| u.parse::<Uri>().ok());
        let Some(uri) = uri else { return Ok(action) };
        let Some(snapshot) = self.snapshot(&uri).await else { return Ok(action) };
        let files = OpenFiles { state: &self.state };
        let ctx = self.action_context(&uri, &files, false);
        guarded("code action resolve", || handlers::resolve_code_action(&snapshot, &ctx, action)).ok_or_else(|| internal_error("code action resolve"))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != handlers::EXPLAIN_COMMAND {
            return Err(Error::invalid_params(format!("unknown command `{}`", params.command)));
        }
        let uri = params.arguments.first().and_then(|v| v.as_str()).and_then(|s| s.parse::<Uri>().ok());
        let position = params.arguments.get(1).and_then(|v| serde_json::from_value::<Position>(v.clone()).ok());
        let (Some(uri), Some(position)) = (uri, position) else {
            return Err(Error::invalid_params("expected [uri, position]"));
        };
        let Some(snapshot) = self.snapshot(&uri).await else { return Ok(None) };
        let markdown = guarded("explain", || handlers::explain_at(&snapshot, position)).ok_or_else(|| internal_error("explain"))?;
        Ok(Some(Value::String(markdown)))
    }
}

impl Server {
    /// What code actions for a document may do, from the client's capabilities and the
    /// document's configuration.
    fn action_context<'a>(&self, uri: &Uri, files: &'a OpenFiles<'a>, listing: bool) -> handlers::ActionContext<'a> {
        let flags = self.capabilities.lock().map(|c| *c).unwrap_or_default();
        let style = {
            let mut guard = lock(&self.state);
            let st = &mut *guard;
            let (ruleset, _) = st.configs.ruleset_for(file_path(uri).as_deref(), &st.folders, &st.options.config_path.clone());
            ruleset.config.fixes.clone()
        };
        handlers::ActionContext {
            files,
            style,
            can_create: flags.document_changes && flags.create_files,
            document_changes: flags.document_changes,
            lazy: listing && flags.resolve_edit,
        }
    }

    /// Re-read the test code of changed files that are not open. True when the index changed.
    fn reindex(&self, changes: &[FileEvent]) -> bool {
        let (folders, max) = {
            let st = lock(&self.state);
            (st.folders.clone(), st.options.max_file_size)
        };
        let mut changed = false;
        for change in changes {
            let Some(path) = file_path(&change.uri) else { continue };
            if lock(&self.state).docs.contains_key(&change.uri) {
                continue;
            }
            let Some(folder) = folders.iter().filter(|f| path.starts_with(f)).max_by_key(|f| f.as_os_str().len()) else { continue };
            let refs = if change.typ == FileChangeType::DELETED { None } else { test_index::read(folder, &path, max) };
            let mut st = lock(&self.state);
            if st.test_index.set(path, refs.unwrap_or_default()) {
                st.generation += 1;
                changed = true;
            }
        }
        changed
    }

    /// `window/workDoneProgress/cancel`: the user stopped the test index.
    async fn cancel_progress(&self, params: WorkDoneProgressCancelParams) {
        if params.token == NumberOrString::String(INDEX_TOKEN.into()) {
            self.index_cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Forget every classification, so that the next analysis uses new settings or rules.
    fn invalidate_all(&self) {
        let mut st = lock(&self.state);
        st.generation += 1;
        for doc in st.docs.values_mut() {
            doc.classification = None;
            doc.chunks = Default::default();
        }
    }
}
