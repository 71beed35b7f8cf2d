//! Helpers shared by the integration tests: scratch directories, copying fixture projects,
//! listing their files, classifying them with the tests gate resolved across files.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use lanes::classify::{classify, Classification, SourceFile};
use lanes::config::Config;
use lanes::gates::GateState;
use lanes::language::Language;
use lanes::ruleset::Ruleset;

/// A scratch directory under the system temp dir, unique per test binary, process and name,
/// removed on drop (also when the test panics).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("lanes-{}-{}-{name}", env!("CARGO_CRATE_NAME"), std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `contents` to `relative`, creating parent directories (chainable).
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &TempDir {
        self.file(relative, contents);
        self
    }

    /// Write `contents` to `relative`, creating parent directories; the file's path.
    pub fn file(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target" || n == "__pycache__" || n == ".pytest_cache") {
                continue;
            }
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every source file classified, with the tests gate resolved across the project.
pub fn classify_project(root: &Path) -> BTreeMap<PathBuf, (String, Classification)> {
    let ruleset = Ruleset::new(Config::default(), &[]).unwrap();
    let mut paths = Vec::new();
    files_under(root, &mut paths);
    let mut out = BTreeMap::new();
    let mut refs: HashSet<String> = HashSet::new();
    for path in paths {
        let Some(language) = Language::from_path(&path) else { continue };
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path.strip_prefix(root).unwrap().to_path_buf();
        let c = classify(&SourceFile { path: &path, rule_path: &rel, language, text: &text }, &ruleset);
        refs.extend(c.test_refs.iter().cloned());
        out.insert(rel, (text, c));
    }
    for (_, c) in out.values_mut() {
        for r in &mut c.regions {
            if r.gates.tests == GateState::Missing && r.gates.test_keys.iter().any(|k| refs.contains(k)) {
                r.gates.tests = GateState::Present;
            }
        }
    }
    out
}

