//! The `lanes check` and `lanes explain` commands: find files (respecting `.gitignore`),
//! read them, find each file's configuration, classify, and render a report. The only
//! file IO outside the language server.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;

use anyhow::{anyhow, bail, Context};

use crate::change::{self, Change, Matched};
use crate::classify::{classify, SourceFile};
use crate::config::{find_config_file, Config};
use crate::diff::{self, Status};
use crate::explain;
use crate::formats::{self, Input};
use crate::git::{self, Against};
use crate::language::Language;
use crate::line_index::LineIndex;
use crate::policy::Policy;
use crate::report::{self, FileReport, Style, Summary};
use crate::ruleset::{read_extra_queries, Ruleset};
use crate::syntax;

/// Output formats of `lanes check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
    Html,
}

pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub stats: bool,
    pub max_file_size: u64,
    /// Only the regions a diff touches (`--diff REV`, `--diff-staged`).
    pub against: Option<Against>,
    /// Policies from `--fail-on` (each file's configuration may add its own).
    pub fail_on: Vec<Policy>,
}

/// Exit statuses.
pub const EXIT_OK: i32 = 0;
/// A policy failed.
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Rulesets per configuration file, shared by the walker threads.
#[derive(Default)]
pub struct Rulesets {
    by_dir: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    by_config: Mutex<HashMap<PathBuf, Arc<Ruleset>>>,
}

/// The built-in ruleset or one loaded from a configuration file.
#[derive(Clone)]
pub enum SharedRuleset {
    Builtin(&'static Ruleset),
    Loaded(Arc<Ruleset>),
}

impl std::ops::Deref for SharedRuleset {
    type Target = Ruleset;

    fn deref(&self) -> &Ruleset {
        match self {
            SharedRuleset::Builtin(r) => r,
            SharedRuleset::Loaded(r) => r,
        }
    }
}

impl Rulesets {
    /// The ruleset for a file in `dir` (an absolute path): the nearest configuration wins.
    pub fn for_dir(&self, dir: &Path) -> anyhow::Result<SharedRuleset> {
        let cached = self.by_dir.lock().expect("not poisoned").get(dir).cloned();
        let config_path = match cached {
            Some(p) => p,
            None => {
                let p = find_config_file(dir);
                self.by_dir.lock().expect("not poisoned").insert(dir.to_path_buf(), p.clone());
                p
            }
        };
        let Some(config_path) = config_path else {
            return Ok(SharedRuleset::Builtin(Ruleset::builtin()));
        };
        if let Some(r) = self.by_config.lock().expect("not poisoned").get(&config_path) {
            return Ok(SharedRuleset::Loaded(r.clone()));
        }
        let ruleset = Arc::new(load_ruleset(&config_path)?);
        self.by_config.lock().expect("not poisoned").insert(config_path, ruleset.clone());
        Ok(SharedRuleset::Loaded(ruleset))
    }
}

/// Read, check and compile one configuration file. Messages show the path relative to the
/// current directory when it is below it.
pub fn load_ruleset(path: &Path) -> anyhow::Result<Ruleset> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path.strip_prefix(&cwd).unwrap_or(path);
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", shown.display()))?;
    let config = Config::from_toml(&text, path)
        .map_err(|mut e| {
            e.path = shown.to_path_buf();
            e
        })?
        .unwrap_or_default();
    let extra = read_extra_queries(&config)?;
    Ok(Ruleset::new(config, &extra)?)
}

/// What happened to one file.
enum Outcome {
    Report(FileReport),
    Skipped(String),
    Fatal(String),
}

fn read_source(path: &Path, max_file_size: u64) -> Result<String, String> {
    let shown = report::display(path);
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if meta.len() > max_file_size {
        return Err(format!(
            "{shown}: skipped: {} bytes is over the {} byte limit (--max-file-size)",
            meta.len(),
            max_file_size
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(format!("{shown}: skipped: binary file"));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("{shown}: skipped: not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
}

fn check_one(path: &Path, rulesets: &Rulesets, max_file_size: u64) -> Option<Outcome> {
    let language = Language::from_path(path)?;
    let text = match read_source(path, max_file_size) {
        Ok(t) => t,
        Err(e) => return Some(Outcome::Skipped(e)),
    };
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = absolute.parent().unwrap_or(Path::new("/"));
    let ruleset = match rulesets.for_dir(dir) {
        Ok(r) => r,
        Err(e) => return Some(Outcome::Fatal(format!("{e:#}"))),
    };
    let rule_path = ruleset.config.rule_path(&absolute).unwrap_or_else(|| PathBuf::from(report::display(path)));
    let file = SourceFile { path, rule_path: &rule_path, language, text: &text };
    let c = classify(&file, &ruleset);
    let mut report = report::file_report(c, path, &text);
    report.fail_on = ruleset.config.fail_on.clone();
    Some(Outcome::Report(report))
}

/// Classify text that is not (or not only) in the working tree, such as a file's version
/// in git history, as if it were at `path`.
fn check_text(path: &Path, text: &str, rulesets: &Rulesets) -> anyhow::Result<Option<FileReport>> {
    let Some(language) = Language::from_path(path) else { return Ok(None) };
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let ruleset = rulesets.for_dir(absolute.parent().unwrap_or(Path::new("/")))?;
    let rule_path = ruleset.config.rule_path(&absolute).unwrap_or_else(|| PathBuf::from(report::display(path)));
    let file = SourceFile { path, rule_path: &rule_path, language, text };
    let mut report = report::file_report(classify(&file, &ruleset), path, text);
    report.fail_on = ruleset.config.fail_on.clone();
    Ok(Some(report))
}

/// Walk `paths` in parallel (respecting ignore files) and call `f` for every file.
fn walk(paths: &[PathBuf], f: &(dyn Fn(&Path) -> bool + Sync)) -> anyhow::Result<()> {
    let mut builder: Option<ignore::WalkBuilder> = None;
    for p in paths {
        if !p.exists() {
            bail!("{}: no such file or directory", p.display());
        }
        match &mut builder {
            None => builder = Some(ignore::WalkBuilder::new(p)),
            Some(b) => {
                b.add(p);
            }
        }
    }
    let Some(mut builder) = builder else { return Ok(()) };
    builder.require_git(false);
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            let Ok(entry) = entry else { return ignore::WalkState::Continue };
            if entry.file_type().is_some_and(|t| t.is_file()) && !f(entry.path()) {
                return ignore::WalkState::Quit;
            }
            ignore::WalkState::Continue
        })
    });
    Ok(())
}

/// CPU time (user + system) of this process so far, in seconds.
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// Peak resident set size of this process, in bytes.
pub fn peak_rss_bytes() -> u64 {
    // SAFETY: as in `cpu_seconds`.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    usage.ru_maxrss as u64 * 1024
}

/// `lanes check`. Returns the exit status.
pub fn check(options: &CheckOptions) -> anyhow::Result<i32> {
    let paths = if options.paths.is_empty() { vec![PathBuf::from(".")] } else { options.paths.clone() };

    let parse_cpu = if options.stats { Some(parse_only(&paths, options.max_file_size)?) } else { None };

    let cpu_start = cpu_seconds();
    let started = Instant::now();
    let rulesets = Rulesets::default();
    let (tx, rx) = mpsc::channel::<Outcome>();
    let mut reports: Vec<FileReport> = Vec::new();
    let mut fatal: Option<String> = None;
    let stderr = std::io::stderr();
    let progress = progress_bar();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let walker = scope.spawn(|| {
            let tx = Mutex::new(tx);
            walk(&paths, &|path| match check_one(path, &rulesets, options.max_file_size) {
                Some(outcome) => {
                    let stop = matches!(outcome, Outcome::Fatal(_));
                    let _ = tx.lock().expect("not poisoned").send(outcome);
                    !stop
                }
                None => true,
            })
        });
        for outcome in rx {
            match outcome {
                Outcome::Report(r) => {
                    reports.push(r);
                    progress.inc(1);
                }
                Outcome::Skipped(message) => {
                    progress.suspend(|| writeln!(stderr.lock(), "lanes: {message}")).ok();
                }
                Outcome::Fatal(message) => {
                    fatal.get_or_insert(message);
                }
            }
        }
        walker.join().map_err(|_| anyhow!("file walker panicked"))?
    })?;
    progress.finish_and_clear();
    if let Some(message) = fatal {
        let _ = writeln!(stderr.lock(), "lanes: error: {message}");
        return Ok(EXIT_ERROR);
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    let matched = match &options.against {
        Some(against) => Some(match_diff(against, &paths, &rulesets, &mut reports)?),
        None => None,
    };
    report::resolve_tests(&mut reports);
    let change = matched.map(|m| change::build(options.against.as_ref().expect("diff given").label(), &reports, m));
    let failures = change::failures(&reports, change.as_ref(), &options.fail_on);
    let policies = change::policies_in_force(&reports, &options.fail_on);
    let mut summary = Summary::default();
    for r in &reports {
        summary.add(r);
    }
    summary.elapsed_ms = started.elapsed().as_millis();
    let check_cpu = cpu_seconds() - cpu_start;

    render(options.format, &reports, &summary, change.as_ref(), &policies, &failures)?;
    {
        let mut err = stderr.lock();
        for f in &failures {
            writeln!(err, "lanes: {}", f.line())?;
        }
    }

    // A second parse-only pass after the check, so that drift in machine load during the run
    // affects both sides of the ratio alike.
    let parse_cpu = match parse_cpu {
        Some((first, files, lines, bytes)) => {
            let (second, ..) = parse_only(&paths, options.max_file_size)?;
            Some(((first + second) / 2.0, files, lines, bytes))
        }
        None => None,
    };
    if let Some((parse_cpu, files, lines, bytes)) = parse_cpu {
        let mut err = stderr.lock();
        writeln!(err, "stats: files {files}, lines {lines}, bytes {:.1} MB", bytes as f64 / 1e6)?;
        writeln!(
            err,
            "stats: parse-only cpu {parse_cpu:.2} s (mean of a pass before and after the check), check cpu {check_cpu:.2} s, ratio {:.2}",
            check_cpu / parse_cpu.max(1e-9)
        )?;
        writeln!(err, "stats: peak rss {} MB", peak_rss_bytes() / (1024 * 1024))?;
    }
    Ok(if failures.is_empty() { EXIT_OK } else { EXIT_FAILED })
}

/// A file counter on stderr while files are checked, only on a terminal and never in CI.
fn progress_bar() -> indicatif::ProgressBar {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if in_ci || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} checked {pos} files in {elapsed}").expect("valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Write the report in `format` to stdout.
fn render(
    format: Format,
    reports: &[FileReport],
    summary: &Summary,
    change: Option<&Change>,
    policies: &[Policy],
    failures: &[change::Failure],
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // With a diff, text and JSON list only the touched files and regions.
    let scoped = change.map(|c| scope(reports, c, summary));
    let (files, shown_summary) = match &scoped {
        Some((files, summary)) => (&files[..], summary),
        None => (reports, summary),
    };
    match format {
        Format::Json if change.is_none() && policies.is_empty() => out.write_all(report::json(reports, summary).as_bytes())?,
        Format::Json => out.write_all(report::json_review(files, shown_summary, change, policies, failures).as_bytes())?,
        Format::Text => {
            let colour = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let style = Style::new(colour);
            match change {
                Some(change) => out.write_all(report::text_change(change, &style).as_bytes())?,
                None => {
                    for r in files {
                        out.write_all(report::text_file(r, &style).as_bytes())?;
                    }
                    out.write_all(report::text_summary(shown_summary, &style).as_bytes())?;
                }
            }
        }
        Format::Sarif | Format::Github | Format::Markdown | Format::Html => {
            let root_paths = root_paths(reports);
            let input = Input { files: reports, summary, change, policies, failures, root_paths: &root_paths };
            let text = match format {
                Format::Sarif => formats::sarif::render(&input),
                Format::Github => formats::github::render(&input),
                Format::Markdown => formats::markdown::render(&input),
                _ => formats::html::render(&input),
            };
            out.write_all(text.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The touched files with only their touched regions, and their counts.
fn scope(reports: &[FileReport], change: &Change, summary: &Summary) -> (Vec<FileReport>, Summary) {
    let mut files: Vec<FileReport> = Vec::new();
    for (i, f) in reports.iter().enumerate() {
        let touched: Vec<usize> = change
            .regions
            .iter()
            .filter(|t| t.change != change::RegionChange::Deleted && t.path == f.path)
            .map(|t| t.index)
            .collect();
        if touched.is_empty() {
            continue;
        }
        let mut file = reports[i].clone();
        file.regions = touched.iter().map(|&r| f.regions[r].clone()).collect();
        files.push(file);
    }
    let mut scoped = Summary { elapsed_ms: summary.elapsed_ms, ..Summary::default() };
    for f in &files {
        scoped.add(f);
    }
    (files, scoped)
}

/// Each report's path relative to the repository root (the nearest directory above the
/// current one with a `.git`), or to the current directory outside a repository.
fn root_paths(reports: &[FileReport]) -> Vec<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = cwd.ancestors().find(|d| d.join(".git").exists()).unwrap_or(&cwd).to_path_buf();
    reports
        .iter()
        .map(|f| {
            let absolute = std::path::absolute(&f.path).unwrap_or_else(|_| PathBuf::from(&f.path));
            let normal: PathBuf = absolute.components().collect();
            match normal.strip_prefix(&root) {
                Ok(rel) => report::display(rel),
                Err(_) => f.path.clone(),
            }
        })
        .collect()
}

/// Run git, and match each changed file in scope (a supported language, under `paths`) with
/// its report; classify the version before the change where lines were removed, and with
/// `--diff-staged` the staged version instead of the working tree's.
fn match_diff(against: &Against, paths: &[PathBuf], rulesets: &Rulesets, reports: &mut [FileReport]) -> anyhow::Result<Vec<Matched>> {
    let cwd = std::fs::canonicalize(std::env::current_dir()?)?;
    let root = std::fs::canonicalize(git::repo_root(&cwd)?)?;
    let text = git::diff(&root, against)?;
    let files = diff::parse(&text).map_err(|e| anyhow!(e))?;
    let scopes: Vec<PathBuf> = paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        if let Ok(p) = std::fs::canonicalize(&r.path) {
            by_path.insert(p, i);
        }
    }
    // How a repository path is shown: relative to the current directory when below it.
    let shown = |repo_path: &str| {
        let absolute = root.join(repo_path);
        match absolute.strip_prefix(&cwd) {
            Ok(rel) => report::display(rel),
            Err(_) => report::display(&absolute),
        }
    };
    let mut matched = Vec::new();
    for file in files {
        let path = file.path().to_string();
        let absolute = root.join(&path);
        if Language::from_path(&absolute).is_none() || !scopes.iter().any(|s| absolute.starts_with(s)) {
            continue;
        }
        let current = if file.status == Status::Deleted { None } else { by_path.get(&absolute).copied() };
        if file.status != Status::Deleted && current.is_none() {
            // Ignored or skipped: not checked, so not in scope.
            continue;
        }
        let mut current_text = None;
        if let Some(i) = current {
            let staged = match (against, &file.new_blob) {
                (Against::Staged, Some(blob)) => git::blob(&root, blob)?,
                _ => None,
            };
            match staged {
                Some(text) => {
                    // The staged version, not the working tree's, is what the diff describes.
                    let display = PathBuf::from(&reports[i].path);
                    if let Some(report) = check_text(&display, &text, rulesets)? {
                        reports[i] = report;
                    }
                    current_text = Some(text);
                }
                None => current_text = std::fs::read_to_string(&reports[i].path).ok(),
            }
        }
        let removes_lines = file.removed.iter().any(|l| matches!(l, diff::Lines::Span(_)));
        let before_text = match &file.old_blob {
            Some(blob) if removes_lines && file.old_path.is_some() => git::blob(&root, blob)?,
            _ => None,
        };
        let before = match (&before_text, &file.old_path) {
            (Some(text), Some(old)) => check_text(Path::new(&shown(old)), text, rulesets)?,
            _ => None,
        };
        matched.push(Matched {
            path: match current {
                Some(i) => reports[i].path.clone(),
                None => shown(&path),
            },
            old_path: file.old_path.as_deref().filter(|_| file.status == Status::Renamed).map(&shown),
            current,
            current_text,
            before,
            before_text,
            diff: file,
        });
    }
    Ok(matched)
}

/// The baseline for `--stats`: walk and read the same files and only parse them.
/// Returns (cpu seconds, files, lines, bytes).
fn parse_only(paths: &[PathBuf], max_file_size: u64) -> anyhow::Result<(f64, usize, usize, usize)> {
    let counts = Mutex::new((0usize, 0usize, 0usize));
    let start = cpu_seconds();
    walk(paths, &|path| {
        if let Some(language) = Language::from_path(path) {
            if let Ok(text) = read_source(path, max_file_size) {
                let tree = syntax::parse(language, &text, None);
                drop(tree);
                let lines = text.lines().count();
                let mut c = counts.lock().expect("not poisoned");
                c.0 += 1;
                c.1 += lines;
                c.2 += text.len();
            }
        }
        true
    })?;
    let cpu = cpu_seconds() - start;
    let (files, lines, bytes) = counts.into_inner().expect("not poisoned");
    Ok((cpu, files, lines, bytes))
}

/// `lanes explain FILE:LINE`: the Markdown explanation of the innermost region at that line.
pub fn explain_at(target: &str) -> anyhow::Result<String> {
    let (file, line) = target
        .rsplit_once(':')
        .and_then(|(f, l)| l.parse::<usize>().ok().map(|l| (f, l)))
        .ok_or_else(|| anyhow!("expected FILE:LINE, for example src/billing.rs:42"))?;
    let path = Path::new(file);
    let language = Language::from_path(path)
        .ok_or_else(|| anyhow!("{file}: not a supported file type (supported: .rs, .py)"))?;
    let text = read_source(path, u64::MAX).map_err(|e| anyhow!(e))?;
    let index = LineIndex::new(&text);
    if line == 0 || line > index.line_count() {
        bail!("{file}: line {line} is out of range (the file has {} lines)", index.line_count());
    }
    let absolute = std::path::absolute(path)?;
    let rulesets = Rulesets::default();
    let ruleset = rulesets.for_dir(absolute.parent().unwrap_or(Path::new("/")))?;
    let rule_path = ruleset.config.rule_path(&absolute).unwrap_or_else(|| PathBuf::from(report::display(path)));
    let source = SourceFile { path, rule_path: &rule_path, language, text: &text };
    let c = classify(&source, &ruleset);
    // The first non-blank character of the line, so that a line inside a region's
    // indentation still lands in it.
    let range = index.line_range(&text, line - 1).expect("line checked above");
    let offset = range.start + text[range.clone()].len() - text[range].trim_start().len();
    let region = c.region_at(offset);
    let position = c.regions.iter().position(|r| std::ptr::eq(r, region)).expect("region of c");
    Ok(explain::explain(&c, position, &text, &index))
}

/// `lanes tree FILE`: the file's syntax tree as an S-expression, one node per line.
pub fn tree(path: &Path) -> anyhow::Result<String> {
    let language = Language::from_path(path)
        .ok_or_else(|| anyhow!("{}: not a supported file type", path.display()))?;
    let text = read_source(path, u64::MAX).map_err(|e| anyhow!(e))?;
    let tree = syntax::parse(language, &text, None);
    let mut out = String::new();
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        if node.is_named() {
            let field = cursor.field_name().map(|f| format!("{f}: ")).unwrap_or_default();
            let p = node.start_position();
            out.push_str(&format!("{}{}{} [{}:{}]\n", "  ".repeat(depth), field, node.kind(), p.row + 1, p.column + 1));
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return Ok(out);
            }
            depth -= 1;
        }
    }
}

/// `lanes init [DIR]`: write a starter `lanes.toml` into DIR, never over an existing
/// configuration. Returns the message for stderr.
pub fn init(dir: &Path) -> anyhow::Result<String> {
    if !dir.is_dir() {
        bail!("{}: no such directory", dir.display());
    }
    let target = dir.join("lanes.toml");
    if target.exists() {
        bail!("{} already exists; lanes init never overwrites a configuration", report::display(&target));
    }
    let pyproject = dir.join("pyproject.toml");
    if std::fs::read_to_string(&pyproject).is_ok_and(|t| t.contains("[tool.lanes")) {
        bail!("{} already has a [tool.lanes] table; lanes init never overwrites a configuration", report::display(&pyproject));
    }
    let mut dirs: Vec<String> = Vec::new();
    let mut walk = ignore::WalkBuilder::new(dir);
    walk.require_git(false).max_depth(Some(6));
    for entry in walk.build().flatten() {
        if entry.depth() == 0 || !entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(dir) {
            dirs.push(report::display(rel));
        }
    }
    dirs.sort();
    let text = crate::init::starter_config(&dirs);
    let rules = crate::init::guess(&dirs).len();
    // `create_new` so that a file appearing meanwhile is never overwritten either.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .with_context(|| format!("cannot create {}", report::display(&target)))?;
    file.write_all(text.as_bytes())?;
    Ok(format!(
        "wrote {} with {rules} guessed path rule{}; review it, then run `lanes check`",
        report::display(&target),
        if rules == 1 { "" } else { "s" }
    ))
}
