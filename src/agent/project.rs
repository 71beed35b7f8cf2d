//! Reports over a project for the MCP tools: classify the files asked about, with the tests
//! gate resolved against the project's test code, as `lanes check` does; and a diff's files
//! as they would be after it. Read-only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};

use crate::classify::{classify, SourceFile};
use crate::cli::Rulesets;
use crate::language::Language;
use crate::patch;
use crate::report::{self, FileReport, Summary};

/// Files larger than this are skipped, as by `lanes check`.
const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Reports for `paths` (files or directories, relative to `root`), with the tests gate
/// resolved against the test code under `root`.
pub fn reports(root: &Path, paths: &[PathBuf]) -> anyhow::Result<Vec<FileReport>> {
    let rulesets = Rulesets::default();
    let mut wanted: Vec<PathBuf> = Vec::new();
    for p in paths {
        let full = root.join(p);
        if !full.exists() {
            bail!("{}: no such file or directory", p.display());
        }
        walk(&full, &mut |f| wanted.push(f.to_path_buf()));
    }
    wanted.sort();
    wanted.dedup();
    let mut reports = Vec::new();
    for f in &wanted {
        if let Some(r) = report_for(root, f, None, &rulesets)? {
            reports.push(r);
        }
    }
    // Test code elsewhere in the project is evidence for the tests gate.
    let chosen: HashSet<&PathBuf> = wanted.iter().collect();
    let mut tests: Vec<PathBuf> = Vec::new();
    walk(root, &mut |f| {
        if !chosen.contains(&f.to_path_buf()) {
            tests.push(f.to_path_buf());
        }
    });
    let mut extra = Vec::new();
    for f in tests {
        let dir = f.parent().unwrap_or(Path::new("/"));
        let ruleset = rulesets.for_dir(dir)?;
        let rule_path = ruleset.config.rule_path(&f).unwrap_or_else(|| relative(root, &f));
        if ruleset.config.test_path(&rule_path).is_some() {
            if let Some(r) = report_for(root, &f, None, &rulesets)? {
                extra.push(r);
            }
        }
    }
    let count = reports.len();
    reports.extend(extra);
    report::resolve_tests(&mut reports);
    reports.truncate(count);
    Ok(reports)
}

/// Reports for the files a unified diff changes, as they would be after it, keeping only
/// the regions on changed lines.
pub fn diff_reports(root: &Path, diff: &str) -> anyhow::Result<Vec<FileReport>> {
    let rulesets = Rulesets::default();
    let mut out = Vec::new();
    for p in patch::parse(diff).map_err(|e| anyhow!(e))? {
        if p.new_path.is_none() {
            continue;
        }
        let before = match &p.old_path {
            Some(old) => read(&root.join(old))?.unwrap_or_default(),
            None => String::new(),
        };
        let after = patch::apply(&before, &p).map_err(|e| anyhow!(e))?;
        let path = root.join(p.path());
        let Some(mut r) = report_for(root, &path, Some(after), &rulesets)? else { continue };
        let changed: Vec<std::ops::Range<usize>> = p.hunks.iter().map(|h| h.new_lines()).collect();
        let touches = |start: usize, end: usize| changed.iter().any(|c| c.start <= end && start < c.end.max(c.start + 1));
        let module = r.regions.first().cloned();
        r.regions.retain(|g| g.kind != "module" && touches(g.start_line, g.end_line));
        if r.regions.is_empty() {
            r.regions.extend(module);
        }
        out.push(r);
    }
    Ok(out)
}

/// The JSON of `lanes check` for these reports.
pub fn check_json(reports: &[FileReport]) -> String {
    let mut summary = Summary::default();
    for r in reports {
        summary.add(r);
    }
    report::json(reports, &summary)
}

fn report_for(root: &Path, path: &Path, text: Option<String>, rulesets: &Rulesets) -> anyhow::Result<Option<FileReport>> {
    let Some(language) = Language::from_path(path) else { return Ok(None) };
    let text = match text {
        Some(t) => t,
        None => match read(path)? {
            Some(t) => t,
            None => return Ok(None),
        },
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    let ruleset = rulesets.for_dir(dir)?;
    let shown = relative(root, path);
    let rule_path = ruleset.config.rule_path(path).unwrap_or_else(|| shown.clone());
    let file = SourceFile { path: &shown, rule_path: &rule_path, language, text: &text };
    let c = classify(&file, &ruleset);
    Ok(Some(report::file_report(c, &shown, &text)))
}

/// A file's text; `None` when it is missing, too large, binary or not UTF-8.
fn read(path: &Path) -> anyhow::Result<Option<String>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!("{}: cannot read: {e}", path.display()),
    };
    if meta.len() > MAX_FILE_SIZE {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok())
}

fn walk(path: &Path, f: &mut dyn FnMut(&Path)) {
    let mut builder = ignore::WalkBuilder::new(path);
    builder.require_git(false);
    for entry in builder.build().flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) && Language::from_path(entry.path()).is_some() {
            f(entry.path());
        }
    }
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}
