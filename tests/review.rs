//! `lanes check --diff`, `--diff-staged` and `--fail-on` on a git repository that each test
//! builds from `tests/fixtures/review/v1` (first commit) and `v2` (second commit): the
//! second commit changes Lane 1, 2 and 3 code, renames a file (with and without edits),
//! deletes a file and a function, and adds a file. Snapshots of whole outputs live in
//! `tests/snapshots/review_*` (`UPDATE_EXPECT=1 cargo test --test review`).
//!
//! git runs with no global or system configuration and a scratch HOME, so that nothing of
//! the machine's set-up leaks in.

use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::expect_file;
use serde_json::Value;

fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review").join(version)
}

/// A scratch git repository, removed on drop.
struct Repo(PathBuf);

impl Repo {
    /// `v1` committed, then `v2` committed on top.
    fn new(name: &str) -> Repo {
        let repo = Repo::empty(name);
        copy_tree(&fixture("v1"), &repo.0);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "v1"]);
        repo.git(&["rm", "-r", "-q", "."]);
        copy_tree(&fixture("v2"), &repo.0);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "v2"]);
        repo
    }

    fn empty(name: &str) -> Repo {
        let path = std::env::temp_dir().join(format!("lanes-review-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("home")).unwrap();
        let repo = Repo(path.join("repo"));
        std::fs::create_dir_all(&repo.0).unwrap();
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn env(&self, cmd: &mut Command) {
        let home = self.0.parent().unwrap().join("home");
        cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", home)
            .env("GIT_AUTHOR_NAME", "Ana")
            .env("GIT_AUTHOR_EMAIL", "ana@example.com")
            .env("GIT_COMMITTER_NAME", "Ana")
            .env("GIT_COMMITTER_EMAIL", "ana@example.com")
            .env("GIT_AUTHOR_DATE", "2024-05-01T12:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-05-01T12:00:00Z")
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
    }

    fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&self.0);
        self.env(&mut cmd);
        let out = cmd.output().expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run `lanes ARGS` in the repository (or `dir` below it); (exit code, stdout, stderr).
    fn lanes_in(&self, dir: &str, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lanes"));
        cmd.args(args).current_dir(self.0.join(dir));
        self.env(&mut cmd);
        let out = cmd.output().expect("lanes runs");
        (out.status.code().expect("exit code"), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    }

    fn lanes(&self, args: &[&str]) -> (i32, String, String) {
        self.lanes_in(".", args)
    }

    fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.0.join(relative), text).unwrap();
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.0.join(relative)).unwrap()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn redact_elapsed_ms(json: &str) -> String {
    let key = "\"elapsed_ms\": ";
    let start = json.find(key).expect("elapsed_ms") + key.len();
    let digits = json[start..].bytes().take_while(u8::is_ascii_digit).count();
    format!("{}0{}", &json[..start], &json[start + digits..])
}

fn redact_time(text: &str) -> String {
    text.lines()
        .map(|l| if l.trim_start().starts_with("time ") { "  time         [redacted]" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn diff_json_snapshot() {
    let repo = Repo::new("json");
    let (code, stdout, stderr) = repo.lanes(&["check", "--diff", "HEAD~1", "--format", "json"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    expect_file!["snapshots/review_diff.json"].assert_eq(&redact_elapsed_ms(&stdout));
}

#[test]
fn diff_text_snapshot() {
    let repo = Repo::new("text");
    let (code, stdout, stderr) = repo.lanes(&["check", "--diff", "HEAD~1"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    expect_file!["snapshots/review_diff.txt"].assert_eq(&redact_time(&stdout));
}

#[test]
fn diff_markdown_snapshot() {
    let repo = Repo::new("markdown");
    let (code, stdout, _) = repo.lanes(&["check", "--diff", "HEAD~1", "--format", "markdown", "--fail-on", "lane3-unreviewed"]);
    assert_eq!(code, 1);
    expect_file!["snapshots/review_diff.md"].assert_eq(&stdout);
}

#[test]
fn diff_github_snapshot() {
    let repo = Repo::new("github");
    let (code, stdout, _) = repo.lanes(&["check", "--diff", "HEAD~1", "--format", "github", "--fail-on", "lane>=2-untested"]);
    assert_eq!(code, 1);
    expect_file!["snapshots/review_diff_github.txt"].assert_eq(&stdout);
}

#[test]
fn diff_sarif_snapshot() {
    let repo = Repo::new("sarif");
    let (code, stdout, _) = repo.lanes(&["check", "--diff", "HEAD~1", "--format", "sarif", "--fail-on", "lane3-unreviewed"]);
    assert_eq!(code, 1);
    expect_file!["snapshots/review_diff.sarif"].assert_eq(&stdout);
}

/// Exit code and stderr for each policy, on the same change.
#[test]
fn policies_decide_the_exit_code() {
    let repo = Repo::new("policies");
    let cases: &[(&[&str], i32, &[&str])] = &[
        (&[], 0, &[]),
        (
            &["lane3"],
            1,
            &[
                "app/accounts.py:10: function `delete_account` (removed) fails lane3: it is Lane 3 (irreversible)",
                "app/billing/charges.py:9: function `charge` fails lane3: it is Lane 3 (billing)",
                "app/legacy_refunds.py:5: function `refund_all` (removed) fails lane3: it is Lane 3 (billing)",
            ],
        ),
        (
            &["lane3-unreviewed"],
            1,
            &["app/billing/charges.py:9: function `charge` fails lane3-unreviewed: it is Lane 3 (billing) and it has no current review record (`lanes: reviewed-by=…`)"],
        ),
        (&["lane3-untested"], 1, &["app/billing/charges.py:9: function `charge` fails lane3-untested: it is Lane 3 (billing) and no test refers to it"]),
        (&["lane3-no-rollback"], 0, &[]),
        (
            &["lane>=2-untested"],
            1,
            &[
                "app/billing/charges.py:9: function `charge` fails lane>=2-untested: it is Lane 3 (billing) and no test refers to it",
                "app/notify.py:4: function `summarize` fails lane>=2-untested: it is Lane 2 (core) and no test refers to it",
                "app/text/helpers.py:4: function `slugify` fails lane>=2-untested: it is Lane 2 (core) and no test refers to it",
            ],
        ),
        (
            &["missing-observability"],
            1,
            &[
                "app/notify.py:4: function `summarize` fails missing-observability: it is Lane 2 (core) and it has no log, trace or metric",
                "app/pricing.py:8: function `discount` fails missing-observability: it is Lane 2 (revenue) and it has no log, trace or metric",
                "app/text/helpers.py:4: function `slugify` fails missing-observability: it is Lane 2 (core) and it has no log, trace or metric",
            ],
        ),
        (
            &["lane1"],
            1,
            &[
                "tests/test_pricing.py:1: module `test_pricing` fails lane1: it is Lane 1 (test)",
                "tests/test_pricing.py:8: function `test_discount` fails lane1: it is Lane 1 (test)",
            ],
        ),
        // Two policies: one line per failing region and policy, the first policy first.
        (
            &["lane3-untested", "lane3-unreviewed"],
            1,
            &[
                "app/billing/charges.py:9: function `charge` fails lane3-untested: it is Lane 3 (billing) and no test refers to it",
                "app/billing/charges.py:9: function `charge` fails lane3-unreviewed: it is Lane 3 (billing) and it has no current review record (`lanes: reviewed-by=…`)",
            ],
        ),
    ];
    for (policies, expected_code, expected_lines) in cases {
        let mut args = vec!["check", "--diff", "HEAD~1", "--format", "json"];
        for p in *policies {
            args.extend(["--fail-on", p]);
        }
        let (code, stdout, stderr) = repo.lanes(&args);
        let expected: String = expected_lines.iter().map(|l| format!("lanes: {l}\n")).collect();
        assert_eq!((code, stderr.as_str()), (*expected_code, expected.as_str()), "policies {policies:?}");
        // The JSON lists the same failures.
        let json: Value = serde_json::from_str(&stdout).unwrap();
        let listed = json["policy"]["failures"].as_array().map_or(0, Vec::len);
        assert_eq!(listed, expected_lines.len(), "policies {policies:?}");
    }
}

#[test]
fn without_a_diff_policies_cover_every_region() {
    let repo = Repo::new("full");
    let (code, _, stderr) = repo.lanes(&["check", "--fail-on", "lane3-untested"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "lanes: app/accounts.py:5: function `login` fails lane3-untested: it is Lane 3 (security, identity) and no test refers to it\n\
         lanes: app/billing/charges.py:9: function `charge` fails lane3-untested: it is Lane 3 (billing) and no test refers to it\n\
         lanes: app/billing/charges.py:14: function `cents` fails lane3-untested: it is Lane 3 (billing) and no test refers to it\n"
    );
}

#[test]
fn fail_on_in_lanes_toml() {
    let repo = Repo::new("config");
    // Top-level keys go before the first `[[paths]]` table.
    let config = "fail-on = [\"lane3-untested\"]\n".to_string() + &repo.read("lanes.toml");
    repo.write("lanes.toml", &config);
    let (code, _, stderr) = repo.lanes(&["check", "--diff", "HEAD~1"]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "lanes: app/billing/charges.py:9: function `charge` fails lane3-untested: it is Lane 3 (billing) and no test refers to it\n");
    // The command line adds to the configuration's policies.
    let (code, _, stderr) = repo.lanes(&["check", "--diff", "HEAD~1", "--fail-on", "lane3-untested", "--fail-on", "lane1"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    // A bad policy in the file is a configuration error: exit 2 with its position.
    let bad = repo.read("lanes.toml").replace("lane3-untested", "lane3-untestd");
    repo.write("lanes.toml", &bad);
    let (code, _, stderr) = repo.lanes(&["check", "--diff", "HEAD~1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lanes.toml:1:12: `lane3-untestd` is not a policy"), "{stderr}");
}

#[test]
fn a_review_record_closes_the_gate() {
    let repo = Repo::new("reviewed");
    let (_, explanation, _) = repo.lanes(&["explain", "app/billing/charges.py:10"]);
    let digest = explanation
        .split("reviewed-by=<who> <date> ")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_hexdigit).collect::<String>())
        .unwrap_or_default();
    assert_eq!(digest.len(), 8, "no digest in the explanation:\n{explanation}");
    let text = repo.read("app/billing/charges.py").replace(
        "def charge(card, amount):",
        &format!("# lanes: reviewed-by=ana 2024-05-02 {digest}\ndef charge(card, amount):"),
    );
    repo.write("app/billing/charges.py", &text);
    repo.git(&["commit", "-q", "-a", "-m", "review charge"]);
    let (code, stdout, stderr) = repo.lanes(&["check", "--diff", "HEAD~2", "--fail-on", "lane3-unreviewed", "--format", "json"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["policy"]["failures"], serde_json::json!([]));
    assert_eq!(json["change"]["highest_lane"], 3);
}

#[test]
fn staged_changes_use_the_staged_text() {
    let repo = Repo::new("staged");
    // Staged: `order_total` changes. Not staged: five lines at the top of the file, which
    // shift every line of the working tree's version.
    let staged = repo.read("app/pricing.py").replace("return sum(", "return round(sum(").replace("items)\n", "items), 2)\n");
    repo.write("app/pricing.py", &staged);
    repo.git(&["add", "app/pricing.py"]);
    repo.write("app/pricing.py", &format!("# a\n# b\n# c\n# d\n# e\n{staged}"));
    let (code, stdout, stderr) = repo.lanes(&["check", "--diff-staged", "--format", "json"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let touched: Vec<String> = json["change"]["touched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("{}:{} {} {} lane {}", t["path"].as_str().unwrap(), t["start_line"], t["name"].as_str().unwrap(), t["change"].as_str().unwrap(), t["lane"]))
        .collect();
    assert_eq!(touched, ["app/pricing.py:4 order_total modified lane 2"]);
    assert_eq!(json["change"]["against"], "staged changes");
    // Nothing staged: nothing touched.
    repo.git(&["reset", "-q"]);
    let (code, stdout, _) = repo.lanes(&["check", "--diff-staged", "--format", "json", "--fail-on", "lane1"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["change"]["touched"], serde_json::json!([]));
    assert_eq!(json["change"]["highest_lane"], Value::Null);
}

#[test]
fn paths_narrow_the_change() {
    let repo = Repo::new("narrow");
    let (code, stdout, _) = repo.lanes(&["check", "--diff", "HEAD~1", "--format", "json", "app/billing"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let files: Vec<&str> = json["change"]["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, ["app/billing/charges.py"]);
    // From a subdirectory, paths are shown relative to it, as `lanes check` shows them.
    let (code, stdout, _) = repo.lanes_in("app", &["check", "--diff", "HEAD~1", "--format", "json"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let lane3: Vec<&str> = json["change"]["lane3"].as_array().unwrap().iter().map(|t| t["path"].as_str().unwrap()).collect();
    assert_eq!(lane3, ["accounts.py", "billing/charges.py", "legacy_refunds.py"]);
}

#[test]
fn no_change_touches_nothing() {
    let repo = Repo::new("clean");
    let (code, stdout, stderr) = repo.lanes(&["check", "--diff", "HEAD", "--format", "markdown", "--fail-on", "lane1"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with("### lanes: this change touches no classified code\n"), "{stdout}");
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let repo = Repo::new("errors");
    let (code, _, stderr) = repo.lanes(&["check", "--diff", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("lanes: error: `no-such-branch` is not a commit in "), "{stderr}");
    let (code, _, stderr) = repo.lanes(&["check", "--diff=--output=x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a revision (it looks like an option)"), "{stderr}");
    let (code, _, stderr) = repo.lanes(&["check", "--diff", "HEAD", "--diff-staged"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    let (code, _, stderr) = repo.lanes(&["check", "--fail-on", "lane4"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`lane4` is not a policy"), "{stderr}");

    // Outside any repository.
    let outside = std::env::temp_dir().join(format!("lanes-review-{}-outside", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("a.py"), "def f():\n    pass\n").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lanes"));
    cmd.args(["check", "--diff", "HEAD"]).current_dir(&outside);
    repo.env(&mut cmd);
    cmd.env("GIT_CEILING_DIRECTORIES", std::env::temp_dir());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let _ = std::fs::remove_dir_all(&outside);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("is not inside a git repository: --diff and --diff-staged compare against git history"),
        "{stderr}"
    );
}

#[test]
fn sarif_fingerprints_survive_line_shifts() {
    let repo = Repo::new("fingerprints");
    let fingerprints = |repo: &Repo| -> Vec<(String, u64)> {
        let (_, stdout, _) = repo.lanes(&["check", "--format", "sarif"]);
        let sarif: Value = serde_json::from_str(&stdout).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["lanesRegion/v1"].as_str().unwrap().to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = fingerprints(&repo);
    let text = repo.read("app/billing/charges.py").replace("\"\"\"Charging cards.\"\"\"\n", "\"\"\"Charging cards.\n\nMore words.\n\"\"\"\n");
    repo.write("app/billing/charges.py", &text);
    let after = fingerprints(&repo);
    assert_eq!(before.len(), after.len());
    assert!(!before.is_empty());
    for ((fa, la), (fb, lb)) in before.iter().zip(&after) {
        assert_eq!(fa, fb, "fingerprints stay");
        assert!(lb >= la, "lines move or stay");
    }
    assert!(before.iter().zip(&after).any(|(a, b)| a.1 != b.1), "some results moved: {before:?} {after:?}");
    let unique: std::collections::HashSet<&String> = before.iter().map(|(f, _)| f).collect();
    assert_eq!(unique.len(), before.len(), "fingerprints are unique");
}
