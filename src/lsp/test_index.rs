//! The workspace test index: what test code refers to, per file, so that the tests gate of a
//! function is met by a test in any file of the workspace. Filled by a background scan of
//! the test files in the workspace folders, and kept current from open documents.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::classify::Classification;
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

/// Read the test files under `folders` (by the default test paths: `tests/`, `test_*.py`,
/// `*_test.py`, `conftest.py`, …) and collect what they refer to. Files larger than
/// `max_size` are skipped. Runs on a blocking thread.
pub fn scan(folders: &[PathBuf], max_size: usize) -> Vec<(PathBuf, HashSet<String>)> {
    let config = Config::default();
    let mut out = Vec::new();
    for folder in folders {
        for entry in ignore::WalkBuilder::new(folder).build().flatten() {
            let path = entry.path();
            if !entry.file_type().is_some_and(|t| t.is_file()) || Language::from_path(path).is_none() {
                continue;
            }
            let relative = path.strip_prefix(folder).unwrap_or(path);
            if config.test_path(relative).is_none() || too_big(path, max_size) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(path) {
                let mut refs = HashSet::new();
                gates::references(&text, &mut refs);
                out.push((path.to_path_buf(), refs));
            }
        }
    }
    out
}

fn too_big(path: &Path, max_size: usize) -> bool {
    std::fs::metadata(path).map_or(true, |m| m.len() as usize > max_size)
}
