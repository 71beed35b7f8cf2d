//! Lanes for coding agents: `lanes guard` (a pre-edit hook that answers allow, ask or deny),
//! `lanes audit` (what the guard decided) and `lanes mcp` (lanes as tools an agent can call).
//! This is an edge like `cli`: it reads files and speaks the agents' formats; the decision
//! itself is `guard::decide`.

pub mod audit;
pub mod hooks;
pub mod mcp;
pub mod project;

use std::path::{Path, PathBuf};

use std::collections::HashMap;

use crate::config::{find_config_file, Config, PROFILE_VARIABLE};
use crate::guard::{self, Decision, Proposal, Protected, Verdict};
use crate::language::Language;
use crate::patch;
use crate::ruleset::{read_extra_queries, Ruleset};
use hooks::{Answer, EditRequest, FileAnswer, FileEdit, Format, RegionAnswer, Rendered};

/// The environment variable a person sets to let edits through that the guard would ask
/// about or deny; its value is the reason, recorded in the audit log.
pub const OVERRIDE_VARIABLE: &str = "LANES_GUARD_OVERRIDE";

pub struct GuardOptions {
    pub format: Format,
    /// A person's override (from `--override` or `LANES_GUARD_OVERRIDE`).
    pub override_reason: Option<String>,
    /// The profile (from `LANES_ENV`).
    pub profile: Option<String>,
    /// Skip the audit log (for benchmarks).
    pub no_audit: bool,
    /// Print the time spent loading rules and deciding to stderr (for benchmarks).
    pub timings: bool,
}

/// A configuration and, for a language lanes parses, its compiled rules.
type Loaded = (Config, Option<Ruleset>);

/// A file's edit as texts.
struct Resolved {
    absolute: PathBuf,
    before: Option<String>,
    after: String,
    whole_file: bool,
}

/// `lanes guard`: judge the edit in `input` and render the answer in its format.
pub fn guard(input: &str, options: &GuardOptions) -> Rendered {
    let request = match hooks::parse(input, options.format) {
        Ok(Some(r)) => r,
        Ok(None) => return Rendered { stdout: String::new(), stderr: String::new(), exit: 0 },
        Err(e) => return hooks::render_error(&e),
    };
    match judge(&request, options) {
        Ok(rendered) => rendered,
        Err(e) => hooks::render_error(&e),
    }
}

fn judge(request: &EditRequest, options: &GuardOptions) -> Result<Rendered, String> {
    let cwd = match &request.cwd {
        Some(c) => c.clone(),
        None => std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?,
    };
    let mut loaded: HashMap<(Option<PathBuf>, Option<Language>), Loaded> = HashMap::new();
    let mut verdicts: Vec<(Verdict, Resolved, PathBuf)> = Vec::new();
    let (mut load_time, mut decide_time) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut profile_name = String::new();
    let mut grant_allow = false;
    let resolved_all: Vec<Resolved> = request.edits.iter().map(|e| resolve(e, &cwd)).collect::<Result<_, _>>()?;
    // Only the patterns that can match in the texts the guard classifies (the window around
    // each edit, before and after) are compiled.
    let mut haystacks: HashMap<Option<Language>, String> = HashMap::new();
    for r in &resolved_all {
        let language = Language::from_path(&r.absolute);
        let haystack = haystacks.entry(language).or_default();
        if let Some(language) = language {
            haystack.push_str(&guard::classified_text(r.before.as_deref(), &r.after, r.whole_file, language));
            haystack.push('\n');
        }
    }
    for resolved in resolved_all {
        let dir = resolved.absolute.parent().unwrap_or(Path::new("/"));
        let language = Language::from_path(&resolved.absolute);
        let config_file = find_config_file(dir);
        let key = (config_file.clone(), language);
        if !loaded.contains_key(&key) {
            let started = std::time::Instant::now();
            loaded.insert(key.clone(), load(config_file.as_deref(), language, &haystacks[&language])?);
            load_time += started.elapsed();
        }
        let (config, rules) = &loaded[&key];
        let (profile, policy) = config.guard.profile(options.profile.as_deref())?;
        profile_name = profile.to_string();
        grant_allow = config.guard.grant_allow;
        let log = audit::log_path(config, &cwd);
        let rule_path = config.rule_path(&resolved.absolute).unwrap_or_else(|| shown_path(&resolved.absolute, &cwd));
        let shown = shown_path(&resolved.absolute, &cwd);
        let protected = if resolved.absolute == log {
            Some(Protected::AuditLog)
        } else if is_config_file(&resolved) {
            Some(Protected::Config)
        } else {
            None
        };
        let proposal = Proposal {
            path: &shown,
            rule_path: &rule_path,
            before: resolved.before.as_deref(),
            after: &resolved.after,
            protected,
            whole_file: resolved.whole_file,
        };
        let started = std::time::Instant::now();
        let verdict = guard::decide(&proposal, config, rules.as_ref(), policy, profile);
        decide_time += started.elapsed();
        verdicts.push((verdict, resolved, log));
    }
    let decision = verdicts.iter().map(|(v, ..)| v.decision).max().unwrap_or(Decision::Allow);
    let reason: String = verdicts.iter().map(|(v, ..)| v.reason.as_str()).collect::<Vec<_>>().join("\n");
    let overridden = match (&options.override_reason, decision) {
        (Some(why), d) if d > Decision::Allow => Some((why.as_str(), d)),
        _ => None,
    };

    let mut warnings = String::new();
    if !options.no_audit {
        for (v, r, log) in &verdicts {
            let worth = v.touched.iter().any(|t| t.lane() >= crate::lane::Lane::Two) || v.decision > Decision::Allow;
            if !worth && overridden.is_none() {
                continue;
            }
            let record = record(request, v, r, &profile_name, overridden);
            if let Err(e) = audit::append(log, &record.to_line(), audit::WRITE_TIMEOUT) {
                warnings.push_str(&format!("lanes guard: warning: {e}\n"));
            }
        }
    }

    let files = verdicts.iter().map(|(v, ..)| file_answer(v)).collect();
    let final_decision = if overridden.is_some() { Decision::Allow } else { decision };
    let reason = match overridden {
        Some((why, was)) => format!("lanes: allow: a person overrode `{was}` ({OVERRIDE_VARIABLE}: {why}).\n{reason}"),
        None => reason,
    };
    let answer = Answer { decision: final_decision, reason: &reason, profile: &profile_name, files, overridden, grant_allow };
    let mut rendered = hooks::render(request.format, &answer);
    rendered.stderr.push_str(&warnings);
    if options.timings {
        rendered.stderr.push_str(&format!(
            "timings: load {:.1} ms, decide {:.1} ms\n",
            load_time.as_secs_f64() * 1000.0,
            decide_time.as_secs_f64() * 1000.0
        ));
    }
    Ok(rendered)
}

fn record(request: &EditRequest, v: &Verdict, r: &Resolved, profile: &str, overridden: Option<(&str, Decision)>) -> audit::Record {
    let path = v.path.clone();
    audit::Record {
        v: 1,
        time: audit::now(),
        agent: request.agent.clone(),
        tool: request.tool.clone(),
        session: request.session.clone(),
        regions: v
            .touched
            .iter()
            .map(|t| audit::RegionRecord {
                name: t.name.clone(),
                kind: t.kind.to_string(),
                line: t.line,
                lane_before: t.before.as_ref().map(|s| s.lane.number()),
                lane_after: t.after.as_ref().map(|s| s.lane.number()),
            })
            .collect(),
        lanes: v.lanes().iter().map(|l| l.number()).collect(),
        decision: match overridden {
            Some(_) => Decision::Allow.name().to_string(),
            None => v.decision.name().to_string(),
        },
        reason: v.reason.clone(),
        profile: profile.to_string(),
        edit_hash: audit::edit_hash(&[&path, r.before.as_deref().unwrap_or(""), &r.after]),
        override_reason: overridden.map(|(why, _)| why.to_string()),
        overridden: overridden.filter(|_| v.decision > Decision::Allow).map(|_| v.decision.name().to_string()),
        path,
    }
}

fn file_answer(v: &Verdict) -> FileAnswer {
    FileAnswer {
        path: v.path.clone(),
        decision: v.decision.name(),
        regions: v
            .touched
            .iter()
            .map(|t| RegionAnswer {
                name: t.name.clone(),
                kind: t.kind,
                line: t.line,
                lane_before: t.before.as_ref().map(|s| s.lane.number()),
                lane_after: t.after.as_ref().map(|s| s.lane.number()),
                categories: t.after.as_ref().or(t.before.as_ref()).map(|s| s.categories.iter().map(|c| c.name()).collect()).unwrap_or_default(),
                decision: t.decision.name(),
                decided_by: t.decided_by.clone(),
                added: t.added.iter().map(|e| format!("{} (line {})", e.text, e.line)).collect(),
                open_gates: t.open_gates.clone(),
            })
            .collect(),
    }
}

/// The configuration (default when there is no file) and the rules for one language:
/// compiling queries is most of a guard run, so only the file's language is compiled, only
/// the patterns that can match in `haystack` (the lower-cased texts), and none for a file
/// lanes does not parse.
fn load(config_file: Option<&Path>, language: Option<Language>, haystack: &str) -> Result<Loaded, String> {
    let config = match config_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Config::from_toml(&text, path).map_err(|e| e.to_string())?.unwrap_or_default()
        }
        None => Config::default(),
    };
    let Some(language) = language else { return Ok((config, None)) };
    let extra = read_extra_queries(&config).map_err(|e| e.to_string())?;
    let rules = Ruleset::new_for_text(config.clone(), &extra, language, haystack).map_err(|e| e.to_string())?;
    Ok((config, Some(rules)))
}

/// A path as shown: relative to `cwd` when below it.
fn shown_path(absolute: &Path, cwd: &Path) -> PathBuf {
    absolute.strip_prefix(cwd).map(Path::to_path_buf).unwrap_or_else(|_| absolute.to_path_buf())
}

fn is_config_file(r: &Resolved) -> bool {
    match r.absolute.file_name().and_then(|n| n.to_str()) {
        Some("lanes.toml") => true,
        Some("pyproject.toml") => {
            r.before.as_deref().is_some_and(|t| t.contains("[tool.lanes")) || r.after.contains("[tool.lanes")
        }
        _ => false,
    }
}

/// Turn an edit into the file's text before and after it.
fn resolve(edit: &FileEdit, cwd: &Path) -> Result<Resolved, String> {
    let absolute = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) };
    let read = |p: &Path| -> Result<Option<String>, String> {
        match std::fs::read(p) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| format!("{}: not valid UTF-8", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: cannot read: {e}", p.display())),
        }
    };
    match edit {
        FileEdit::Write { path, content } => {
            let absolute = absolute(path);
            let before = read(&absolute)?;
            Ok(Resolved { absolute, before, after: content.clone(), whole_file: false })
        }
        FileEdit::Replace { path, replacements } => {
            let absolute = absolute(path);
            let before = read(&absolute)?;
            let mut after = before.clone().unwrap_or_default();
            let mut whole_file = false;
            for r in replacements {
                if r.old.is_empty() {
                    // Creating a file (Claude's Edit and Gemini's replace with an empty old text).
                    after = if after.is_empty() { r.new.clone() } else { format!("{after}{}", r.new) };
                    continue;
                }
                match after.find(&r.old) {
                    Some(_) if r.all => after = after.replace(&r.old, &r.new),
                    Some(at) => after.replace_range(at..at + r.old.len(), &r.new),
                    None => {
                        // The agent's tool may correct the old text itself: judge the new
                        // text against the whole file.
                        whole_file = true;
                        after.push('\n');
                        after.push_str(&r.new);
                    }
                }
            }
            Ok(Resolved { absolute, before, after, whole_file })
        }
        FileEdit::Patch(p) => {
            let absolute = absolute(p.path());
            let before = match &p.old_path {
                Some(old) => read(&cwd.join(old))?,
                None => None,
            };
            if p.new_path.is_none() {
                // A deletion: the file after is empty.
                return Ok(Resolved { absolute, before, after: String::new(), whole_file: false });
            }
            let after = patch::apply(before.as_deref().unwrap_or(""), p)?;
            Ok(Resolved { absolute, before, after, whole_file: false })
        }
    }
}

/// `lanes audit`: summarise the log found from `start` (or `log` when given).
pub fn audit_summary(log: Option<&Path>, start: &Path, last: usize) -> anyhow::Result<String> {
    let log = match log {
        Some(l) => l.to_path_buf(),
        None => {
            let config = match find_config_file(start) {
                Some(path) => crate::cli::load_ruleset(&path)?.config,
                None => crate::config::Config::default(),
            };
            audit::log_path(&config, start)
        }
    };
    let (records, skipped) = audit::read(&log).map_err(anyhow::Error::msg)?;
    Ok(audit::summary(&records, skipped, &log, last))
}

/// The profile named by `LANES_ENV`, if set.
pub fn profile_from_env() -> Option<String> {
    std::env::var(PROFILE_VARIABLE).ok().filter(|v| !v.is_empty())
}

/// The override reason from `LANES_GUARD_OVERRIDE`, if set.
pub fn override_from_env() -> Option<String> {
    std::env::var(OVERRIDE_VARIABLE).ok().filter(|v| !v.trim().is_empty())
}
