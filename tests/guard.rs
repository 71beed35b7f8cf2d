//! `lanes guard` end to end: recorded hook calls of Claude Code (PreToolUse) and Gemini CLI
//! (BeforeTool), our own JSON and a unified diff, from `tests/fixtures/guard/`, run through
//! the real binary against a copy of the fixture project; the whole answer (exit status,
//! stdout, stderr) and the audit log are snapshots in `tests/snapshots/guard/` (refresh
//! with `UPDATE_EXPECT=1 cargo test --test guard`). Also overrides, profiles and the audit
//! log under concurrent writers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use expect_test::expect_file;

mod common;
use common::copy_dir;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/guard")
}

/// A copy of the fixture project in a scratch directory, removed on drop.
struct Project(PathBuf);

impl Project {
    fn new(name: &str) -> Project {
        let path = std::env::temp_dir().join(format!("lanes-guard-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        copy_dir(&fixtures().join("project"), &path);
        Project(path)
    }

    fn root(&self) -> &Path {
        &self.0
    }

    fn audit_log(&self) -> String {
        std::fs::read_to_string(self.0.join(".lanes/audit.jsonl")).unwrap_or_default()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}


/// Run `lanes guard ARGS` in the project with `input` on stdin; returns the exit status,
/// stdout and stderr with the project's path shown as `<ROOT>`.
fn guard(project: &Project, args: &[&str], input: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lanes"));
    cmd.arg("guard").args(args).current_dir(project.root());
    cmd.env_remove("LANES_ENV").env_remove("LANES_GUARD_OVERRIDE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let root = project.root().display().to_string();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap().replace(&root, "<ROOT>");
    (out.status.code().expect("not killed"), text(out.stdout), text(out.stderr))
}

/// A recorded input with `{{ROOT}}` standing for the project's path.
fn input(name: &str, project: &Project) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap().replace("{{ROOT}}", &project.root().display().to_string())
}

/// The audit log with times and hashes replaced, for snapshots.
fn redact_log(log: &str) -> String {
    log.lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("every line is a record");
            v["time"] = "<time>".into();
            assert!(v["edit_hash"].as_str().unwrap().starts_with("fnv1a64:"));
            v["edit_hash"] = "<hash>".into();
            v["reason"] = "<reason>".into();
            serde_json::to_string(&v).unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run each recorded input in a fresh project and snapshot the answer and the audit log.
fn case(name: &str, args: &[&str]) -> String {
    let project = Project::new(name);
    let (code, stdout, stderr) = guard(&project, args, &input(name, &project), &[]);
    format!(
        "exit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}--- audit log\n{}\n",
        redact_log(&project.audit_log())
    )
}

#[test]
fn claude_code_edit_adding_rmtree_to_a_lane_2_function_is_denied() {
    // The documented JSON decision: permissionDecision "deny" with the reason, exit 0.
    expect_file!["snapshots/guard/claude-edit-adds-rmtree.txt"].assert_eq(&case("claude-edit-adds-rmtree.json", &[]));
}

#[test]
fn claude_code_write_of_a_billing_file_asks() {
    expect_file!["snapshots/guard/claude-write-billing.txt"].assert_eq(&case("claude-write-billing.json", &[]));
}

#[test]
fn claude_code_lane_2_and_test_edits_pass_without_an_opinion() {
    // Allow prints nothing: Claude Code's own permission prompts stay in force.
    expect_file!["snapshots/guard/claude-multiedit-lane2.txt"].assert_eq(&case("claude-multiedit-lane2.json", &[]));
    expect_file!["snapshots/guard/claude-edit-test.txt"].assert_eq(&case("claude-edit-test.json", &[]));
}

#[test]
fn claude_code_edit_of_the_configuration_asks() {
    expect_file!["snapshots/guard/claude-edit-config.txt"].assert_eq(&case("claude-edit-config.json", &[]));
}

#[test]
fn claude_code_tools_that_edit_no_file_get_no_answer() {
    expect_file!["snapshots/guard/claude-bash.txt"].assert_eq(&case("claude-bash.json", &[]));
    expect_file!["snapshots/guard/gemini-read-file.txt"].assert_eq(&case("gemini-read-file.json", &[]));
}

#[test]
fn gemini_cli_ask_becomes_deny_with_a_message_for_the_person() {
    expect_file!["snapshots/guard/gemini-replace-billing.txt"].assert_eq(&case("gemini-replace-billing.json", &[]));
    expect_file!["snapshots/guard/gemini-write-file-new.txt"].assert_eq(&case("gemini-write-file-new.json", &[]));
}

#[test]
fn own_json_escalates_when_the_edit_adds_a_payment_call() {
    expect_file!["snapshots/guard/own-adds-payment.txt"].assert_eq(&case("own-adds-payment.json", &[]));
}

#[test]
fn own_json_path_exception_allows() {
    expect_file!["snapshots/guard/own-exception.txt"].assert_eq(&case("own-exception.json", &[]));
}

#[test]
fn unified_diff_removing_a_billing_function_asks() {
    expect_file!["snapshots/guard/diff-deletes-billing-function.txt"]
        .assert_eq(&case("diff-deletes-billing-function.patch", &["--format", "diff"]));
}

#[test]
fn bad_input_blocks_with_exit_2_and_says_why() {
    expect_file!["snapshots/guard/own-bad.txt"].assert_eq(&case("own-bad.json", &[]));
    let project = Project::new("not-json");
    let (code, stdout, stderr) = guard(&project, &["--format", "claude-code"], "{not json", &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.starts_with("lanes guard could not judge this edit: input is not a hook call: "), "{stderr}");
}

#[test]
fn profiles_come_from_lanes_env() {
    let project = Project::new("profiles");
    let lane2 = input("claude-multiedit-lane2.json", &project);
    // `release` (defined in the fixture's lanes.toml) asks for Lane 2.
    let (code, stdout, _) = guard(&project, &[], &lane2, &[("LANES_ENV", "release")]);
    assert_eq!(code, 0);
    assert!(stdout.contains(r#""permissionDecision":"ask""#), "{stdout}");
    assert!(stdout.contains("lane-2: ask"), "{stdout}");
    // `ci` (built in) denies what `dev` would ask.
    let billing = input("claude-write-billing.json", &project);
    let (_, stdout, _) = guard(&project, &[], &billing, &[("LANES_ENV", "ci")]);
    assert!(stdout.contains(r#""permissionDecision":"deny""#), "{stdout}");
    // An unknown profile is an error that blocks.
    let (code, _, stderr) = guard(&project, &[], &lane2, &[("LANES_ENV", "staging")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("LANES_ENV=staging is not a guard profile (known: ci, dev, prod, release)"), "{stderr}");
}

#[test]
fn a_persons_override_allows_and_is_recorded() {
    let project = Project::new("override");
    let edit = input("claude-edit-adds-rmtree.json", &project);
    let (code, stdout, stderr) = guard(&project, &[], &edit, &[("LANES_GUARD_OVERRIDE", "ticket OPS-12: the archive folder is scratch space")]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    let log = redact_log(&project.audit_log());
    expect_file!["snapshots/guard/override-audit.jsonl"].assert_eq(&format!("{log}\n"));
    let (code, stdout, _) = guard(&project, &["--override", "pairing with Ana", "--format", "json"], &input("own-adds-payment.json", &project), &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"overridden\": {\n    \"reason\": \"pairing with Ana\",\n    \"decision\": \"ask\"\n  }"), "{stdout}");
}

#[test]
fn lanes_audit_summarises_the_log() {
    let project = Project::new("summary");
    for (name, env) in [
        ("claude-edit-adds-rmtree.json", None),
        ("claude-write-billing.json", None),
        ("claude-multiedit-lane2.json", None),
        ("gemini-replace-billing.json", None),
        ("own-adds-payment.json", None),
        ("own-adds-payment.json", Some(("LANES_GUARD_OVERRIDE", "demo for the team"))),
    ] {
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        guard(&project, &[], &input(name, &project), &env);
    }
    // A crash mid-write leaves a torn last line.
    let log = project.root().join(".lanes/audit.jsonl");
    std::fs::OpenOptions::new().append(true).open(&log).unwrap().write_all(br#"{"v":1,"time":"2026-"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lanes")).args(["audit", "--last", "3"]).current_dir(project.root()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap().replace(&project.root().display().to_string(), "<ROOT>");
    // Times vary: keep the shape of the listing.
    let text: String = text
        .lines()
        .map(|l| match l.find("Z ") {
            Some(at) if l.starts_with("  20") => format!("  <time>{}", &l[at + 1..]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    expect_file!["snapshots/guard/audit-summary.txt"].assert_eq(&format!("{text}\n"));
}

#[test]
fn concurrent_guard_processes_write_whole_lines() {
    let project = Project::new("concurrent");
    let edit = input("claude-write-billing.json", &project);
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_lanes"))
                .args(["guard", "--format", "claude-code"])
                .current_dir(project.root())
                .env_remove("LANES_ENV")
                .env_remove("LANES_GUARD_OVERRIDE")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            c.stdin.take().unwrap().write_all(edit.as_bytes()).unwrap();
            c
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    }
    let log = project.audit_log();
    assert_eq!(log.lines().count(), 6);
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole record");
        assert_eq!(v["decision"], "ask");
        assert_eq!(v["agent"], "claude-code");
    }
}
