//! The workspace test index: what test code refers to, per file, so that the tests gate of a
//! function is met by a test in any file of the workspace. Filled by a background scan of
//! the test files in the workspace folders, and kept current from open documents.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};

use crate::classify::{classify, Classification, SourceFile};
use crate::ruleset::Ruleset;
use crate::config::Config;
use crate::gates::{self, GateState};
use crate::language::Language;

#[derive(Default)]
pub struct TestIndex {
    by_file: HashMap<PathBuf, HashSet<String>>,
    all: HashSet<String>,
    stale: bool,
}

impl TestIndex {
    /// Record what a file's test code refers to. Returns true when that changed.
    pub fn set(&mut self, file: PathBuf, refs: HashSet<String>) -> bool {
        let unchanged = match self.by_file.get(&file) {
            Some(old) => *old == refs,
            None => refs.is_empty(),
        };
        if unchanged {
            return false;
        }
        if refs.is_empty() {
            self.by_file.remove(&file);
        } else {
            self.by_file.insert(file, refs);
        }
        self.stale = true;
        true
    }

    /// Mark the tests gate present where any indexed test refers to the function.
    pub fn apply(&mut self, c: &mut Classification) {
        if self.stale {
            self.all = self.by_file.values().flatten().cloned().collect();
            self.stale = false;
        }
        for r in &mut c.regions {
            if r.gates.tests == GateState::Missing && r.gates.test_keys.iter().any(|k| self.all.contains(k)) {
                r.gates.tests = GateState::Present;
            }
        }
    }

    pub fn files(&self) -> usize {
        self.by_file.len()
    }
}

/// Read the test code under `folders` and collect what it refers to: test files (by the
/// default test paths: `tests/`, `test_*.py`, `*_test.py`, `conftest.py`, …) whole, and the
/// `#[cfg(test)]` modules of other Rust files. Files larger than `max_size` are skipped.
/// Stops early when `cancel` is set (what was read so far is kept). Runs on a blocking
/// thread.
pub fn scan(folders: &[PathBuf], max_size: usize, cancel: &AtomicBool) -> Vec<(PathBuf, HashSet<String>)> {
    let mut out = Vec::new();
    for folder in folders {
        for entry in ignore::WalkBuilder::new(folder).build().flatten() {
            if cancel.load(Ordering::Relaxed) {
                return out;
            }
            let path = entry.path();
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            if let Some(refs) = read(folder, path, max_size) {
                out.push((path.to_path_buf(), refs));
            }
        }
    }
    out
}

/// What the test code of one file refers to; `None` for a file with no test code (or not
/// readable, or too big).
pub fn read(folder: &Path, path: &Path, max_size: usize) -> Option<HashSet<String>> {
    let language = Language::from_path(path)?;
    let relative = path.strip_prefix(folder).unwrap_or(path);
    let is_test_file = Config::default().test_path(relative).is_some();
    if !is_test_file && language != Language::Rust {
        return None;
    }
    if too_big(path, max_size) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let mut refs = HashSet::new();
    if is_test_file {
        gates::references(&text, language, &mut refs);
    } else if text.contains("cfg(test)") {
        // Only the test modules count: the file's own code refers to itself.
        let file = SourceFile { path, rule_path: relative, language, text: &text };
        refs = classify(&file, Ruleset::builtin()).test_refs;
    }
    (!refs.is_empty()).then_some(refs)
}

fn too_big(path: &Path, max_size: usize) -> bool {
    std::fs::metadata(path).map_or(true, |m| m.len() as usize > max_size)
}
