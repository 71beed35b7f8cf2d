//! The `lanes lsp --stdio` process, end to end: a whole session over real pipes, and a check
//! that every byte the server writes to stdout belongs to a well-formed frame.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Every wait for the server ends after this long.
const LIMIT: Duration = Duration::from_secs(30);

const SHOP_PY: &str = "\
import shutil
import stripe


def refund(charge_id):
    return stripe.Refund.create(charge=charge_id)


def tidy(path):
    return path
";

/// Splits `bytes` into frame bodies. Errors unless the bytes are exactly a sequence of
/// `Content-Length` frames (an optional `Content-Type` header allowed) whose bodies are
/// JSON-RPC 2.0 messages. `Ok` also returns the bytes of an incomplete last frame.
fn frames(mut bytes: &[u8]) -> Result<(Vec<Value>, usize), String> {
    let mut out = Vec::new();
    loop {
        if bytes.is_empty() {
            return Ok((out, 0));
        }
        let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
            let plausible = bytes.len() <= 1024
                && (bytes.starts_with(b"Content-Length: ") || b"Content-Length: ".starts_with(bytes));
            if !plausible {
                return Err(format!("not a frame header: {:?}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)])));
            }
            return Ok((out, bytes.len()));
        };
        let header = std::str::from_utf8(&bytes[..end]).map_err(|_| "header is not UTF-8".to_string())?;
        let mut length = None;
        for (i, line) in header.split("\r\n").enumerate() {
            match line.split_once(": ") {
                Some(("Content-Length", n)) if i == 0 => {
                    length = Some(n.parse::<usize>().map_err(|_| format!("bad Content-Length {n:?}"))?)
                }
                Some(("Content-Type", _)) if i > 0 => {}
                _ => return Err(format!("bad header line {line:?} in {header:?}")),
            }
        }
        let length = length.ok_or_else(|| format!("no Content-Length in {header:?}"))?;
        let body_start = end + 4;
        if bytes.len() < body_start + length {
            return Ok((out, bytes.len()));
        }
        let body = &bytes[body_start..body_start + length];
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| format!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(body)))?;
        check_jsonrpc(&value)?;
        out.push(value);
        bytes = &bytes[body_start + length..];
    }
}

fn check_jsonrpc(v: &Value) -> Result<(), String> {
    let object = v.as_object().ok_or_else(|| format!("not an object: {v}"))?;
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(format!("no \"jsonrpc\": \"2.0\": {v}"));
    }
    let id_ok = |id: &Value| id.is_i64() || id.is_u64() || id.is_string() || id.is_null();
    match (object.get("method"), object.get("id")) {
        (Some(method), id) => {
            if !method.is_string() || id.is_some_and(|id| !id_ok(id) || id.is_null()) {
                return Err(format!("bad request or notification: {v}"));
            }
        }
        (None, Some(id)) => {
            if !id_ok(id) || object.contains_key("result") == object.contains_key("error") {
                return Err(format!("bad response: {v}"));
            }
            if let Some(error) = object.get("error") {
                if !error["code"].is_i64() || !error["message"].is_string() {
                    return Err(format!("bad error object: {v}"));
                }
            }
        }
        (None, None) => return Err(format!("neither a message nor a response: {v}")),
    }
    Ok(())
}

struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Result<Value, String>>,
    /// Returns every byte of stdout once it closes.
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<String>>,
    /// Notifications not yet consumed, oldest first.
    notifications: Vec<Value>,
    next_id: i64,
}

impl Session {
    fn start(cwd: Option<&std::path::Path>) -> Session {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lanes"));
        command.args(["lsp", "--stdio"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        let mut child = command.spawn().expect("lanes starts");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, messages) = mpsc::channel();
        // The reader passes on each complete message as it arrives, and keeps every byte.
        let stdout = std::thread::spawn(move || {
            let (mut all, mut sent) = (Vec::new(), 0);
            let mut chunk = [0u8; 8192];
            loop {
                let n = match stdout.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                all.extend_from_slice(&chunk[..n]);
                match frames(&all) {
                    Ok((values, _)) => {
                        for v in values.into_iter().skip(sent) {
                            sent += 1;
                            let _ = tx.send(Ok(v));
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            }
            all
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Session { child, stdin, messages, stdout: Some(stdout), stderr: Some(stderr), notifications: Vec::new(), next_id: 1 }
    }

    fn send(&mut self, message: Value) {
        let bytes = lanes::lsp::transport::frame(message.to_string().as_bytes());
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(&bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Read messages, answering the server's requests and keeping notifications, until
    /// `check` finds what it waits for.
    fn wait_until<T>(&mut self, what: &str, mut check: impl FnMut(&mut Session, Option<&Value>) -> Option<T>) -> T {
        let deadline = Instant::now() + LIMIT;
        if let Some(found) = check(self, None) {
            return found;
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.messages.recv_timeout(left) {
                Ok(Ok(m)) => m,
                Ok(Err(e)) => panic!("malformed output while waiting for {what}: {e}"),
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}; unread: {:#?}", self.notifications),
                Err(RecvTimeoutError::Disconnected) => panic!("stdout closed while waiting for {what}: {}", self.stderr_text()),
            };
            if let (Some(id), Some(method)) = (message.get("id"), message["method"].as_str()) {
                let result = match method {
                    "workspace/configuration" => json!([{ "severity": "warning", "gateHints": [] }]),
                    _ => Value::Null,
                };
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": result }));
                continue;
            }
            if message.get("method").is_some() {
                self.notifications.push(message);
                if let Some(found) = check(self, None) {
                    return found;
                }
            } else if let Some(found) = check(self, Some(&message)) {
                return found;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let response = self.wait_until(&format!("the response to {method}"), |_, m| m.filter(|m| m["id"] == id).cloned());
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        self.wait_until(&format!("diagnostics of {uri} v{version}"), |s, _| {
            let i = s.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri && n["params"]["version"] == version
            })?;
            let n = s.notifications.remove(i);
            Some(n["params"]["diagnostics"].as_array().unwrap().clone())
        })
    }

    fn initialize(&mut self, root: Option<&std::path::Path>) {
        let folders = root.map(|r| {
            let uri = tower_lsp_server::ls_types::Uri::from_file_path(r).unwrap();
            json!([{ "uri": uri.as_str(), "name": "ws" }])
        });
        let result = self.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": null,
                "workspaceFolders": folders,
                "capabilities": {
                    "general": { "positionEncodings": ["utf-16"] },
                    "workspace": { "configuration": true, "didChangeWatchedFiles": { "dynamicRegistration": true } },
                },
            }),
        );
        assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
        assert_eq!(result["serverInfo"]["name"], "lanes");
        self.notify("initialized", json!({}));
    }

    fn stderr_text(&mut self) -> String {
        self.stderr.take().map(|h| h.join().unwrap()).unwrap_or_default()
    }

    /// Wait for the process to end; returns its status and every byte of its stdout.
    fn wait_exit(&mut self) -> (ExitStatus, Vec<u8>) {
        let deadline = Instant::now() + LIMIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("lanes lsp did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.stdin = None;
        let bytes = self.stdout.take().unwrap().join().unwrap();
        (status, bytes)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Only our own child, by its handle, if a test failed before it exited.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Every byte is part of a complete frame holding valid JSON-RPC; returns the messages.
fn assert_well_framed(bytes: &[u8]) -> Vec<Value> {
    match frames(bytes) {
        Ok((messages, 0)) => messages,
        Ok((_, rest)) => panic!("{rest} trailing bytes are not a complete frame"),
        Err(e) => panic!("stdout is not well framed: {e}"),
    }
}

#[test]
fn full_session_over_stdio() {
    let mut s = Session::start(None);
    s.initialize(None);
    let uri = "file:///lanes-e2e/shop.py";
    s.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "python", "version": 1, "text": SHOP_PY } }),
    );
    let diagnostics = s.diagnostics(uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["data"]["region"], "refund");
    // Settings came from `workspace/configuration`.
    assert_eq!(diagnostics[0]["severity"], 2);

    // `tidy` deletes a tree: version 2 has a second diagnostic.
    let change = json!({
        "range": { "start": { "line": 9, "character": 0 }, "end": { "line": 9, "character": 0 } },
        "text": "    shutil.rmtree(path)\n",
    });
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [change] }));
    let diagnostics = s.diagnostics(uri, 2);
    let regions: Vec<&str> = diagnostics.iter().map(|d| d["data"]["region"].as_str().unwrap()).collect();
    assert_eq!(regions, ["refund", "tidy"]);
    assert_eq!(diagnostics[1]["code"], "irreversible.delete-files");
    assert_eq!(diagnostics[1]["range"], json!({ "start": { "line": 8, "character": 4 }, "end": { "line": 8, "character": 8 } }));

    let hover = s.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": { "line": 8, "character": 5 } }));
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.starts_with("### Lane 3 · irreversible\n`tidy` (function, lines 9–11)"), "{markdown}");
    assert_eq!(hover["contents"]["kind"], "markdown");

    let lenses = s.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
    let titles: Vec<&str> = lenses.as_array().unwrap().iter().map(|l| l["command"]["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Lane 3 · billing · tests ✗ · observability ✗ · review ✗",
            "Lane 3 · irreversible · tests ✗ · observability ✗ · review ✗ · rollback ✗"
        ]
    );

    assert_eq!(s.request("shutdown", Value::Null), Value::Null);
    s.notify("exit", Value::Null);
    let (status, stdout) = s.wait_exit();
    assert_eq!(status.code(), Some(0), "stderr: {}", s.stderr_text());
    let messages = assert_well_framed(&stdout);
    // Requests to the client, responses to ours, and notifications, all accounted for.
    assert!(messages.iter().any(|m| m["method"] == "client/registerCapability"));
    assert!(messages.iter().any(|m| m["method"] == "workspace/configuration"));
    assert_eq!(messages.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").count(), 2);
    assert_eq!(messages.iter().filter(|m| m.get("method").is_none()).count(), 4, "initialize, hover, codeLens, shutdown");
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let mut s = Session::start(None);
    s.initialize(None);
    let uri = "file:///lanes-e2e/shop.py";
    s.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "python", "version": 1, "text": SHOP_PY } }),
    );
    s.diagnostics(uri, 1);
    s.notify("exit", Value::Null);
    let (status, stdout) = s.wait_exit();
    assert_eq!(status.code(), Some(1), "stderr: {}", s.stderr_text());
    assert_well_framed(&stdout);

    // The client closing stdin without a word is an exit without shutdown too.
    let mut s = Session::start(None);
    s.initialize(None);
    s.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }));
    s.stdin = None;
    let (status, stdout) = s.wait_exit();
    assert_eq!(status.code(), Some(1));
    assert_well_framed(&stdout);
}

#[test]
fn a_workspace_that_is_the_working_directory() {
    // Editors start language servers in the workspace folder.
    let root = std::env::temp_dir().join(format!("lanes-e2e-cwd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("billing")).unwrap();
    std::fs::write(root.join("lanes.toml"), "[[paths]]\nglob = \"billing/**\"\nlane = 3\ncategory = \"billing\"\n").unwrap();
    let rows: PathBuf = root.join("billing/rows.py");
    let text = "def render_row(row):\n    return str(row)\n";
    std::fs::write(&rows, text).unwrap();
    let uri = tower_lsp_server::ls_types::Uri::from_file_path(&rows).unwrap().as_str().to_string();

    let run = |cwd: Option<&std::path::Path>| -> Vec<Value> {
        let mut s = Session::start(cwd);
        s.initialize(Some(&root));
        s.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "python", "version": 1, "text": text } }),
        );
        let diagnostics = s.diagnostics(&uri, 1);
        assert_eq!(s.request("shutdown", Value::Null), Value::Null);
        s.notify("exit", Value::Null);
        let (status, stdout) = s.wait_exit();
        assert_eq!(status.code(), Some(0));
        assert_well_framed(&stdout);
        diagnostics
    };
    let elsewhere = run(None);
    let inside = run(Some(&root));
    let _ = std::fs::remove_dir_all(&root);
    let codes = |d: &[Value]| d.iter().map(|d| d["code"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(codes(&elsewhere), ["path", "path"], "{elsewhere:?}");
    // Regression: the configuration's root used to become relative when the workspace was the
    // server's working directory, and `billing/**` never matched.
    assert_eq!(codes(&inside), codes(&elsewhere));
}
