//! `lanes mcp` end to end: JSON-RPC over stdio with the real binary, as an MCP client
//! speaks it (newline-delimited messages): `initialize`, `notifications/initialized`,
//! `tools/list` and `tools/call` of every tool, on a copy of `tests/fixtures/guard/project`.
//! Whole responses are snapshots in `tests/snapshots/mcp/` (refresh with
//! `UPDATE_EXPECT=1 cargo test --test mcp`). The server must leave the project unchanged.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use expect_test::expect_file;

mod common;
use common::copy_dir;
use serde_json::{json, Value};

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    next_id: u64,
}

impl Server {
    fn start(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lanes"))
            .arg("mcp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Server { child, stdin, lines, next_id: 1 }
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// Send a request and wait (at most ten seconds) for the response with its id.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(10)).expect("a response within ten seconds");
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            if v["id"] == id {
                return v;
            }
        }
    }

    /// `tools/call`, returning the text of the result and whether it is an error.
    fn call(&mut self, tool: &str, arguments: Value) -> (String, bool) {
        let r = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &r["result"];
        let text = result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text content: {r}")).to_string();
        (text, result["isError"] == true)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin ends the session; the server exits by itself.
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
    }
}


/// Every file under `dir` with its contents, sorted.
fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(snapshot_tree(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn mcp_session_over_stdio() {
    let root = std::env::temp_dir().join(format!("lanes-mcp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/guard/project"), &root);
    let before = snapshot_tree(&root);
    {
        let mut server = Server::start(&root);
        let init = server.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "lanes-test", "version": "0"}}),
        );
        let mut init = init["result"].clone();
        assert_eq!(init["serverInfo"]["name"], "lanes");
        init["serverInfo"]["version"] = "<version>".into();
        server.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        expect_file!["snapshots/mcp/initialize.json"].assert_eq(&format!("{}\n", serde_json::to_string_pretty(&init).unwrap()));

        let tools = server.request("tools/list", json!({}));
        expect_file!["snapshots/mcp/tools_list.json"]
            .assert_eq(&format!("{}\n", serde_json::to_string_pretty(&tools["result"]).unwrap()));

        let (text, error) = server.call("lane_at", json!({"path": "billing/charge.py", "line": 8}));
        assert!(!error);
        expect_file!["snapshots/mcp/lane_at.md"].assert_eq(&text);

        let (text, error) = server.call("check", json!({"paths": ["shop"]}));
        assert!(!error);
        expect_file!["snapshots/mcp/check_paths.json"].assert_eq(&text);

        let diff = "--- a/shop/orders.py\n+++ b/shop/orders.py\n@@ -13,3 +13,4 @@ def archive_orders(orders, folder):\n     for order in orders:\n         order.archived = True\n+    shutil.rmtree(folder)\n     return folder\n";
        let (text, error) = server.call("check", json!({"diff": diff}));
        assert!(!error);
        expect_file!["snapshots/mcp/check_diff.json"].assert_eq(&text);

        let (text, error) = server.call("open_gates", json!({"path": "shop/orders.py"}));
        assert!(!error);
        expect_file!["snapshots/mcp/open_gates.json"].assert_eq(&text);

        let (text, error) =
            server.call("plan", json!({"files": ["billing/charge.py#charge", "shop/orders.py:8", "tests/test_orders.py"]}));
        assert!(!error);
        expect_file!["snapshots/mcp/plan.json"].assert_eq(&text);

        // Bad arguments are tool errors the agent can read, not crashes.
        let (text, error) = server.call("lane_at", json!({"path": "shop/orders.py", "line": 999}));
        assert!(error);
        assert_eq!(text, format!("{}: line 999 is out of range (the file has 23 lines)", root.join("shop/orders.py").display()));
        let (text, error) = server.call("plan", json!({"files": ["shop/nope.py"]}));
        assert!(error);
        assert_eq!(text, "shop/nope.py: no such file or directory");
    }
    // Read-only: nothing written, nothing changed.
    assert_eq!(snapshot_tree(&root), before);
    let _ = std::fs::remove_dir_all(&root);
}
