//! `lanes init`: the starter configuration for a scratch tree (snapshot of the whole file),
//! that `lanes check` accepts it, and that an existing configuration is never overwritten.

use std::path::Path;
use std::process::Command;

use expect_test::expect_file;

mod common;
use common::TempDir;

fn lanes(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lanes")).args(args).current_dir(cwd).env("NO_COLOR", "1").output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn init_guesses_path_rules_and_never_overwrites() {
    let dir = TempDir::new("tree");
    dir.write("src/shop/billing/charge.py", "def charge(card):\n    return card\n");
    dir.write("src/shop/auth/login.py", "def check(user):\n    return user\n");
    dir.write("src/shop/catalog.py", "def items():\n    return []\n");
    dir.write("db/migrations/0001_init.py", "def up():\n    pass\n");
    dir.write("docs/conf.py", "project = 'x'\n");
    dir.write("tests/billing/test_charge.py", "def test_charge():\n    pass\n");
    dir.write("build/payments/generated.py", "x = 1\n");
    dir.write(".gitignore", "build/\n");
    let (code, stdout, stderr) = lanes(&dir.0, &["init"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, "lanes: wrote lanes.toml with 4 guessed path rules; review it, then run `lanes check`\n");
    let written = std::fs::read_to_string(dir.0.join("lanes.toml")).unwrap();
    expect_file!["snapshots/init_lanes.toml"].assert_eq(&written);

    // The file is a working configuration.
    let (code, stdout, _) = lanes(&dir.0, &["check", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let lane_of = |path: &str| json["files"].as_array().unwrap().iter().find(|f| f["path"] == path).unwrap()["lane"].clone();
    assert_eq!(lane_of("src/shop/billing/charge.py"), 3);
    assert_eq!(lane_of("db/migrations/0001_init.py"), 3);
    assert_eq!(lane_of("docs/conf.py"), 1);
    assert_eq!(lane_of("tests/billing/test_charge.py"), 1);

    // A second run changes nothing.
    std::fs::write(dir.0.join("lanes.toml"), "default-lane = 3\n").unwrap();
    let (code, _, stderr) = lanes(&dir.0, &["init"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "lanes: error: lanes.toml already exists; lanes init never overwrites a configuration\n");
    assert_eq!(std::fs::read_to_string(dir.0.join("lanes.toml")).unwrap(), "default-lane = 3\n");
}

#[test]
fn init_respects_a_pyproject_table_and_bad_directories() {
    let dir = TempDir::new("pyproject");
    dir.write("pyproject.toml", "[project]\nname = \"x\"\n\n[tool.lanes]\ndefault-lane = 2\n");
    let (code, _, stderr) = lanes(&dir.0, &["init"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "lanes: error: pyproject.toml already has a [tool.lanes] table; lanes init never overwrites a configuration\n");
    assert!(!dir.0.join("lanes.toml").exists());
    let (code, _, stderr) = lanes(&dir.0, &["init", "no/such/dir"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "lanes: error: no/such/dir: no such directory\n");
}
