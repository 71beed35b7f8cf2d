//! The language server, in process: `lanes::lsp::serve` runs on its own thread and runtime,
//! over in-memory pipes, and a small test client speaks JSON-RPC to it as an editor would
//! (answering the server's own requests for settings and registrations).
//! Update the snapshots with `UPDATE_EXPECT=1 cargo test --test lsp`.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use expect_test::{expect, expect_file};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

mod common;
use common::TempDir;
use tower_lsp_server::ls_types::request::{
    CodeActionRequest, CodeLensRequest, ExecuteCommand, HoverRequest, Request, Shutdown,
};
use tower_lsp_server::ls_types::{
    CodeActionOrCommand, CodeLens, Diagnostic, DiagnosticSeverity, Hover, HoverContents, NumberOrString, Position,
    Range, Uri,
};

/// Every wait for the server ends after this long, with a panic that says what was awaited.
const LIMIT: Duration = Duration::from_secs(30);

const CHECKOUT_PY: &str = include_str!("fixtures/lsp_ws/checkout.py");
const LEDGER_RS: &str = include_str!("fixtures/lsp_ws/ledger.rs");
const PY_URI: &str = "file:///lanes-test/shop/checkout.py";
const RS_URI: &str = "file:///lanes-test/shop/ledger.rs";

// ---------------------------------------------------------------------------------------
// The test client
// ---------------------------------------------------------------------------------------

/// What the client tells the server in `initialize`.
#[derive(Clone)]
struct Init {
    /// Offer UTF-8 (and UTF-16) in `general.positionEncodings`.
    utf8: bool,
    initialization_options: Option<Value>,
    folders: Vec<PathBuf>,
    /// Advertise `workspace.configuration` and dynamic registration of watched files, so
    /// that the server asks the client for settings and registrations.
    pull: bool,
    /// Advertise `documentChanges`, `CreateFile` and lazy resolution of code-action edits.
    rich_edits: bool,
    /// Leave the server's default `gateHints` (Lane 2) in force; otherwise the tests turn
    /// gate hints off unless their options ask for them, to keep to Lane 3 diagnostics.
    default_hints: bool,
}

impl Default for Init {
    fn default() -> Init {
        Init { utf8: false, initialization_options: None, folders: Vec::new(), pull: true, rich_edits: false, default_hints: false }
    }
}

impl Init {
    fn params(&self) -> Value {
        let mut capabilities = json!({
            "textDocument": {
                "synchronization": { "dynamicRegistration": false, "didSave": true },
                "hover": { "contentFormat": ["markdown", "plaintext"] },
                "codeLens": {},
                "codeAction": {},
                "publishDiagnostics": { "relatedInformation": true, "versionSupport": true },
            },
            "window": { "showMessage": {} },
        });
        if self.pull {
            capabilities["workspace"] = json!({
                "configuration": true,
                "workspaceFolders": true,
                "didChangeConfiguration": { "dynamicRegistration": false },
                "didChangeWatchedFiles": { "dynamicRegistration": true },
            });
        }
        if self.rich_edits {
            capabilities["workspace"]["workspaceEdit"] = json!({ "documentChanges": true, "resourceOperations": ["create"] });
            capabilities["textDocument"]["codeAction"] = json!({ "resolveSupport": { "properties": ["edit"] }, "dataSupport": true });
        }
        if self.utf8 {
            capabilities["general"] = json!({ "positionEncodings": ["utf-8", "utf-16"] });
        } else {
            capabilities["general"] = json!({ "positionEncodings": ["utf-16"] });
        }
        let folders: Vec<Value> = self
            .folders
            .iter()
            .map(|f| json!({ "uri": file_uri(f), "name": f.file_name().unwrap().to_string_lossy() }))
            .collect();
        let mut params = json!({
            "processId": null,
            "clientInfo": { "name": "lanes-tests" },
            "rootUri": null,
            "capabilities": capabilities,
            "workspaceFolders": if folders.is_empty() { Value::Null } else { json!(folders) },
        });
        let mut options = self.initialization_options.clone().unwrap_or_else(|| json!({}));
        let section = if options.get("lanes").is_some() { &mut options["lanes"] } else { &mut options };
        if !self.default_hints && section.get("gateHints").is_none() {
            section["gateHints"] = json!([]);
        }
        params["initializationOptions"] = options;
        params
    }
}

struct TestClient {
    to_server: Option<DuplexStream>,
    incoming: mpsc::UnboundedReceiver<Result<Value, String>>,
    /// Notifications not yet consumed by a test, oldest first.
    notifications: VecDeque<Value>,
    responses: HashMap<i64, Value>,
    /// Every request the server sent to the client.
    server_requests: Vec<Value>,
    next_id: i64,
    /// The answer to `workspace/configuration` (section `lanes`).
    settings: Value,
    exit: Option<oneshot::Receiver<i32>>,
    server: Option<std::thread::JoinHandle<()>>,
}

/// Reads `Content-Length` frames from the server and passes on their JSON bodies. Anything
/// else on the stream (a bad header, a truncated body, invalid JSON or JSON-RPC) is reported
/// as an error and ends the reading.
async fn read_frames(mut from_server: DuplexStream, tx: mpsc::UnboundedSender<Result<Value, String>>) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        while let Some(result) = take_frame(&mut buf) {
            let stop = result.is_err();
            if tx.send(result).is_err() || stop {
                return;
            }
        }
        let mut chunk = [0u8; 8192];
        match from_server.read(&mut chunk).await {
            Ok(0) => {
                if !buf.is_empty() {
                    let _ = tx.send(Err(format!("EOF inside a frame: {:?}", String::from_utf8_lossy(&buf))));
                }
                return;
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => {
                let _ = tx.send(Err(format!("read error: {e}")));
                return;
            }
        }
    }
}

/// Cuts one frame off the front of `buf`: `None` if it is not complete yet.
fn take_frame(buf: &mut Vec<u8>) -> Option<Result<Value, String>> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let header = match std::str::from_utf8(&buf[..end]) {
        Ok(h) => h.to_string(),
        Err(_) => return Some(Err("header is not UTF-8".into())),
    };
    let mut length = None;
    for line in header.split("\r\n") {
        let Some((name, value)) = line.split_once(": ") else {
            return Some(Err(format!("bad header line {line:?}")));
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        } else if !name.eq_ignore_ascii_case("content-type") {
            return Some(Err(format!("unexpected header {line:?}")));
        }
    }
    let Some(length) = length else { return Some(Err(format!("no Content-Length in {header:?}"))) };
    if buf.len() < end + 4 + length {
        return None;
    }
    let body: Vec<u8> = buf[end + 4..end + 4 + length].to_vec();
    buf.drain(..end + 4 + length);
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Some(Err(format!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(&body)))),
    };
    if value.get("jsonrpc") != Some(&json!("2.0")) {
        return Some(Err(format!("not JSON-RPC 2.0: {value}")));
    }
    Some(Ok(value))
}

impl TestClient {
    /// Start a server on its own thread (with its own runtime) behind in-memory pipes.
    fn spawn() -> TestClient {
        let (to_server, server_in) = tokio::io::duplex(1 << 20);
        let (server_out, from_server) = tokio::io::duplex(1 << 20);
        let (exit_tx, exit_rx) = oneshot::channel();
        let server = std::thread::Builder::new()
            .name("lanes-lsp".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let code = runtime.block_on(lanes::lsp::serve(server_in, server_out));
                let _ = exit_tx.send(code);
            })
            .unwrap();
        let (tx, incoming) = mpsc::unbounded_channel();
        tokio::spawn(read_frames(from_server, tx));
        TestClient {
            to_server: Some(to_server),
            incoming,
            notifications: VecDeque::new(),
            responses: HashMap::new(),
            server_requests: Vec::new(),
            next_id: 1,
            settings: Value::Null,
            exit: Some(exit_rx),
            server: Some(server),
        }
    }

    /// A server after `initialize` and `initialized`, and the `initialize` result.
    async fn start_with(init: &Init) -> (TestClient, Value) {
        let mut client = TestClient::spawn();
        let result = client.request_raw("initialize", init.params()).await;
        let result = result.get("result").cloned().unwrap_or_else(|| panic!("initialize failed: {result}"));
        client.notify("initialized", json!({})).await;
        (client, result)
    }

    async fn start(init: &Init) -> TestClient {
        TestClient::start_with(init).await.0
    }

    async fn send(&mut self, message: Value) {
        let bytes = lanes::lsp::transport::frame(message.to_string().as_bytes());
        let pipe = self.to_server.as_mut().expect("the client's output is open");
        tokio::time::timeout(LIMIT, async {
            pipe.write_all(&bytes).await.unwrap();
            pipe.flush().await.unwrap();
        })
        .await
        .expect("timed out writing to the server");
    }

    async fn notify(&mut self, method: &str, params: impl Serialize) {
        let params = serde_json::to_value(params).unwrap();
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params })).await;
    }

    /// Send a request and wait for its response (the whole response object).
    async fn request_raw(&mut self, method: &str, params: impl Serialize) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let params = serde_json::to_value(params).unwrap();
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })).await;
        self.wait_until(&format!("the response to {method} #{id}"), |c| c.responses.remove(&id)).await
    }

    /// Send a typed request; panics on an error response.
    async fn request<R: Request>(&mut self, params: impl Serialize) -> R::Result {
        let response = self.request_raw(R::METHOD, params).await;
        if let Some(error) = response.get("error") {
            panic!("{} failed: {error}", R::METHOD);
        }
        let result = response.get("result").cloned().unwrap_or(Value::Null);
        serde_json::from_value(result.clone())
            .unwrap_or_else(|e| panic!("{} returned {result} which does not fit: {e}", R::METHOD))
    }

    /// One message from the server, or a panic after `deadline`.
    async fn next_message(&mut self, what: &str, deadline: Instant) -> Value {
        match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
            Err(_) => panic!("timed out waiting for {what}; unread notifications: {:#?}", self.notifications),
            Ok(None) => panic!("the server closed its output while we waited for {what}"),
            Ok(Some(Err(e))) => panic!("malformed output from the server: {e}"),
            Ok(Some(Ok(message))) => message,
        }
    }

    /// File a message: answer server requests, keep responses and notifications.
    async fn dispatch(&mut self, message: Value) {
        match (message.get("id"), message.get("method").and_then(Value::as_str)) {
            (Some(id), Some(method)) => {
                let id = id.clone();
                let result = match method {
                    "workspace/configuration" => {
                        let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                        json!(vec![self.settings.clone(); items])
                    }
                    "client/registerCapability" | "client/unregisterCapability" | "window/workDoneProgress/create" => {
                        Value::Null
                    }
                    _ => {
                        self.server_requests.push(message.clone());
                        let error = json!({ "code": -32601, "message": format!("not supported: {method}") });
                        self.send(json!({ "jsonrpc": "2.0", "id": id, "error": error })).await;
                        return;
                    }
                };
                self.server_requests.push(message.clone());
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": result })).await;
            }
            (None, Some(_)) => self.notifications.push_back(message),
            (Some(id), None) => {
                let id = id.as_i64().unwrap_or_else(|| panic!("a response with an unexpected id: {message}"));
                assert!(self.responses.insert(id, message).is_none(), "two responses to request #{id}");
            }
            (None, None) => panic!("neither a request, a response nor a notification: {message}"),
        }
    }

    /// Read messages until `check` finds what it looks for.
    async fn wait_until<T>(&mut self, what: &str, mut check: impl FnMut(&mut TestClient) -> Option<T>) -> T {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(found) = check(self) {
                return found;
            }
            let message = self.next_message(what, deadline).await;
            self.dispatch(message).await;
        }
    }

    /// The next notification `method` whose params satisfy `matches` (removed from the queue).
    async fn wait_notification(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.wait_until(&format!("a {method} notification"), |c| {
            let i = c.notifications.iter().position(|n| n["method"] == method && matches(&n["params"]))?;
            c.notifications.remove(i).map(|n| n["params"].clone())
        })
        .await
    }

    /// The diagnostics published for `uri` at `version` (`None`: published without a
    /// version). Earlier publications for the same URI are dropped.
    async fn wait_diagnostics(&mut self, uri: &str, version: Option<i32>) -> Vec<Diagnostic> {
        let version = version.map_or(Value::Null, |v| json!(v));
        let what = format!("diagnostics for {uri} at version {version}");
        let params = self
            .wait_until(&what, |c| {
                let is_for_uri = |n: &Value| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri;
                let i = c.notifications.iter().position(|n| is_for_uri(n) && n["params"]["version"] == version)?;
                let found = c.notifications.remove(i).unwrap();
                let mut j = 0;
                c.notifications.retain(|n| {
                    j += 1;
                    j > i || !is_for_uri(n)
                });
                Some(found["params"].clone())
            })
            .await;
        serde_json::from_value(params["diagnostics"].clone()).unwrap()
    }

    /// Notifications of `method` received so far (without waiting), removed from the queue.
    fn take_notifications(&mut self, method: &str) -> Vec<Value> {
        let (taken, kept): (Vec<Value>, Vec<Value>) =
            self.notifications.drain(..).partition(|n| n["method"] == method);
        self.notifications = kept.into();
        taken.into_iter().map(|n| n["params"].clone()).collect()
    }

    /// A round trip: everything the server sent for earlier messages has arrived after it.
    async fn sync(&mut self) {
        let hover = self
            .request::<HoverRequest>(json!({
                "textDocument": { "uri": "file:///lanes-test/never-opened.py" },
                "position": { "line": 0, "character": 0 },
            }))
            .await;
        assert!(hover.is_none());
    }

    async fn open(&mut self, uri: &str, language: &str, version: i32, text: &str) -> Vec<Diagnostic> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": version, "text": text } }),
        )
        .await;
        self.wait_diagnostics(uri, Some(version)).await
    }

    /// Send incremental changes and wait for the diagnostics of the new version.
    async fn change(&mut self, uri: &str, version: i32, changes: Value) -> Vec<Diagnostic> {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        )
        .await;
        self.wait_diagnostics(uri, Some(version)).await
    }

    async fn hover(&mut self, uri: &str, position: Position) -> Option<Hover> {
        self.request::<HoverRequest>(json!({ "textDocument": { "uri": uri }, "position": position })).await
    }

    async fn code_lenses(&mut self, uri: &str) -> Option<Vec<CodeLens>> {
        self.request::<CodeLensRequest>(json!({ "textDocument": { "uri": uri } })).await
    }

    /// Wait for the server to end (answering its requests meanwhile) and return its exit code.
    async fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + LIMIT;
        let mut exit = self.exit.take().expect("the server's exit code is awaited once");
        let mut output_open = true;
        let code = loop {
            tokio::select! {
                code = &mut exit => break code.expect("the server thread ended without an exit code"),
                message = self.incoming.recv(), if output_open => match message {
                    Some(Ok(m)) => self.dispatch(m).await,
                    Some(Err(e)) => panic!("malformed output from the server: {e}"),
                    None => output_open = false,
                },
                _ = tokio::time::sleep_until(deadline) => panic!("the server did not exit"),
            }
        };
        self.server.take().unwrap().join().expect("the server thread panicked");
        code
    }

    /// `shutdown` then `exit`: the server must answer null and end with exit code 0.
    async fn shutdown(mut self) {
        let response = self.request_raw(Shutdown::METHOD, Value::Null).await;
        assert_eq!(response.get("result"), Some(&Value::Null), "{response}");
        self.notify("exit", Value::Null).await;
        assert_eq!(self.exit_code().await, 0);
        let unexpected: Vec<&Value> = self.server_requests.iter().filter(|r| {
            !matches!(r["method"].as_str(), Some("workspace/configuration" | "client/registerCapability"))
        }).collect();
        assert!(unexpected.is_empty(), "unexpected server requests: {unexpected:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn file_uri(path: &Path) -> String {
    Uri::from_file_path(path).expect("an absolute path").as_str().to_string()
}

fn pos(line: u32, character: u32) -> Position {
    Position { line, character }
}

/// The UTF-16 position of the first `needle` in `text` (plus `delta` characters).
fn position_of(text: &str, needle: &str, delta: u32) -> Position {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[line_start..].encode_utf16().count() as u32;
    pos(line, character + delta)
}

fn hover_markdown(hover: &Hover) -> &str {
    match &hover.contents {
        HoverContents::Markup(m) => {
            assert_eq!(m.kind, tower_lsp_server::ls_types::MarkupKind::Markdown);
            &m.value
        }
        other => panic!("hover is not Markdown: {other:?}"),
    }
}

/// `(region name, lane)` of each diagnostic, from its `data`.
fn regions(diagnostics: &[Diagnostic]) -> Vec<(String, u64)> {
    diagnostics
        .iter()
        .map(|d| {
            let data = d.data.as_ref().expect("diagnostics carry data");
            (data["region"].as_str().unwrap().to_string(), data["lane"].as_u64().unwrap())
        })
        .collect()
}

fn names(diagnostics: &[Diagnostic]) -> Vec<String> {
    regions(diagnostics).into_iter().map(|(name, _)| name).collect()
}

fn pretty(value: impl Serialize) -> String {
    // Through `Value`, so that object keys are sorted.
    let value = serde_json::to_value(value).unwrap();
    serde_json::to_string_pretty(&value).unwrap() + "\n"
}

/// Diagnostics as JSON, with every occurrence of `uri` replaced by `<uri>`.
fn normalized(diagnostics: &[Diagnostic], uri: &str) -> String {
    pretty(diagnostics).replace(uri, "<uri>")
}


/// The text after an LSP edit, as a client computes it: positions are UTF-16, a column past
/// the end of its line means the end of the line, a line past the end means the end of the
/// text, and a reversed range is read in order. (Lines end at `\n` here.)
fn client_edit(text: &str, range: Range, new_text: &str) -> String {
    let offset = |p: Position| -> usize {
        let mut line_start = 0;
        for _ in 0..p.line {
            match text[line_start..].find('\n') {
                Some(i) => line_start += i + 1,
                None => return text.len(),
            }
        }
        let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
        let mut units = 0;
        for (i, c) in text[line_start..line_end].char_indices() {
            if units >= p.character {
                return line_start + i;
            }
            units += c.len_utf16() as u32;
        }
        line_end
    };
    let (a, b) = (offset(range.start), offset(range.end));
    let (a, b) = (a.min(b), a.max(b));
    format!("{}{}{}", &text[..a], new_text, &text[b..])
}

fn edit(start: Position, end: Position, text: &str) -> Value {
    json!({ "range": { "start": start, "end": end }, "text": text })
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn initialize_capabilities_and_position_encoding() {
    let (client, result) = TestClient::start_with(&Init::default()).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let mut shown = result.clone();
    assert_eq!(shown["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    shown["serverInfo"]["version"] = json!("<version>");
    expect_file!["snapshots/lsp_capabilities.json"].assert_eq(&pretty(&shown));
    client.shutdown().await;

    let (client, utf8) = TestClient::start_with(&Init { utf8: true, ..Init::default() }).await;
    assert_eq!(utf8["capabilities"]["positionEncoding"], "utf-8");
    let mut expected = result.clone();
    expected["capabilities"]["positionEncoding"] = json!("utf-8");
    assert_eq!(utf8, expected, "only the position encoding differs");
    client.shutdown().await;

    // A client that says nothing about encodings gets UTF-16, the protocol's default.
    let mut client = TestClient::spawn();
    let mut params = Init::default().params();
    params["capabilities"].as_object_mut().unwrap().remove("general");
    let response = client.request_raw("initialize", params).await;
    assert_eq!(response["result"]["capabilities"]["positionEncoding"], "utf-16");
    client.notify("initialized", json!({})).await;
    client.shutdown().await;
}

#[tokio::test]
async fn server_registers_config_watchers_and_pulls_settings() {
    let mut client = TestClient::start(&Init::default()).await;
    client.sync().await;
    let methods: Vec<&str> = client.server_requests.iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["client/registerCapability", "workspace/configuration"]);
    let registration = &client.server_requests[0]["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = registration["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/lanes.toml"), "{globs:?}");
    assert_eq!(client.server_requests[1]["params"]["items"][0]["section"], "lanes");
    client.shutdown().await;

    // A client without those capabilities is never asked.
    let mut client = TestClient::start(&Init { pull: false, ..Init::default() }).await;
    let diagnostics = client.open(PY_URI, "python", 1, CHECKOUT_PY).await;
    assert_eq!(names(&diagnostics), ["refund_charge"]);
    assert!(client.server_requests.is_empty(), "{:?}", client.server_requests);
    client.shutdown().await;
}

#[tokio::test]
async fn did_open_publishes_lane_3_diagnostics() {
    let mut client = TestClient::start(&Init::default()).await;
    let python = client.open(PY_URI, "python", 7, CHECKOUT_PY).await;
    assert_eq!(regions(&python), [("refund_charge".to_string(), 3)]);
    let d = &python[0];
    assert_eq!(d.range, Range { start: position_of(CHECKOUT_PY, "refund_charge(", 0), end: position_of(CHECKOUT_PY, "(charge_id)", 0) });
    assert_eq!(d.severity, Some(DiagnosticSeverity::INFORMATION));
    assert_eq!(d.source.as_deref(), Some("lanes"));
    assert_eq!(d.code, Some(NumberOrString::String("billing.money".into())));
    assert!(d.message.starts_with("Lane 3 (billing): "), "{}", d.message);
    assert!(d.message.ends_with("— human-curated implementation; open gates: tests, review"), "{}", d.message);
    let related = d.related_information.as_ref().unwrap();
    assert_eq!(related.len(), 2, "{related:?}");
    assert!(related.iter().all(|r| r.location.uri.as_str() == PY_URI));
    assert!(related[1].message.starts_with("billing.payment-api: calls a payment provider API: `stripe.Refund.create("), "{}", related[1].message);
    let published = json!({ "uri": PY_URI, "version": 7, "diagnostics": python });
    expect_file!["snapshots/lsp_diagnostics_python.json"].assert_eq(&pretty(&published));

    let rust = client.open(RS_URI, "rust", 3, LEDGER_RS).await;
    // `impl Ledger` is Lane 3 through its method only: no diagnostic of its own.
    assert_eq!(regions(&rust), [("first_byte".to_string(), 3), ("purge_snapshots".to_string(), 3)]);
    let purge = &rust[1];
    assert_eq!(purge.code, Some(NumberOrString::String("irreversible.delete-files".into())));
    assert_eq!(purge.range.start, position_of(LEDGER_RS, "purge_snapshots", 0));
    let published = json!({ "uri": RS_URI, "version": 3, "diagnostics": rust });
    expect_file!["snapshots/lsp_diagnostics_rust.json"].assert_eq(&pretty(&published));

    // Closing a document clears its diagnostics.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": RS_URI } })).await;
    assert!(client.wait_diagnostics(RS_URI, None).await.is_empty());
    assert!(client.hover(RS_URI, pos(0, 0)).await.is_none());
    client.shutdown().await;
}

#[tokio::test]
async fn incremental_changes_move_a_function_between_lanes() {
    let mut client = TestClient::start(&Init::default()).await;
    let mut text = CHECKOUT_PY.to_string();
    assert_eq!(names(&client.open(PY_URI, "python", 1, &text).await), ["refund_charge"]);

    // Lane 2 → Lane 3: `tidy` deletes a directory tree.
    let at = position_of(&text, "    return p\n", 0);
    let insert = "    shutil.rmtree(p)\n";
    text = client_edit(&text, Range { start: at, end: at }, insert);
    let diagnostics = client.change(PY_URI, 2, json!([edit(at, at, insert)])).await;
    assert_eq!(regions(&diagnostics), [("refund_charge".to_string(), 3), ("tidy".to_string(), 3)]);
    let tidy = &diagnostics[1];
    assert_eq!(tidy.code, Some(NumberOrString::String("irreversible.delete-files".into())));
    assert_eq!(tidy.range.start, position_of(&text, "tidy", 0));
    assert_eq!(tidy.related_information.as_ref().unwrap()[0].location.range.start, pos(at.line, 4));

    // And back, in two changes of one notification: delete the call, then retype the name.
    let end = pos(at.line + 1, 0);
    let second = edit(position_of(&text, "def tidy", 4), position_of(&text, "def tidy", 8), "tidy");
    text = client_edit(&text, Range { start: at, end }, "");
    let diagnostics = client.change(PY_URI, 3, json!([edit(at, end, ""), second])).await;
    assert_eq!(text, CHECKOUT_PY);
    assert_eq!(names(&diagnostics), ["refund_charge"]);

    // A Lane 3 function can also lose its evidence: rename `refund_charge` and drop Stripe.
    let start = position_of(&text, "    refund = stripe", 0);
    let end = position_of(&text, "    log.info(\"refunded", 0);
    let diagnostics = client.change(PY_URI, 4, json!([edit(start, end, "    refund = None\n")])).await;
    assert_eq!(names(&diagnostics), ["refund_charge"], "the name alone is billing evidence");
    let name_start = position_of(&text, "refund_charge(", 0);
    let name_end = position_of(&text, "refund_charge(", 13);
    let diagnostics = client.change(PY_URI, 5, json!([edit(name_start, name_end, "summary")])).await;
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    client.shutdown().await;
}

#[tokio::test]
async fn hover_explains_the_innermost_region() {
    let mut client = TestClient::start(&Init::default()).await;
    client.open(PY_URI, "python", 1, CHECKOUT_PY).await;

    let hover = client.hover(PY_URI, position_of(CHECKOUT_PY, "refund_charge(", 3)).await.expect("a hover");
    let name = Range { start: position_of(CHECKOUT_PY, "refund_charge(", 0), end: position_of(CHECKOUT_PY, "(charge_id)", 0) };
    assert_eq!(hover.range, Some(name));
    let markdown = hover_markdown(&hover).to_string();
    assert!(markdown.starts_with("### Lane 3 · billing\n"), "{markdown}");
    expect_file!["snapshots/lsp_hover.md"].assert_eq(&markdown);
    // Anywhere in the body explains the same function.
    let inside = client.hover(PY_URI, position_of(CHECKOUT_PY, "log.info(\"refunded", 2)).await.unwrap();
    assert_eq!(hover_markdown(&inside), markdown);

    let lane2 = client.hover(PY_URI, position_of(CHECKOUT_PY, "return p\n", 0)).await.unwrap();
    assert!(hover_markdown(&lane2).starts_with("### Lane 2 · core\n`tidy` (function, lines 22–23)"), "{}", hover_markdown(&lane2));
    let lane1 = client.hover(PY_URI, position_of(CHECKOUT_PY, "test_empty", 0)).await.unwrap();
    assert!(hover_markdown(&lane1).starts_with("### Lane 1 · test\n`test_empty` (method, "), "{}", hover_markdown(&lane1));

    // Between the functions: the module.
    let module = client.hover(PY_URI, pos(9, 0)).await.unwrap();
    assert!(hover_markdown(&module).starts_with("### Lane 3 · billing\n`checkout` (module, "), "{}", hover_markdown(&module));
    assert_eq!(module.range, None);

    // Rust, in the other document.
    client.open(RS_URI, "rust", 1, LEDGER_RS).await;
    let unsafe_fn = client.hover(RS_URI, position_of(LEDGER_RS, "first_byte", 0)).await.unwrap();
    assert!(hover_markdown(&unsafe_fn).starts_with("### Lane 3 · security\n`first_byte` (method, "), "{}", hover_markdown(&unsafe_fn));
    let test_fn = client.hover(RS_URI, position_of(LEDGER_RS, "fn sums", 3)).await.unwrap();
    assert!(hover_markdown(&test_fn).starts_with("### Lane 1 · test\n`sums` (function, "), "{}", hover_markdown(&test_fn));

    // Past the end of the file.
    let lines = CHECKOUT_PY.lines().count() as u32;
    let past_eof = client.hover(PY_URI, pos(lines + 5, 0)).await;
    // Past the last line there is nothing to explain.
    assert!(past_eof.is_none(), "{past_eof:?}");
    let _ = &module;
    // A document that is not open has no hover.
    assert!(client.hover("file:///lanes-test/shop/unknown.py", pos(0, 0)).await.is_none());
    client.shutdown().await;
}

#[tokio::test]
async fn code_lenses_show_each_lane() {
    let mut client = TestClient::start(&Init::default()).await;
    client.open(PY_URI, "python", 1, CHECKOUT_PY).await;
    client.open(RS_URI, "rust", 1, LEDGER_RS).await;
    let mut shown = String::new();
    for (uri, text) in [(PY_URI, CHECKOUT_PY), (RS_URI, LEDGER_RS)] {
        let lenses = client.code_lenses(uri).await.expect("lenses");
        shown.push_str(&format!("{}\n", uri.rsplit('/').next().unwrap()));
        for lens in &lenses {
            let command = lens.command.as_ref().expect("resolved lenses");
            assert_eq!(command.command, "lanes.explain");
            assert_eq!(command.arguments, Some(vec![json!(uri), json!(lens.range.start)]));
            let line = text.lines().nth(lens.range.start.line as usize).unwrap();
            let name: String = line.chars().skip(lens.range.start.character as usize).take((lens.range.end.character - lens.range.start.character) as usize).collect();
            shown.push_str(&format!("  {}:{} {name}: {}\n", lens.range.start.line + 1, lens.range.start.character, command.title));
        }
    }
    expect_file!["snapshots/lsp_code_lenses.txt"].assert_eq(&shown);
    assert!(shown.contains("refund_charge: Lane 3 · billing"), "{shown}");
    assert!(shown.contains("tidy: Lane 2 · core"), "{shown}");
    client.shutdown().await;

    let options = json!({ "codeLens": false });
    let mut client = TestClient::start(&Init { initialization_options: Some(options), ..Init::default() }).await;
    client.open(PY_URI, "python", 1, CHECKOUT_PY).await;
    assert_eq!(client.code_lenses(PY_URI).await, Some(vec![]));
    client.shutdown().await;
}

#[tokio::test]
async fn code_action_and_explain_command_give_the_hover_markdown() {
    let mut client = TestClient::start(&Init::default()).await;
    let diagnostics = client.open(PY_URI, "python", 1, CHECKOUT_PY).await;
    let at = position_of(CHECKOUT_PY, "refund_charge(", 0);
    let hover = client.hover(PY_URI, at).await.unwrap();

    let actions = client
        .request::<CodeActionRequest>(json!({
            "textDocument": { "uri": PY_URI },
            "range": diagnostics[0].range,
            "context": { "diagnostics": diagnostics },
        }))
        .await
        .expect("actions");
    // First the explanation; Lane 3 also gets the review and checklist actions (see
    // `lane_3_actions_record_a_review_and_a_checklist`).
    let [CodeActionOrCommand::CodeAction(action), _, _] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!(action.title, "Explain the lane of `refund_charge` (Lane 3 · billing)");
    assert_eq!(action.diagnostics.as_ref(), Some(&diagnostics));
    let command = action.command.clone().expect("a command");
    assert_eq!(command.command, "lanes.explain");
    assert_eq!(command.arguments, Some(vec![json!(PY_URI), json!(at)]));

    let explained = client
        .request::<ExecuteCommand>(json!({ "command": command.command, "arguments": command.arguments }))
        .await;
    assert_eq!(explained, Some(json!(hover_markdown(&hover))));

    // A code action outside any function explains the module.
    let actions = client
        .request::<CodeActionRequest>(json!({
            "textDocument": { "uri": PY_URI },
            "range": { "start": pos(9, 0), "end": pos(9, 0) },
            "context": { "diagnostics": [] },
        }))
        .await
        .unwrap();
    let [CodeActionOrCommand::CodeAction(action)] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!(action.title, "Explain the lane of module `checkout` (Lane 3 · billing)");
    assert_eq!(action.diagnostics, None);

    // Bad commands are errors, not crashes.
    let unknown = client.request_raw("workspace/executeCommand", json!({ "command": "lanes.nope", "arguments": [] })).await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    let bad = client.request_raw("workspace/executeCommand", json!({ "command": "lanes.explain", "arguments": [1] })).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let closed = client
        .request::<ExecuteCommand>(json!({ "command": "lanes.explain", "arguments": ["file:///lanes-test/x.py", at] }))
        .await;
    assert_eq!(closed, None);
    client.shutdown().await;
}

const ENC_PY: &str = "import os\nlabel = \"é中🙂\"; os.system(\"ls\")\n";
const ENC_RS: &str = "pub struct T;\nconst L: &str = \"é中🙂\"; unsafe impl Send for T {}\n";

#[tokio::test]
async fn multibyte_positions_in_utf16_and_utf8() {
    // (encoding, python start/end, rust start/end) on line 1; counted by hand:
    // `label = "` 9 + é 1|2 + 中 1|3 + 🙂 2|4 + `"; ` 3, then `os.system("ls")` 15;
    // `const L: &str = "` 17 + 4|9 + `"; unsafe impl Send for ` 24, then `T`.
    for (utf8, py, rs) in [(false, (16, 31), (45, 46)), (true, (21, 36), (50, 51))] {
        let mut client = TestClient::start(&Init { utf8, ..Init::default() }).await;
        let python = client.open("file:///lanes-test/enc/enc.py", "python", 1, ENC_PY).await;
        let [d] = &python[..] else { panic!("{python:?}") };
        assert_eq!(d.code, Some(NumberOrString::String("security.shell".into())));
        assert_eq!(d.range, Range { start: pos(1, py.0), end: pos(1, py.1) }, "utf8: {utf8}");
        // A hover at the diagnostic's start explains the module, whose evidence it is.
        let hover = client.hover("file:///lanes-test/enc/enc.py", pos(1, py.0)).await.unwrap();
        assert!(hover_markdown(&hover).contains("`os.system(\"ls\")`"), "{}", hover_markdown(&hover));

        let rust = client.open("file:///lanes-test/enc/enc.rs", "rust", 1, ENC_RS).await;
        let [d] = &rust[..] else { panic!("{rust:?}") };
        assert_eq!(d.range, Range { start: pos(1, rs.0), end: pos(1, rs.1) }, "utf8: {utf8}");
        let hover = client.hover("file:///lanes-test/enc/enc.rs", pos(1, rs.0)).await.unwrap();
        assert_eq!(hover.range, Some(d.range));
        // Lenses are for functions, methods and classes only.
        assert_eq!(client.code_lenses("file:///lanes-test/enc/enc.rs").await, Some(vec![]));

        // An edit after the multi-byte characters, in the negotiated unit: `T` → `Tx`.
        let at = pos(1, rs.1);
        let rust = client.change("file:///lanes-test/enc/enc.rs", 2, json!([edit(at, at, "x")])).await;
        assert_eq!(rust.len(), 1);
        assert_eq!(rust[0].range, Range { start: pos(1, rs.0), end: pos(1, rs.1 + 1) }, "utf8: {utf8}");
        assert_eq!(rust[0].data.as_ref().unwrap()["region"], "Send for Tx");
        client.shutdown().await;
    }
}

#[tokio::test]
async fn non_file_uris_work() {
    let mut client = TestClient::start(&Init::default()).await;
    let uri = "untitled:Untitled-1";
    let diagnostics = client.open(uri, "python", 1, CHECKOUT_PY).await;
    assert_eq!(names(&diagnostics), ["refund_charge"]);
    assert!(diagnostics[0].related_information.as_ref().unwrap().iter().all(|r| r.location.uri.as_str() == uri));
    let hover = client.hover(uri, position_of(CHECKOUT_PY, "refund_charge", 0)).await.unwrap();
    assert!(hover_markdown(&hover).starts_with("### Lane 3 · billing"));
    assert!(!client.code_lenses(uri).await.unwrap().is_empty());
    let at = position_of(CHECKOUT_PY, "    return p\n", 0);
    let changed = client.change(uri, 2, json!([edit(at, at, "    shutil.rmtree(p)\n")])).await;
    assert_eq!(names(&changed), ["refund_charge", "tidy"]);
    // Other schemes and an unknown language: ignored, and the server keeps serving.
    client
        .notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": "vscode-notebook-cell:/x.ipynb#W0", "languageId": "plaintext", "version": 1, "text": "x" } }),
        )
        .await;
    let other = client.open("git:/lanes-test/shop/ledger.rs?HEAD", "rust", 1, LEDGER_RS).await;
    assert_eq!(names(&other), ["first_byte", "purge_snapshots"]);
    client.shutdown().await;
}

#[tokio::test]
async fn settings_from_initialization_options_and_did_change_configuration() {
    let options = json!({ "severity": "warning", "diagnosticLanes": [2, 3] });
    let mut client = TestClient::start(&Init { initialization_options: Some(options), ..Init::default() }).await;
    let diagnostics = client.open(PY_URI, "python", 4, CHECKOUT_PY).await;
    assert_eq!(
        regions(&diagnostics),
        [
            ("cart_total".to_string(), 2),
            ("refund_charge".to_string(), 3),
            ("tidy".to_string(), 2),
            ("Orders".to_string(), 2),
            ("__init__".to_string(), 2),
        ]
    );
    assert!(diagnostics.iter().all(|d| d.severity == Some(DiagnosticSeverity::WARNING)));
    let lane2 = &diagnostics[2];
    assert!(lane2.message.starts_with("Lane 2 (core): "), "{}", lane2.message);
    assert!(lane2.message.contains("generated code on well-defined sub-problems"), "{}", lane2.message);

    // New settings arrive in the notification: everything is republished at the same version.
    client.notify("workspace/didChangeConfiguration", json!({ "settings": { "lanes": { "severity": "hint" } } })).await;
    let diagnostics = client.wait_diagnostics(PY_URI, Some(4)).await;
    assert!(diagnostics.iter().all(|d| d.severity == Some(DiagnosticSeverity::HINT)), "{diagnostics:?}");
    // Only the settings in the notification change: `diagnosticLanes` stays [2, 3].
    assert_eq!(names(&diagnostics).len(), 5, "{diagnostics:?}");

    // An empty notification makes the server pull the settings from the client.
    client.settings = json!({ "severity": "error", "diagnosticLanes": [1] });
    client.notify("workspace/didChangeConfiguration", json!({ "settings": null })).await;
    let diagnostics = client.wait_diagnostics(PY_URI, Some(4)).await;
    assert_eq!(names(&diagnostics), ["label", "TestCart", "test_empty"]);
    assert!(diagnostics.iter().all(|d| d.severity == Some(DiagnosticSeverity::ERROR)));
    assert_eq!(client.server_requests.iter().filter(|r| r["method"] == "workspace/configuration").count(), 2);
    client.shutdown().await;
}

#[tokio::test]
async fn settings_pulled_after_initialized() {
    let mut client = TestClient::spawn();
    client.settings = json!({ "severity": "error", "codeLens": false });
    let response = client.request_raw("initialize", Init::default().params()).await;
    assert!(response.get("result").is_some());
    client.notify("initialized", json!({})).await;
    let diagnostics = client.open(PY_URI, "python", 1, CHECKOUT_PY).await;
    assert_eq!(diagnostics[0].severity, Some(DiagnosticSeverity::ERROR));
    assert_eq!(client.code_lenses(PY_URI).await, Some(vec![]));
    client.shutdown().await;
}

const LANES_TOML: &str = "# lanes.toml of a test workspace\n[[paths]]\nglob = \"billing/**\"\nlane = 3\ncategory = \"billing\"\nreason = \"invoices are legal documents\"\n";
const ROWS_PY: &str = "def render_row(row):\n    return str(row)\n";

#[tokio::test]
async fn workspace_configuration_and_its_errors() {
    let dir = TempDir::new("config");
    let workspace = dir.0.join("ws");
    let config = dir.file("ws/lanes.toml", LANES_TOML);
    let rows = dir.file("ws/billing/rows.py", ROWS_PY);
    let elsewhere = dir.file("ws/web/rows.py", ROWS_PY);
    let (config_uri, rows_uri, elsewhere_uri) = (file_uri(&config), file_uri(&rows), file_uri(&elsewhere));

    let mut client = TestClient::start(&Init { folders: vec![workspace.clone()], ..Init::default() }).await;
    let diagnostics = client.open(&rows_uri, "python", 1, ROWS_PY).await;
    // One on the module (whose own evidence the path rule is: at the start of the file) and
    // one on the function, which inherits it.
    let [module, function] = &diagnostics[..] else { panic!("{diagnostics:?}") };
    assert_eq!(module.range, Range { start: pos(0, 0), end: pos(0, 0) });
    assert_eq!(module.data.as_ref().unwrap()["kind"], "module");
    assert_eq!(function.range, Range { start: pos(0, 4), end: pos(0, 14) });
    for (d, gates) in [(module, ""), (function, "; open gates: tests, observability, review")] {
        assert_eq!(d.code, Some(NumberOrString::String("path".into())));
        assert_eq!(
            d.message,
            format!("Lane 3 (billing): invoices are legal documents: path rule `billing/**` — human-curated implementation{gates}")
        );
    }
    assert!(client.open(&elsewhere_uri, "python", 1, ROWS_PY).await.is_empty());
    let good = normalized(&diagnostics, &rows_uri);

    // A broken configuration: an error on lanes.toml at the offending line, a message, and
    // the last good configuration stays in force.
    let broken = LANES_TOML.replace("lane = 3", "lane = 7");
    std::fs::write(&config, &broken).unwrap();
    let changed = json!({ "changes": [{ "uri": config_uri, "type": 2 }] });
    client.notify("workspace/didChangeWatchedFiles", changed.clone()).await;
    let errors = client.wait_diagnostics(&config_uri, None).await;
    let [error] = &errors[..] else { panic!("{errors:?}") };
    assert_eq!(error.range, Range { start: pos(3, 7), end: pos(3, 8) });
    assert_eq!(error.severity, Some(DiagnosticSeverity::ERROR));
    assert_eq!(error.source.as_deref(), Some("lanes"));
    assert!(error.message.contains("lane must be 1, 2 or 3"), "{}", error.message);
    let message = client.wait_notification("window/showMessage", |_| true).await;
    assert_eq!(message["type"], 1);
    let text = message["message"].as_str().unwrap();
    assert!(text.contains("lanes.toml:4:8") && text.contains("the last valid configuration stays in force"), "{text}");
    let republished = client.wait_diagnostics(&rows_uri, Some(1)).await;
    assert_eq!(normalized(&republished, &rows_uri), good);

    // A syntax error on another line.
    std::fs::write(&config, LANES_TOML.replace("glob = \"billing/**\"", "glob = \"billing/**")).unwrap();
    client.notify("workspace/didChangeWatchedFiles", changed.clone()).await;
    let errors = client.wait_diagnostics(&config_uri, None).await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].range.start.line, 2, "{errors:?}");
    client.wait_notification("window/showMessage", |m| m["type"] == 1).await;
    assert_eq!(normalized(&client.wait_diagnostics(&rows_uri, Some(1)).await, &rows_uri), good);

    // Fixed, with another reason: the errors are cleared and the document republished.
    std::fs::write(&config, LANES_TOML.replace("invoices are legal documents", "kept for ten years")).unwrap();
    client.notify("workspace/didChangeWatchedFiles", changed.clone()).await;
    assert!(client.wait_diagnostics(&config_uri, None).await.is_empty());
    let diagnostics = client.wait_diagnostics(&rows_uri, Some(1)).await;
    assert_eq!(diagnostics.len(), 2);
    assert!(diagnostics[1].message.contains("kept for ten years"), "{}", diagnostics[1].message);
    client.sync().await;
    assert!(client.take_notifications("window/showMessage").is_empty());

    // Deleted: the built-in rules apply again.
    std::fs::remove_file(&config).unwrap();
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": config_uri, "type": 3 }] })).await;
    assert!(client.wait_diagnostics(&rows_uri, Some(1)).await.is_empty());
    client.shutdown().await;
}

#[tokio::test]
async fn the_config_path_setting_chooses_the_configuration_file() {
    let dir = TempDir::new("config-path");
    let workspace = dir.0.join("ws");
    let config = dir.file("ws/settings/lanes-rules.toml", LANES_TOML);
    let rows = dir.file("ws/billing/rows.py", ROWS_PY);
    let uri = file_uri(&rows);
    let reasons = |d: &[Diagnostic]| d.iter().map(|d| d.message.contains("invoices are legal documents")).collect::<Vec<_>>();

    // Relative to the workspace folder; its globs match paths inside the folder.
    let options = json!({ "configPath": "settings/lanes-rules.toml" });
    let init = Init { folders: vec![workspace.clone()], initialization_options: Some(options), ..Init::default() };
    let mut client = TestClient::start(&init).await;
    assert_eq!(reasons(&client.open(&uri, "python", 1, ROWS_PY).await), [true, true]);

    // A file that cannot be read: the built-in rules, and one message naming the file.
    let missing = json!({ "settings": { "lanes": { "configPath": "nowhere.toml" } } });
    client.notify("workspace/didChangeConfiguration", missing).await;
    assert!(client.wait_diagnostics(&uri, Some(1)).await.is_empty());
    let message = client.wait_notification("window/showMessage", |m| m["type"] == 1).await;
    let text = message["message"].as_str().unwrap();
    assert!(text.contains("cannot read") && text.contains("nowhere.toml"), "{text}");

    // Empty: the nearest configuration again (there is none above billing/).
    client.notify("workspace/didChangeConfiguration", json!({ "settings": { "lanes": { "configPath": "" } } })).await;
    assert!(client.wait_diagnostics(&uri, Some(1)).await.is_empty());

    // Absolute.
    let absolute = json!({ "settings": { "lanes": { "configPath": config.to_str().unwrap() } } });
    client.notify("workspace/didChangeConfiguration", absolute).await;
    assert_eq!(reasons(&client.wait_diagnostics(&uri, Some(1)).await), [true, true]);
    client.sync().await;
    assert!(client.take_notifications("window/showMessage").is_empty());
    client.shutdown().await;
}

#[tokio::test]
async fn a_broken_configuration_at_first_open() {
    let dir = TempDir::new("broken-first");
    let config = dir.file("lanes.toml", "default-lane = 9\n");
    let rows = dir.file("billing/rows.py", ROWS_PY);
    let mut client = TestClient::start(&Init { folders: vec![dir.0.clone()], ..Init::default() }).await;
    let diagnostics = client.open(&file_uri(&rows), "python", 1, ROWS_PY).await;
    assert!(diagnostics.is_empty(), "built-in rules: {diagnostics:?}");
    let errors = client.wait_diagnostics(&file_uri(&config), None).await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].range.start, pos(0, 15));
    client.wait_notification("window/showMessage", |m| m["type"] == 1).await;
    // A second document under the same broken file: no second message.
    client.open(&file_uri(&dir.file("web/a.py", ROWS_PY)), "python", 1, ROWS_PY).await;
    client.sync().await;
    assert!(client.take_notifications("window/showMessage").is_empty());
    client.shutdown().await;
}

#[tokio::test]
async fn each_workspace_folder_has_its_own_configuration() {
    let dir = TempDir::new("folders");
    // A configuration above both folders, which must not apply to either.
    dir.file("lanes.toml", "[[paths]]\nglob = \"**\"\nlane = 3\nreason = \"the parent's rule\"\n");
    dir.file("a/lanes.toml", LANES_TOML);
    dir.file("b/lanes.toml", LANES_TOML.replace("invoices are legal documents", "folder b's ledgers"));
    dir.file("b/sub/lanes.toml", "[[paths]]\nglob = \"billing/**\"\nlane = 1\n");
    let a = dir.file("a/billing/rows.py", ROWS_PY);
    let b = dir.file("b/billing/rows.py", ROWS_PY);
    let nested = dir.file("b/sub/billing/rows.py", ROWS_PY);
    let plain = dir.file("a/web/rows.py", ROWS_PY);
    let outside = dir.file("c/billing/rows.py", ROWS_PY);
    let folders = vec![dir.0.join("a"), dir.0.join("b")];
    let mut client = TestClient::start(&Init { folders, ..Init::default() }).await;

    let message = |d: &[Diagnostic]| d.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("\n");
    let in_a = client.open(&file_uri(&a), "python", 1, ROWS_PY).await;
    assert!(message(&in_a).contains("invoices are legal documents"), "{in_a:?}");
    let in_b = client.open(&file_uri(&b), "python", 1, ROWS_PY).await;
    assert!(message(&in_b).contains("folder b's ledgers"), "{in_b:?}");
    // The nearest configuration wins; outside of every folder the built-in rules apply.
    assert!(client.open(&file_uri(&nested), "python", 1, ROWS_PY).await.is_empty());
    assert!(client.open(&file_uri(&plain), "python", 1, ROWS_PY).await.is_empty());
    assert!(client.open(&file_uri(&outside), "python", 1, ROWS_PY).await.is_empty());

    // A folder removed: its files fall back to the built-in rules.
    let removed = json!({ "event": { "added": [], "removed": [{ "uri": file_uri(&dir.0.join("b")), "name": "b" }] } });
    client.notify("workspace/didChangeWorkspaceFolders", removed).await;
    assert!(client.wait_diagnostics(&file_uri(&b), Some(1)).await.is_empty());
    let still = client.wait_diagnostics(&file_uri(&a), Some(1)).await;
    assert_eq!(message(&still), message(&in_a));
    client.shutdown().await;
}

#[tokio::test]
async fn a_configuration_under_the_working_directory() {
    // Editors usually start the server in the workspace: the configuration's path rules must
    // still match when the workspace is the server's working directory (or below it).
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp_ws/project");
    let rows = workspace.join("billing/rows.py");
    let text = std::fs::read_to_string(&rows).unwrap();
    let mut client = TestClient::start(&Init { folders: vec![workspace.clone()], ..Init::default() }).await;
    let diagnostics = client.open(&file_uri(&rows), "python", 1, &text).await;
    // Regression: the configuration's root used to become relative under the working
    // directory, and no glob matched.
    let codes: Vec<String> = diagnostics
        .iter()
        .map(|d| match &d.code {
            Some(NumberOrString::String(c)) => c.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(codes, ["path", "path"], "{diagnostics:?}");
    client.shutdown().await;
}

#[tokio::test]
async fn documents_over_max_file_size_are_not_classified() {
    let options = json!({ "lanes": { "maxFileSize": 1000 } });
    let mut client = TestClient::start(&Init { initialization_options: Some(options), ..Init::default() }).await;
    let padding = "# padding to go over the limit\n".repeat(12);
    let large = format!("{CHECKOUT_PY}{padding}");
    assert!(large.len() > 1000 && CHECKOUT_PY.len() < 1000);
    let diagnostics = client.open(PY_URI, "python", 1, &large).await;
    assert!(diagnostics.is_empty());
    let message = client.wait_notification("window/showMessage", |_| true).await;
    assert_eq!(message["type"], 2);
    let text = message["message"].as_str().unwrap();
    assert!(text.contains(&format!("{} bytes is over the 1000 byte limit (maxFileSize)", large.len())), "{text}");
    assert!(client.hover(PY_URI, position_of(CHECKOUT_PY, "refund_charge", 0)).await.is_none());
    assert_eq!(client.code_lenses(PY_URI).await, None);

    // The server keeps serving: a small document is classified.
    let small = "import shutil\n\ndef wipe(p):\n    shutil.rmtree(p)\n";
    assert_eq!(names(&client.open("file:///lanes-test/small.py", "python", 1, small).await), ["wipe"]);
    // And the large one once an edit brings it under the limit.
    let cut = position_of(&large, "# padding", 0);
    let end = pos(large.lines().count() as u32 + 1, 0);
    let diagnostics = client.change(PY_URI, 2, json!([edit(cut, end, "")])).await;
    assert_eq!(names(&diagnostics), ["refund_charge"]);
    assert!(client.hover(PY_URI, position_of(CHECKOUT_PY, "refund_charge", 0)).await.is_some());
    client.shutdown().await;
}

#[tokio::test]
async fn out_of_range_and_reversed_edits_keep_the_state_consistent() {
    let mut client = TestClient::start(&Init::default()).await;
    let uri = "file:///lanes-test/edits/a.py";
    let mut text = CHECKOUT_PY.to_string();
    client.open(uri, "python", 1, &text).await;
    let lines = text.lines().count() as u32;

    let at = position_of(&text, "    return p\n", 0);
    let changes = [
        // Past the end of the file: appended.
        (Range { start: pos(lines + 10, 3), end: pos(lines + 20, 0) }, "\n\ndef wipe(d):\n    shutil.rmtree(d)\n"),
        // Reversed: read in order.
        (Range { start: pos(at.line, 12), end: at }, "    shutil.rmtree(p)\n    return p"),
        // A column past the end of its line: the end of the line.
        (Range { start: pos(0, 500), end: pos(0, 900) }, "  # edited"),
        // Both ends past the end of a line: an insertion before its line break.
        (Range { start: pos(2, 99), end: pos(2, 42) }, ", os"),
    ];
    let mut version = 1;
    for (range, new_text) in changes {
        text = client_edit(&text, range, new_text);
        version += 1;
        client.change(uri, version, json!([{ "range": range, "text": new_text }])).await;
    }
    // A change for a document that is not open is ignored.
    client
        .notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": "file:///lanes-test/edits/never.py", "version": 2 },
                "contentChanges": [{ "range": { "start": pos(0, 0), "end": pos(0, 0) }, "text": "x" }],
            }),
        )
        .await;
    let hover = client.hover(uri, position_of(&text, "wipe", 0)).await.unwrap();
    assert!(hover_markdown(&hover).starts_with("### Lane 3 · irreversible\n`wipe`"), "{}", hover_markdown(&hover));
    assert!(client.take_notifications("textDocument/publishDiagnostics").iter().all(|p| p["uri"] != "file:///lanes-test/edits/never.py"));

    // Several changes in one notification, one of them out of range.
    let batch = [
        (Range { start: pos(3, 0), end: pos(3, 0) }, "import sys\n"),
        (Range { start: pos(9999, 9999), end: pos(0, 0) }, ""), // deletes everything …
        (Range { start: pos(0, 0), end: pos(0, 0) }, "x = 1\n"),
        (Range { start: pos(7, 7), end: pos(7, 7) }, &text.clone()), // … then past the end
    ];
    let mut batch_json = Vec::new();
    for (range, new_text) in &batch {
        text = client_edit(&text, *range, new_text);
        batch_json.push(json!({ "range": range, "text": new_text }));
    }
    version += 1;
    let edited = client.change(uri, version, json!(batch_json)).await;
    // The state equals a fresh open of the text the client has.
    let fresh = client.open("file:///lanes-test/edits/fresh/a.py", "python", 1, &text).await;
    assert_eq!(normalized(&edited, uri), normalized(&fresh, "file:///lanes-test/edits/fresh/a.py"));
    assert!(names(&edited).contains(&"wipe".to_string()) && names(&edited).contains(&"tidy".to_string()), "{edited:?}");
    let lenses = client.code_lenses(uri).await.unwrap();
    let fresh_lenses = client.code_lenses("file:///lanes-test/edits/fresh/a.py").await.unwrap();
    assert_eq!(lenses.iter().map(|l| (l.range, l.command.as_ref().unwrap().title.clone())).collect::<Vec<_>>(),
        fresh_lenses.iter().map(|l| (l.range, l.command.as_ref().unwrap().title.clone())).collect::<Vec<_>>());

    // A full-text change replaces everything.
    let diagnostics = client.change(uri, version + 1, json!([{ "text": "def tidy(p):\n    return p\n" }])).await;
    assert!(diagnostics.is_empty());
    client.shutdown().await;
}

#[tokio::test]
async fn malformed_messages_get_errors_and_the_session_goes_on() {
    let mut client = TestClient::start(&Init::default()).await;
    let pipe = client.to_server.as_mut().unwrap();
    let truncated = b"{\"id\": 99, ";
    pipe.write_all(format!("Content-Length: {}\r\n\r\n", truncated.len()).as_bytes()).await.unwrap();
    pipe.write_all(truncated).await.unwrap();
    pipe.write_all(&lanes::lsp::transport::frame(b"{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"lanes/unknown\"}")).await.unwrap();
    let parse_error = client.wait_until("the parse error", |c| c.responses.remove(&99)).await;
    assert_eq!(parse_error["error"]["code"], -32700);
    let unknown = client.wait_until("the unknown method's error", |c| c.responses.remove(&100)).await;
    assert_eq!(unknown["error"]["code"], -32601);
    assert_eq!(names(&client.open(PY_URI, "python", 1, CHECKOUT_PY).await), ["refund_charge"]);
    client.shutdown().await;
}

#[tokio::test]
async fn exit_without_shutdown_returns_1() {
    let mut client = TestClient::start(&Init::default()).await;
    client.open(PY_URI, "python", 1, CHECKOUT_PY).await;
    client.notify("exit", Value::Null).await;
    assert_eq!(client.exit_code().await, 1);

    // Also before initialize, and when the client just goes away.
    let mut client = TestClient::spawn();
    client.notify("exit", Value::Null).await;
    assert_eq!(client.exit_code().await, 1);
    let mut client = TestClient::start(&Init::default()).await;
    client.sync().await;
    client.to_server = None;
    assert_eq!(client.exit_code().await, 1);
}


#[tokio::test]
async fn hover_on_a_large_class_after_an_edit_inside_it() {
    // `class Ledger` is over 2048 bytes: its members are separate chunks of the analysis.
    let big = include_str!("fixtures/lsp_ws/big.py");
    let mut client = TestClient::start(&Init::default()).await;
    client.open("file:///lanes-test/big/big.py", "python", 1, big).await;
    let at_name = position_of(big, "class Ledger", 6);
    let before = client.hover("file:///lanes-test/big/big.py", at_name).await.unwrap();
    let first_line = |h: &Hover| hover_markdown(h).lines().nth(1).unwrap().to_string();
    assert_eq!(first_line(&before), "`Ledger` (class, lines 22–99) is **high impact or regulated**.");

    // Lines added inside a method: the class grows by three lines.
    let at = position_of(big, "        self.entries.clear()\n", 0);
    let added = "        a = 1\n        b = 2\n        c = 3\n";
    let text = client_edit(big, Range { start: at, end: at }, added);
    client.change("file:///lanes-test/big/big.py", 2, json!([edit(at, at, added)])).await;
    let after = client.hover("file:///lanes-test/big/big.py", at_name).await.unwrap();
    client.open("file:///lanes-test/fresh/big.py", "python", 1, &text).await;
    let fresh = client.hover("file:///lanes-test/fresh/big.py", at_name).await.unwrap();
    assert_eq!(first_line(&fresh), "`Ledger` (class, lines 22–102) is **high impact or regulated**.");
    // Regression: the cached header chunk used to keep the class's range from before the edit.
    assert_eq!(first_line(&after), first_line(&fresh));

    // The last method now lies past the class's stale end: it is shown as a function.
    let top = position_of(&text, "def top", 4);
    let hover_top = client.hover("file:///lanes-test/big/big.py", top).await.unwrap();
    let fresh_top = client.hover("file:///lanes-test/fresh/big.py", top).await.unwrap();
    assert!(first_line(&fresh_top).starts_with("`top` (method, "), "{}", first_line(&fresh_top));
    assert_eq!(first_line(&hover_top), first_line(&fresh_top));
    client.shutdown().await;
}

#[tokio::test]
async fn gate_hints_and_the_workspace_test_index() {
    // A workspace with a function, its test in another file, and an untested function.
    let dir = TempDir::new("gates");
    let workspace = dir.0.join("ws");
    let code = "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef total(items):\n    log.info(\"total\")\n    return sum(items)\n\n\ndef average(items):\n    return sum(items) / len(items)\n";
    let module = dir.file("ws/shop/maths.py", code);
    dir.file("ws/tests/test_maths.py", "from shop.maths import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n");
    let options = json!({ "gateHints": [2] });
    let mut client = TestClient::start(&Init {
        folders: vec![workspace.clone()],
        initialization_options: Some(options),
        ..Init::default()
    })
    .await;
    let uri = file_uri(&module);
    client.open(&uri, "python", 1, code).await;
    // Once the background index has read tests/test_maths.py, `total` is tested and logs:
    // only `average` keeps a hint.
    let mut hints = Vec::new();
    for _ in 0..50 {
        hints = client.wait_diagnostics(&uri, Some(1)).await;
        if hints.len() == 1 {
            break;
        }
    }
    let [hint] = &hints[..] else { panic!("{hints:?}") };
    assert_eq!(hint.severity, Some(DiagnosticSeverity::HINT));
    assert_eq!(hint.code, Some(NumberOrString::String("lanes.open-gates".into())));
    assert_eq!(hint.message, "Lane 2 (core): open gates: tests, observability");
    assert_eq!(hint.range.start.line, 10);
    let lenses = client.code_lenses(&uri).await.expect("lenses");
    let titles: Vec<String> = lenses.iter().map(|l| l.command.as_ref().unwrap().title.clone()).collect();
    assert_eq!(titles, ["Lane 2 · revenue · tests ✓ · observability ✓", "Lane 2 · core · tests ✗ · observability ✗"]);
    client.shutdown().await;
}

#[tokio::test]
async fn lane_3_actions_record_a_review_and_a_checklist() {
    let text = "import shutil\n\n\ndef wipe(path):\n    shutil.rmtree(path)\n";
    let uri = "file:///lanes-test/review/ops.py";
    let mut client = TestClient::start(&Init::default()).await;
    client.open(uri, "python", 1, text).await;
    let at = position_of(text, "wipe", 0);
    let range = Range { start: at, end: at };
    let actions = client
        .request_raw("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": range, "context": { "diagnostics": [] } }))
        .await;
    let actions = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[1].starts_with("Mark `wipe` reviewed (as "), "{titles:?}");
    assert_eq!(titles[2], "Add an acceptance checklist for `wipe`");

    // The checklist goes above the function, with the rollback item for irreversible code.
    let checklist = &actions[2]["edit"]["changes"][uri][0];
    assert_eq!(checklist["range"]["start"], json!({ "line": 3, "character": 0 }));
    expect![[r#"
        # Acceptance checklist for `wipe` (irreversible):
        # - [ ] tests, written by hand: success, failure and edge cases
        # - [ ] interfaces and contracts match the agreed schemas
        # - [ ] logs, traces or metrics for operational debugging
        # - [ ] security and permission assumptions reviewed by the risk owner
        # - [ ] rollback path, recorded with `lanes: rollback="…"`
    "#]]
    .assert_eq(checklist["newText"].as_str().unwrap());

    // Applying "Mark reviewed" closes the review gate; changing the code reopens it.
    let review = &actions[1]["edit"]["changes"][uri][0];
    let line = review["newText"].as_str().unwrap().to_string();
    assert!(line.starts_with("# lanes: reviewed-by="), "{line}");
    client.change(uri, 2, json!([edit(pos(3, 0), pos(3, 0), &line)])).await;
    let reviewed = format!("import shutil\n\n\n{line}def wipe(path):\n    shutil.rmtree(path)\n");
    let hover = client.hover(uri, position_of(&reviewed, "wipe", 0)).await.unwrap();
    assert!(hover_markdown(&hover).contains("review: security and permission assumptions are reviewed by a person who owns the risk — ✓ reviewed for the code as it is"), "{}", hover_markdown(&hover));
    let body = position_of(&reviewed, "shutil.rmtree(path)", 0);
    client.change(uri, 3, json!([edit(body, body, "print(path); ")])).await;
    let hover = client.hover(uri, position_of(&reviewed, "wipe", 0)).await.unwrap();
    assert!(hover_markdown(&hover).contains("— ✗ the code changed since"), "{}", hover_markdown(&hover));
    client.shutdown().await;
}

#[tokio::test]
async fn the_observability_hook_closes_the_gate() {
    let text = "import os\n\n\ndef average(items):\n    \"\"\"Mean of the items.\"\"\"\n    return sum(items) / len(items)\n";
    let uri = "file:///lanes-test/hook/maths.py";
    let mut client = TestClient::start(&Init::default()).await;
    client.open(uri, "python", 1, text).await;
    let at = position_of(text, "average", 0);
    let actions = client
        .request_raw("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": Range { start: at, end: at }, "context": { "diagnostics": [] } }))
        .await;
    let actions = actions["result"].as_array().expect("actions").clone();
    let hook = actions.iter().find(|a| a["title"] == "Add an observability hook to `average` (logging)").expect("a hook action");
    let mut edits: Vec<Value> = hook["edit"]["changes"][uri].as_array().unwrap().clone();
    // Apply the edits from the end, as a client would.
    edits.sort_by_key(|e| std::cmp::Reverse((e["range"]["start"]["line"].as_u64(), e["range"]["start"]["character"].as_u64())));
    let mut edited = text.to_string();
    for e in &edits {
        let start: Position = serde_json::from_value(e["range"]["start"].clone()).unwrap();
        edited = client_edit(&edited, Range { start, end: start }, e["newText"].as_str().unwrap());
    }
    expect![[r#"
        import os
        import logging

        logger = logging.getLogger(__name__)


        def average(items):
            """Mean of the items."""
            logger.info("average called")
            return sum(items) / len(items)
    "#]]
    .assert_eq(&edited);
    client.change(uri, 2, json!([{ "text": edited }])).await;
    let lenses = client.code_lenses(uri).await.expect("lenses");
    assert_eq!(lenses[0].command.as_ref().unwrap().title, "Lane 2 · core · tests ✗ · observability ✓");
    // Met gates are not offered again.
    let actions = client
        .request_raw("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": Range { start: at, end: at }, "context": { "diagnostics": [] } }))
        .await;
    assert!(actions["result"].as_array().unwrap().iter().all(|a| a["title"] != "Add an observability hook to `average`"));
    client.shutdown().await;
}

#[tokio::test]
async fn default_test_paths_apply_inside_a_workspace_without_configuration() {
    // Regression: without lanes.toml the server matched globs against the bare file name, so
    // `tests/helpers.py` was not test code in the editor while `lanes check` said it was.
    let dir = TempDir::new("no-config");
    let workspace = dir.0.join("ws");
    let text = "import shutil\n\n\ndef scratch(path):\n    shutil.rmtree(path)\n";
    let helpers = dir.file("ws/tests/helpers.py", text);
    let mut client = TestClient::start(&Init { folders: vec![workspace.clone()], ..Init::default() }).await;
    let uri = file_uri(&helpers);
    assert!(client.open(&uri, "python", 1, text).await.is_empty());
    let lenses = client.code_lenses(&uri).await.expect("lenses");
    assert_eq!(lenses[0].command.as_ref().unwrap().title, "Lane 1 · test");
    client.shutdown().await;
}

/// Test stubs through the protocol: a Rust stub as an eager edit of the same file, and a
/// Python stub listed lazily, resolved into a `CreateFile` plus its text, offered as a quick
/// fix for the gate hint; once the test exists, it is no longer offered.
#[tokio::test]
async fn test_stub_actions() {
    // Rust, a plain client: the edit comes with the list.
    let rust = "pub fn net_price(gross: u64, rate: u64) -> u64 {\n    gross * 100 / (100 + rate)\n}\n";
    let mut client = TestClient::start(&Init::default()).await;
    let uri = "file:///lanes-test/stubs/src/price.rs";
    client.open(uri, "rust", 1, rust).await;
    let at = position_of(rust, "net_price", 0);
    let actions = client
        .request_raw("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": Range { start: at, end: at }, "context": { "diagnostics": [] } }))
        .await;
    let actions = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    expect![[r#"
        [
            "Explain the lane of `net_price` (Lane 2 · revenue)",
            "Add test stub for `net_price`",
            "Add an observability hook to `net_price` (tracing)",
        ]
    "#]]
    .assert_debug_eq(&titles);
    let stub = &actions[1]["edit"]["changes"][uri][0];
    let start: Position = serde_json::from_value(stub["range"]["start"].clone()).unwrap();
    let edited = client_edit(rust, Range { start, end: start }, stub["newText"].as_str().unwrap());
    expect![[r#"
        pub fn net_price(gross: u64, rate: u64) -> u64 {
            gross * 100 / (100 + rate)
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            #[test]
            fn net_price_succeeds() {
                let _result = net_price(todo!("valid `gross`"), todo!("valid `rate`"));
                todo!("check the value a successful call returns");
            }

            #[test]
            fn net_price_rejects_invalid_input() {
                let _result = net_price(todo!("invalid `gross`"), todo!("invalid `rate`"));
                todo!("check how invalid input is handled");
            }

            #[test]
            fn net_price_handles_edge_cases() {
                let _result = net_price(todo!("edge-case `gross`"), todo!("edge-case `rate`"));
                todo!("check the result at the edges: empty, zero, maximum");
            }
        }
    "#]]
    .assert_eq(&edited);
    // Applied, the tests gate is met: the action is gone.
    let end = Position { line: 3, character: 0 };
    client.change(uri, 2, json!([edit(end, end, &stub["newText"].as_str().unwrap()[1..])])).await;
    let actions = client
        .request_raw("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": Range { start: at, end: at }, "context": { "diagnostics": [] } }))
        .await;
    assert!(actions["result"].as_array().unwrap().iter().all(|a| !a["title"].as_str().unwrap().starts_with("Add test stub")), "{actions}");
    client.shutdown().await;

    // Python, a client that creates files and resolves lazily.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp-stubs");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("shop")).unwrap();
    std::fs::write(root.join("pyproject.toml"), "[project]\nname = \"shop\"\n").unwrap();
    let python = "def net_price(gross, rate):\n    if rate < 0:\n        raise ValueError(\"rate\")\n    return gross * 100 / (100 + rate)\n";
    std::fs::write(root.join("shop/prices.py"), python).unwrap();
    let init = Init { folders: vec![root.clone()], rich_edits: true, initialization_options: Some(json!({ "gateHints": [2] })), ..Init::default() };
    let mut client = TestClient::start(&init).await;
    let uri = file_uri(&root.join("shop/prices.py"));
    let diagnostics = client.open(&uri, "python", 1, python).await;
    let hint = diagnostics.iter().find(|d| d.code == Some(NumberOrString::String("lanes.open-gates".into()))).expect("a gate hint").clone();
    let at = position_of(python, "net_price", 0);
    let actions = client
        .request_raw("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": Range { start: at, end: at }, "context": { "diagnostics": [hint] } }))
        .await;
    let stub = actions["result"].as_array().unwrap().iter().find(|a| a["title"] == "Add test stub for `net_price`").expect("a stub action").clone();
    assert_eq!(stub["kind"], "quickfix", "{stub}");
    assert_eq!(stub["diagnostics"][0]["code"], "lanes.open-gates", "{stub}");
    assert!(stub.get("edit").is_none(), "listed lazily: {stub}");
    let resolved = client.request_raw("codeAction/resolve", stub).await;
    let rendered = serde_json::to_string_pretty(&resolved["result"]).unwrap().replace(&file_uri(&root), "file:///ROOT");
    expect_file!["snapshots/lsp_test_stub_resolved.json"].assert_eq(&rendered);
    client.shutdown().await;
}

/// The test index reads the `#[cfg(test)]` modules of Rust files that are not open, and
/// follows watched-file events: a test removed on disk reopens the gate.
#[tokio::test]
async fn the_test_index_reads_unopened_rust_test_modules_and_follows_the_disk() {
    let dir = TempDir::new("rust-index");
    let workspace = dir.0.join("ws");
    let code = "pub fn net(gross: u64) -> u64 {\n    gross / 2\n}\n";
    let module = dir.file("ws/src/lib.rs", code);
    let tested = "pub fn helper() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn halves() {\n        assert_eq!(crate::net(4), 2);\n    }\n}\n";
    let other = dir.file("ws/src/other.rs", tested);
    let mut client = TestClient::start(&Init { folders: vec![workspace.clone()], ..Init::default() }).await;
    // Cancelling a progress that is not ours (or already over) is harmless.
    client.notify("window/workDoneProgress/cancel", json!({ "token": "someone-else" })).await;
    let uri = file_uri(&module);
    client.open(&uri, "rust", 1, code).await;
    let title = |lenses: Option<Vec<CodeLens>>| lenses.unwrap()[0].command.as_ref().unwrap().title.clone();
    let mut seen = String::new();
    for _ in 0..50 {
        seen = title(client.code_lenses(&uri).await);
        if seen.contains("tests ✓") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, "Lane 2 · core · tests ✓ · observability ✗");
    // The test goes away on disk; the editor reports the change.
    std::fs::write(&other, "pub fn helper() {}\n").unwrap();
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": file_uri(&other), "type": 2 }] })).await;
    assert_eq!(title(client.code_lenses(&uri).await), "Lane 2 · core · tests ✗ · observability ✗");
    client.shutdown().await;
}

/// By default, Lane 2 functions with an open gate get a Hint; Lane 1 functions do not.
#[tokio::test]
async fn gate_hints_default_to_lane_2() {
    let text = "# lanes: lane=1 reason=\"display only\"\ndef tidy(name):\n    return name.strip()\n\n\ndef summarise(orders):\n    return {o.id: o.total for o in orders}\n";
    let mut client = TestClient::start(&Init { default_hints: true, ..Init::default() }).await;
    let diagnostics = client.open("file:///lanes-test/hints/report.py", "python", 1, text).await;
    let rendered: Vec<String> = diagnostics.iter().map(|d| format!("{}:{} {:?} {}", d.range.start.line, d.range.start.character, d.severity, d.message)).collect();
    expect![[r#"
        [
            "5:4 Some(Hint) Lane 2 (core): open gates: tests, observability",
        ]
    "#]]
    .assert_debug_eq(&rendered);
    client.shutdown().await;
}

/// A file with more untested functions than the hint limit gets the limit and one note.
#[tokio::test]
async fn gate_hints_stop_at_the_limit() {
    let text: String = (0..lanes::lsp::handlers::MAX_GATE_HINTS + 15).map(|i| format!("def step_{i}(x):\n    return x + {i}\n\n\n")).collect();
    let mut client = TestClient::start(&Init { default_hints: true, ..Init::default() }).await;
    let diagnostics = client.open("file:///lanes-test/hints/many.py", "python", 1, &text).await;
    assert_eq!(diagnostics.len(), lanes::lsp::handlers::MAX_GATE_HINTS + 1);
    let note = diagnostics.last().unwrap();
    assert_eq!(note.message, "15 more functions with open gates in this file: hints stop at 200 (the code lenses show every gate)");
    assert_eq!((note.range.start.line, note.severity), (0, Some(DiagnosticSeverity::HINT)));
    client.shutdown().await;
}

/// `codeAction/resolve` with data that is not ours, for a stale version or for a function
/// that is gone: the action comes back unchanged or disabled with the reason, never an error.
#[tokio::test]
async fn resolving_odd_code_actions() {
    let text = "def net(x):\n    return x\n";
    let uri = "file:///lanes-test/resolve/odd.py";
    let mut client = TestClient::start(&Init { rich_edits: true, ..Init::default() }).await;
    client.open(uri, "python", 1, text).await;
    let resolve = |data: Value| json!({ "title": "t", "data": data });
    let foreign = client.request_raw("codeAction/resolve", resolve(json!({ "someone": "else" }))).await;
    assert_eq!(foreign["result"], resolve(json!({ "someone": "else" })));
    let stale = client.request_raw("codeAction/resolve", resolve(json!({ "uri": uri, "version": 0, "fix": "tests", "decl": 0 }))).await;
    assert_eq!(stale["result"]["disabled"]["reason"], "the document changed; ask for code actions again");
    let gone = client.request_raw("codeAction/resolve", resolve(json!({ "uri": uri, "version": 1, "fix": "observability", "decl": 999 }))).await;
    assert_eq!(gone["result"]["disabled"]["reason"], "the function is gone");
    assert!(gone["result"].get("edit").is_none());
    client.shutdown().await;
}
