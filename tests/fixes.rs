//! The gate-closing fixes applied to whole fixture projects, as a user would apply them one
//! after another: every Lane 1–2 function of `tests/fixtures/fixes/{rust_crate,py_project}`
//! gets its test stub and its observability hook. The snapshot holds what was offered, the
//! gates afterwards (all met: the actions are not offered again) and the full text of every
//! file that changed. Then the edited Rust crate must pass `cargo check --tests`, and the
//! edited Python project must compile and its stubs be collected by pytest.
//! Update snapshots with `UPDATE_EXPECT=1 cargo test --test fixes`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::expect_file;

mod common;
use common::{classify_project, copy_dir, files_under};
use lanes::classify::Classification;
use lanes::fixes::{self, FileEdit, Style, Target};
use lanes::gates::GateState;
use lanes::language::Language;
use lanes::lane::Lane;
use lanes::project::Disk;
use lanes::ruleset::RegionKind;

/// A fresh copy of a fixture project.
fn project(name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fixes").join(name);
    let dst = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixes").join(name);
    let _ = std::fs::remove_dir_all(&dst);
    copy_dir(&src, &dst);
    dst
}

/// `Type::name` or `name`: how the log names a function.
fn qualified(c: &Classification, i: usize) -> String {
    let r = &c.regions[i];
    match r.region.parent.map(|p| &c.regions[p]) {
        Some(p) if matches!(p.region.kind, RegionKind::Impl | RegionKind::Class) => format!("{}::{}", p.region.name, r.region.name),
        _ => r.region.name.to_string(),
    }
}

fn apply_edit(edit: &FileEdit) {
    match edit {
        FileEdit::Insert { path, inserts } => {
            let text = std::fs::read_to_string(path).unwrap();
            std::fs::write(path, fixes::apply(&text, inserts)).unwrap();
        }
        FileEdit::Create { path, text } => {
            assert!(!path.exists(), "{} would be overwritten", path.display());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
}

/// Apply every fix to every Lane 1–2 function, one at a time, re-reading the project after
/// each; return the log and the project's final files.
fn apply_all(root: &Path, skip_tests_in: &[&str]) -> String {
    let before: BTreeMap<PathBuf, String> = {
        let mut paths = Vec::new();
        files_under(root, &mut paths);
        paths.into_iter().map(|p| (p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read_to_string(&p).unwrap())).collect()
    };
    let mut log = String::new();
    // The functions to visit, by file and qualified name, from the first classification.
    let initial = classify_project(root);
    let mut todo = Vec::new();
    for (rel, (_, c)) in &initial {
        for (i, r) in c.regions.iter().enumerate() {
            if matches!(r.region.kind, RegionKind::Function | RegionKind::Method) && r.lane < Lane::Three && r.gates.tests != GateState::NotApplicable {
                todo.push((rel.clone(), qualified(c, i)));
            }
        }
    }
    for (rel, name) in &todo {
        for gate in ["tests", "observability"] {
            let now = classify_project(root);
            let (text, c) = &now[rel];
            let Some(i) = (0..c.regions.len()).find(|&i| qualified(c, i) == *name) else { panic!("{name} vanished from {}", rel.display()) };
            let r = &c.regions[i];
            let state = if gate == "tests" { r.gates.tests } else { r.gates.observability };
            let label = format!("{} {name} {gate}", rel.display());
            if state != GateState::Missing {
                log.push_str(&format!("{label}: {} (not offered)\n", state.name()));
                continue;
            }
            if gate == "tests" && skip_tests_in.iter().any(|s| rel.ends_with(s)) {
                log.push_str(&format!("{label}: skipped by the test\n"));
                continue;
            }
            let path = root.join(rel);
            let target = Target { path: &path, text, tree: None, language: c.language, decl_start: r.region.decl_range.start, name: &r.region.name };
            let fix = if gate == "tests" { fixes::test_stub(&target, &Disk, true) } else { fixes::observability_hook(&target, &Style::default(), &Disk) };
            match fix {
                Ok(fix) => {
                    let touched: Vec<String> = fix.edits.iter().map(|e| e.path().strip_prefix(root).unwrap().display().to_string()).collect();
                    log.push_str(&format!("{label}: {} [{}]\n", fix.title, touched.join(", ")));
                    for edit in &fix.edits {
                        apply_edit(edit);
                    }
                }
                Err(why) => log.push_str(&format!("{label}: not offered: {}\n", why.0)),
            }
        }
    }
    log.push_str("\n# gates afterwards\n");
    for (rel, (_, c)) in classify_project(root) {
        for (i, r) in c.regions.iter().enumerate() {
            if r.gates.tests != GateState::NotApplicable {
                log.push_str(&format!("{} {}: tests {}, observability {}\n", rel.display(), qualified(&c, i), r.gates.tests.name(), r.gates.observability.name()));
            }
        }
    }
    let mut paths = Vec::new();
    files_under(root, &mut paths);
    for path in paths {
        let rel = path.strip_prefix(root).unwrap().to_path_buf();
        let after = std::fs::read_to_string(&path).unwrap();
        if before.get(&rel) != Some(&after) {
            let status = if before.contains_key(&rel) { "changed" } else { "created" };
            log.push_str(&format!("\n# {status}: {}\n{}", rel.display(), after.replace('\r', "␍")));
        }
    }
    log
}

#[test]
fn rust_stubs_and_hooks_compile() {
    let root = project("rust_crate");
    let log = apply_all(&root, &[]);
    expect_file!["snapshots/fixes/rust_crate.txt"].assert_eq(&log);
    // The edited crate builds, tests included. Its dependencies (tokio, tracing) are ones
    // lanes itself builds with, so they are in the local registry cache.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixes-target");
    let out = Command::new(env!("CARGO"))
        .args(["check", "--tests", "--offline", "--quiet"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo check --tests failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// The Python with pytest and pytest-asyncio that `.ci/test` installs into `.tools/py`
/// (or `LANES_TEST_PYTHON`).
fn test_python() -> PathBuf {
    if let Some(p) = std::env::var_os("LANES_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/py/bin/python");
    assert!(venv.exists(), "{} is missing: run `bash .ci/python-tools.sh` (the README's test command does)", venv.display());
    venv
}

#[test]
fn python_stubs_and_hooks_compile_and_collect() {
    let root = project("py_project");
    // Without file creation, a missing test module is not created (the documented fallback).
    let text = std::fs::read_to_string(root.join("shop/tabs.py")).unwrap();
    let target = Target { path: &root.join("shop/tabs.py"), text: &text, tree: None, language: Language::Python, decl_start: text.find("def double").unwrap(), name: "double" };
    let fallback = fixes::test_stub(&target, &Disk, false).unwrap_err();
    let mut log = format!("without CreateFile: {}\n\n", fallback.0);
    log.push_str(&apply_all(&root, &["shop/telemetry.py"]));
    expect_file!["snapshots/fixes/py_project.txt"].assert_eq(&log);

    let python = test_python();
    let mut paths = Vec::new();
    files_under(&root, &mut paths);
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "py")) {
        let out = Command::new(&python).args(["-m", "py_compile"]).arg(path).output().unwrap();
        assert!(out.status.success(), "py_compile {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    }
    let out = Command::new(&python)
        .args(["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"])
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pytest --collect-only failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let collected: Vec<&str> = stdout.lines().filter(|l| l.contains("::")).collect();
    let stubs = collected.iter().filter(|l| !l.contains("accepts_positive_ids")).count();
    // Three stubs for each of the functions that got some: see the snapshot.
    let expected = log.lines().filter(|l| l.contains(" tests: Add test stub")).count() * 3;
    assert_eq!(stubs, expected, "collected:\n{stdout}");
}
