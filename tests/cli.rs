//! End-to-end tests of the `lanes` binary: `check` (JSON and text), `explain`, exit codes
//! and messages, configuration lookup. The fixture project lives in
//! `tests/fixtures/project/`; snapshots in `tests/snapshots/` (refresh them with
//! `UPDATE_EXPECT=1 cargo test --test cli`, then read the diff).
//!
//! Nothing here uses the network or the home directory; scratch projects are created under
//! `std::env::temp_dir()` and removed when the test ends.

use std::path::Path;
use std::process::Command;

use expect_test::expect_file;
use serde_json::Value;

mod common;
use common::TempDir;

const FIXTURE: &str = "tests/fixtures/project";

/// The repository root: `cargo test` runs with it as cwd, but do not rely on that.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Run `lanes ARGS` in `cwd` with `NO_COLOR=1`; returns (exit code, stdout, stderr).
fn lanes(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    lanes_with(cwd, args, &[("NO_COLOR", Some("1"))])
}

/// Run `lanes ARGS` in `cwd` with extra environment changes (`None` removes a variable).
fn lanes_with(cwd: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lanes"));
    cmd.args(args).current_dir(cwd);
    for (key, value) in env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd.output().expect("failed to run the lanes binary");
    let code = out.status.code().expect("lanes was killed by a signal");
    (
        code,
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}


/// Replace the number after `"elapsed_ms": ` with 0, keeping the output otherwise verbatim.
fn redact_elapsed_ms(json: &str) -> String {
    let key = "\"elapsed_ms\": ";
    let start = json.find(key).expect("JSON output has elapsed_ms") + key.len();
    let digits = json[start..].bytes().take_while(u8::is_ascii_digit).count();
    assert!(digits > 0, "elapsed_ms is not a number: {}", &json[start..]);
    format!("{}0{}", &json[..start], &json[start + digits..])
}

/// Replace the value of the summary's `time` line with a placeholder.
fn redact_time(text: &str) -> String {
    let mut found = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let t = line.trim_start();
            if t.starts_with("time ") && t.ends_with(" ms") {
                found = true;
                "  time         [redacted]".to_string()
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(found, "text output has no `time ... ms` line:\n{text}");
    lines.join("\n") + "\n"
}

/// `lanes check --format json` over the fixture, parsed.
fn fixture_json() -> Value {
    let (code, stdout, stderr) = lanes(repo(), &["check", "--format", "json", FIXTURE]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stderr, "", "the fixture has no skipped files");
    serde_json::from_str(&stdout).expect("stdout is JSON")
}

/// The region `name` (of `kind`) in the file whose path ends with `file`.
fn region<'a>(json: &'a Value, file: &str, kind: &str, name: &str) -> &'a Value {
    let f = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("no file {file} in the report"));
    f["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name && r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} `{name}` in {file}"))
}

// --- check: snapshots ------------------------------------------------------------------

#[test]
fn check_json_snapshot() {
    let (code, stdout, stderr) = lanes(repo(), &["check", "--format", "json", FIXTURE]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stderr, "");
    expect_file!["snapshots/check_project.json"].assert_eq(&redact_elapsed_ms(&stdout));
}

#[test]
fn check_text_snapshot() {
    let (code, stdout, stderr) = lanes(repo(), &["check", FIXTURE]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stderr, "");
    expect_file!["snapshots/check_project.txt"].assert_eq(&redact_time(&stdout));
}

// --- explain: snapshots ----------------------------------------------------------------

fn explain(target: &str) -> String {
    let (code, stdout, stderr) = lanes(repo(), &["explain", &format!("{FIXTURE}/{target}")]);
    assert_eq!(code, 0, "explain {target}: {stderr}");
    assert_eq!(stderr, "");
    stdout
}

#[test]
fn explain_lane3_path_rule_method() {
    // `InvoiceBook.settle`, inside the body: Lane 3 from the `billing/**` path rule.
    expect_file!["snapshots/explain_billing.md"].assert_eq(&explain("billing/invoices.py:35"));
}

#[test]
fn explain_lane1_rust_test() {
    // A `#[test]` function inside `#[cfg(test)] mod tests`.
    expect_file!["snapshots/explain_rust_test.md"].assert_eq(&explain("src/stock.rs:53"));
}

#[test]
fn explain_inline_annotation() {
    // `year_end_snapshot`: `// lanes: lane=3 reason="..."` on the line above.
    expect_file!["snapshots/explain_annotation.md"].assert_eq(&explain("src/ops.rs:21"));
}

#[test]
fn explain_container() {
    // The `impl Stock` line: the impl takes the lane of its `ledger_balance` method.
    expect_file!["snapshots/explain_impl.md"].assert_eq(&explain("src/stock.rs:14"));
}

// --- check: JSON shape and the fixture's lanes -----------------------------------------

#[test]
fn json_has_version_and_documented_keys() {
    let json = fixture_json();
    assert_eq!(json["version"], 1);
    let files = json["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 8, "every .rs and .py file of the fixture, and nothing else");

    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "files are sorted by path");

    let mut counts = [0u64; 3];
    for f in files {
        for key in ["path", "language", "lane", "regions"] {
            assert!(f.get(key).is_some(), "file without `{key}`: {f}");
        }
        assert!(["rust", "python"].contains(&f["language"].as_str().unwrap()));
        let regions = f["regions"].as_array().unwrap();
        assert!(!regions.is_empty(), "{} has no regions", f["path"]);
        let file_lane = f["lane"].as_u64().unwrap();
        let max_lane = regions.iter().map(|r| r["lane"].as_u64().unwrap()).max().unwrap();
        assert_eq!(file_lane, max_lane, "a file's lane is its highest region lane: {}", f["path"]);
        for r in regions {
            for key in ["name", "kind", "lane", "start_line", "end_line", "categories", "reasons"] {
                assert!(r.get(key).is_some(), "region without `{key}`: {r}");
            }
            assert!(r["name"].is_string());
            assert!(["function", "method", "class", "impl", "module"].contains(&r["kind"].as_str().unwrap()), "{r}");
            let lane = r["lane"].as_u64().unwrap();
            assert!((1..=3).contains(&lane));
            counts[lane as usize - 1] += 1;
            let (start, end) = (r["start_line"].as_u64().unwrap(), r["end_line"].as_u64().unwrap());
            assert!(1 <= start && start <= end, "{r}");
            assert!(r["categories"].as_array().unwrap().iter().all(Value::is_string));
            let reasons = r["reasons"].as_array().unwrap();
            assert!(!reasons.is_empty(), "every region says why: {r}");
            for reason in reasons {
                for key in ["rule", "category", "line", "message"] {
                    assert!(reason.get(key).is_some(), "reason without `{key}`: {reason}");
                }
                assert!(reason["rule"].is_string() && reason["message"].is_string());
                assert!(reason["category"].is_string() || reason["category"].is_null());
                assert!(reason["line"].as_u64().unwrap() >= 1);
            }
        }
    }

    let summary = &json["summary"];
    assert_eq!(summary["files"], 8);
    assert_eq!(summary["regions"]["1"], counts[0]);
    assert_eq!(summary["regions"]["2"], counts[1]);
    assert_eq!(summary["regions"]["3"], counts[2]);
    assert!(summary["elapsed_ms"].is_u64());
}

#[test]
fn fixture_lanes() {
    let json = fixture_json();
    let lane = |file: &str, kind: &str, name: &str| region(&json, file, kind, name)["lane"].as_u64().unwrap();
    let rules = |file: &str, kind: &str, name: &str| -> Vec<String> {
        region(&json, file, kind, name)["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("overridden") != Some(&Value::Bool(true)))
            .map(|r| r["rule"].as_str().unwrap().to_string())
            .collect()
    };

    // Path rule to Lane 3, with its category and reason, even for a harmless helper.
    let r = region(&json, "billing/invoices.py", "function", "format_invoice_number");
    assert_eq!(r["lane"], 3);
    assert_eq!(r["categories"], serde_json::json!(["billing"]));
    assert_eq!(r["reasons"][0]["rule"], "path");
    assert_eq!(r["reasons"][0]["message"], "invoices are legal documents");
    assert_eq!(lane("billing/invoices.py", "class", "InvoiceBook"), 3);

    // Path rule to Lane 1 wins over signals (precedence: path rule > signals).
    assert_eq!(lane("web/templates.py", "function", "render_password_reset_email"), 1);
    assert_eq!(rules("web/templates.py", "function", "render_password_reset_email"), ["path"]);

    // Project vocabulary.
    assert_eq!(rules("web/catalog.py", "function", "redeem_voucher"), ["billing.vocabulary"]);
    assert_eq!(lane("web/catalog.py", "function", "redeem_voucher"), 3);
    assert_eq!(lane("src/stock.rs", "method", "ledger_balance"), 3);

    // `disable = ["security.shell"]`: the git call stays in the default lane.
    assert_eq!(lane("src/ops.rs", "function", "git_revision"), 2);

    // Inline annotations: lane=, and ignore= (before a function and trailing on a line).
    assert_eq!(lane("src/ops.rs", "function", "year_end_snapshot"), 3);
    assert_eq!(rules("src/ops.rs", "function", "year_end_snapshot"), ["inline"]);
    assert_eq!(lane("web/catalog.py", "function", "dump_index"), 1);
    assert_eq!(lane("src/ops.rs", "function", "shout"), 2);
    assert_eq!(lane("web/catalog.py", "function", "load_cached_index"), 2);

    // Test code: a tests/ directory in Python, #[cfg(test)] in Rust; both beat vocabulary.
    assert_eq!(lane("tests/test_catalog.py", "function", "test_voucher_can_be_redeemed_once"), 1);
    assert_eq!(lane("src/stock.rs", "module", "tests"), 1);
    assert_eq!(lane("src/stock.rs", "function", "ledger_balance_follows_every_movement"), 1);

    // Traps that must stay Lane 2.
    assert_eq!(lane("web/catalog.py", "function", "tokenize"), 2);
    assert_eq!(lane("web/catalog.py", "function", "fetch_remote_catalog"), 2);
    assert_eq!(lane("web/catalog.py", "method", "unhide"), 2);
    assert_eq!(lane("src/stock.rs", "method", "take"), 2);

    // Nested function, containers.
    let score = region(&json, "web/catalog.py", "function", "score");
    assert_eq!((score["lane"].as_u64(), score["start_line"].as_u64()), (Some(2), Some(43)));
    assert_eq!(lane("web/catalog.py", "class", "SearchIndex"), 2);
    assert_eq!(lane("src/stock.rs", "impl", "Stock"), 3);
    assert_eq!(lane("src/ops.rs", "module", "ops"), 3);

    // A file with a syntax error is still classified.
    assert_eq!(lane("web/broken.py", "function", "clear_thumbnails"), 3);

    // Multibyte characters before the name do not shift lines.
    let label = region(&json, "src/lib.rs", "function", "shelf_label");
    assert_eq!((label["start_line"].as_u64(), label["end_line"].as_u64()), (Some(8), Some(10)));
}

// --- exit codes and messages -------------------------------------------------------------

#[test]
fn nonexistent_path_exits_2() {
    let (code, stdout, stderr) = lanes(repo(), &["check", "tests/fixtures/no-such-dir"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("lanes: error: "), "{stderr}");
    assert!(stderr.contains("tests/fixtures/no-such-dir"), "{stderr}");
}

#[test]
fn nonexistent_path_among_good_ones_exits_2() {
    let (code, _, stderr) = lanes(repo(), &["check", FIXTURE, "tests/fixtures/no-such-dir"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes: error: tests/fixtures/no-such-dir"), "{stderr}");
}

#[test]
fn usage_error_exits_2() {
    let (code, stdout, stderr) = lanes(repo(), &["check", "--format", "xml", FIXTURE]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("error:") && stderr.contains("xml"), "{stderr}");
}

/// A scratch project with one Python file and the given `lanes.toml`.
fn project_with_config(name: &str, config: &str) -> TempDir {
    let dir = TempDir::new(name);
    dir.write("app.py", "def handler(request):\n    return request\n").write("lanes.toml", config);
    dir
}

#[test]
fn malformed_toml_names_line_and_column() {
    let dir = project_with_config(
        "malformed",
        "default-lane = 2\n\n[[paths]]\nglob = \"app.py\"\nlane = 3\n[vocabulary\n",
    );
    let (code, stdout, stderr) = lanes(dir.path(), &["check", "."]);
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("lanes: error: "), "{stderr}");
    // `[vocabulary` is line 6; the table header is unclosed at its end, column 12.
    assert!(stderr.contains("lanes.toml:6:12: "), "{stderr}");
}

#[test]
fn bad_lane_value_names_its_position() {
    let dir = project_with_config("bad-lane", "# comment\ndefault-lane = 4\n");
    let (code, _, stderr) = lanes(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes.toml:2:16: lane must be 1, 2 or 3, not 4"), "{stderr}");
}

#[test]
fn invalid_glob_names_the_line() {
    let dir = project_with_config(
        "bad-glob",
        "default-lane = 2\n\n[[paths]]\nglob = \"src/{a,b\"\nlane = 3\n",
    );
    let (code, _, stderr) = lanes(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes.toml:4:8: invalid glob `src/{a,b`"), "{stderr}");
}

#[test]
fn unknown_key_exits_2() {
    let dir = project_with_config("unknown-key", "default-lane = 2\ncolour = \"red\"\n");
    let (code, _, stderr) = lanes(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes.toml:2:1: unknown field `colour`"), "{stderr}");
}

#[test]
fn unknown_rule_in_disable_exits_2() {
    let dir = project_with_config("unknown-rule", "disable = [\"security.nope\"]\n");
    let (code, _, stderr) = lanes(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes.toml:1:12: `security.nope` is not a rule id"), "{stderr}");
}

#[test]
fn binary_and_non_utf8_files_are_skipped() {
    let dir = TempDir::new("skipped");
    dir.write("good.py", "def ok():\n    return 1\n")
        .write("blob.py", b"def f():\n    return '\x00'\n")
        .write("latin1.py", b"def g():\n    return 'caf\xe9'\n")
        .write("lib.rs", "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n");
    let (code, stdout, stderr) = lanes(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let paths: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["good.py", "lib.rs"]);
    assert_eq!(json["summary"]["files"], 2);

    let skipped: Vec<&str> = stderr.lines().collect();
    assert_eq!(skipped.len(), 2, "{stderr}");
    assert!(
        skipped.iter().any(|l| l.starts_with("lanes: ") && l.contains("blob.py: skipped: binary file")),
        "{stderr}"
    );
    assert!(
        skipped.iter().any(|l| l.starts_with("lanes: ") && l.contains("latin1.py: skipped: not valid UTF-8")),
        "{stderr}"
    );
}

#[test]
fn max_file_size_skips_larger_files() {
    let dir = TempDir::new("max-size");
    dir.write("tiny.rs", "fn a(){}\n") // 9 bytes
        .write("exact.rs", "fn ab(){}\n") // 10 bytes: not larger than the limit
        .write("big.py", "def big():\n    return 1\n");
    let (code, stdout, stderr) = lanes(dir.path(), &["check", "--format", "json", "--max-file-size", "10", "."]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let paths: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["exact.rs", "tiny.rs"]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("lanes: "), "{stderr}");
    assert!(stderr.contains("big.py: skipped: ") && stderr.contains("--max-file-size"), "{stderr}");
}

#[test]
fn explain_line_out_of_range_exits_2() {
    let (code, stdout, stderr) = lanes(repo(), &["explain", &format!("{FIXTURE}/billing/invoices.py:999")]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("lanes: error: ") && stderr.contains("line 999 is out of range"), "{stderr}");

    let (code, _, stderr) = lanes(repo(), &["explain", &format!("{FIXTURE}/billing/invoices.py:0")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 0 is out of range"), "{stderr}");
}

#[test]
fn explain_unsupported_file_exits_2() {
    let (code, stdout, stderr) = lanes(repo(), &["explain", "nofile.txt:1"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("lanes: error: nofile.txt: not a supported file type"), "{stderr}");
}

#[test]
fn explain_without_line_exits_2() {
    let (code, _, stderr) = lanes(repo(), &["explain", &format!("{FIXTURE}/billing/invoices.py")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes: error: expected FILE:LINE"), "{stderr}");
}

// --- output and configuration lookup -----------------------------------------------------

#[test]
fn text_output_has_no_ansi_codes_when_piped() {
    // NO_COLOR is removed: colour must be off because stdout is a pipe, not a terminal.
    let (code, stdout, stderr) = lanes_with(repo(), &["check", FIXTURE], &[("NO_COLOR", None), ("CLICOLOR_FORCE", None)]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("Lane 3"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "ANSI escape in piped output:\n{stdout}");
    assert!(!stderr.contains('\x1b'));
}

#[test]
fn nearest_config_wins() {
    let dir = TempDir::new("nested");
    let body = "def handle(request):\n    return request\n";
    dir.write("lanes.toml", "default-lane = 3\n")
        .write("top.py", body)
        .write("sub/lanes.toml", "default-lane = 1\n")
        .write("sub/inner.py", body)
        .write("sub/deeper/leaf.py", body);
    let (code, stdout, stderr) = lanes(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let by_file: Vec<(&str, u64)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), region(&json, f["path"].as_str().unwrap(), "function", "handle")["lane"].as_u64().unwrap()))
        .collect();
    assert_eq!(by_file, [("sub/deeper/leaf.py", 1), ("sub/inner.py", 1), ("top.py", 3)]);

    // The same holds when the sub-directory is checked from inside it.
    let (code, stdout, _) = lanes(&dir.path().join("sub"), &["check", "--format", "json", "inner.py", "../top.py"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(region(&json, "inner.py", "function", "handle")["lane"], 1);
    assert_eq!(region(&json, "top.py", "function", "handle")["lane"], 3);
}

#[test]
fn gitignored_files_are_not_checked() {
    let dir = TempDir::new("gitignore");
    dir.write(".gitignore", "generated/\n")
        .write("app.py", "def run():\n    return 1\n")
        .write("generated/stub.py", "def stub():\n    return 1\n");
    let (code, stdout, stderr) = lanes(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let paths: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["app.py"]);
}

#[test]
fn rules_lists_the_ids_the_config_uses() {
    let (code, stdout, stderr) = lanes(repo(), &["rules"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.starts_with("| rule |"), "{stdout}");
    for id in ["security.shell", "security.unsafe", "security.deserialize", "billing.money", "test.code"] {
        assert!(stdout.contains(&format!("| `{id}` |")), "{id} missing from `lanes rules`");
    }
}
