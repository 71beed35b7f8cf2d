//! Project configuration: `lanes.toml`, or `[tool.lanes]` in `pyproject.toml`.
//!
//! `RawConfig` mirrors the file one to one (unknown keys are errors); `Config` is the
//! checked form with compiled globs, built by one fallible `Config::from_toml`. Errors name
//! the file, line and column. Nothing here can run a program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::guard::{self, Decision, Policy as GuardPolicy};
use crate::lane::{Category, Lane};
use crate::line_index::{Encoding, LineIndex};
use crate::policy::Policy;
use crate::rules;

/// File names searched for, nearest first, in each directory.
pub const CONFIG_FILES: &[&str] = &["lanes.toml", "pyproject.toml"];

/// Paths that hold test code unless the configuration says otherwise.
pub const DEFAULT_TEST_PATHS: &[&str] =
    &["**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py", "**/*_tests.rs"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    default_lane: Option<Spanned<i64>>,
    #[serde(default)]
    paths: Vec<RawPathRule>,
    test_paths: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    vocabulary: BTreeMap<Spanned<String>, Vec<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    extra_queries: Vec<String>,
    #[serde(default)]
    signals: BTreeMap<Spanned<String>, RawSignal>,
    #[serde(default)]
    fail_on: Vec<Spanned<String>>,
    fixes: Option<RawFixes>,
    guard: Option<RawGuard>,
}

/// `[fixes]`: the style of the code actions that close gates.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFixes {
    observability: Option<Spanned<String>>,
}

/// `[guard]`: what `lanes guard` answers for edits, per lane and category, with path
/// exceptions and named profiles (`[guard.profiles.ci]`) selected by `LANES_ENV`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGuard {
    profile: Option<Spanned<String>>,
    // The policy keys of every profile (serde's `flatten` would lose the spans).
    lane_1: Option<Spanned<String>>,
    lane_2: Option<Spanned<String>>,
    lane_3: Option<Spanned<String>>,
    config: Option<Spanned<String>>,
    #[serde(default)]
    categories: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    exceptions: Vec<RawException>,
    audit_log: Option<String>,
    grant_allow: Option<bool>,
    #[serde(default)]
    profiles: BTreeMap<Spanned<String>, RawPolicy>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    lane_1: Option<Spanned<String>>,
    lane_2: Option<Spanned<String>>,
    lane_3: Option<Spanned<String>>,
    config: Option<Spanned<String>>,
    #[serde(default)]
    categories: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    glob: Spanned<String>,
    decision: Spanned<String>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPathRule {
    glob: Spanned<String>,
    lane: Spanned<i64>,
    category: Option<Spanned<String>>,
    reason: Option<String>,
}

/// `kind = 3` or `[signals.kind]` with fields. (Untagged enums lose spans, so errors in
/// here point at the kind's key.)
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSignal {
    Lane(i64),
    Table(RawSignalTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignalTable {
    lane: Option<i64>,
    category: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Debug, Deserialize)]
struct PyProjectTool {
    lanes: Option<RawConfig>,
}

/// A configuration error, with a 1-based position in the file when one is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// Byte range of the offending text, for editors.
    pub span: std::ops::Range<usize>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A path rule: files matching `glob` (relative to the config's directory) get `lane`.
#[derive(Clone, Debug)]
pub struct PathRule {
    pub glob: String,
    pub lane: Lane,
    pub category: Option<Category>,
    pub reason: Option<String>,
}

/// How a signal kind is re-laned (or defined, for kinds from extra query folders).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalOverride {
    pub lane: Option<Lane>,
    pub category: Option<Category>,
    pub message: Option<String>,
}

/// A path exception of the guard policy: edits of matching files get `decision`.
#[derive(Clone, Debug)]
pub struct GuardException {
    pub glob: String,
    pub decision: Decision,
    pub reason: Option<String>,
}

/// The checked `[guard]` section.
#[derive(Clone, Debug)]
pub struct GuardConfig {
    /// The profile used when `LANES_ENV` is not set.
    pub default_profile: String,
    /// Every profile: the built-in `dev`, `ci` and `prod`, and those the file defines.
    pub profiles: BTreeMap<String, GuardPolicy>,
    pub exceptions: Vec<GuardException>,
    exception_globs: GlobSet,
    /// The audit log, relative to the configuration's directory.
    pub audit_log: PathBuf,
    /// Pass `allow` on to the agent as an explicit permission (Claude Code then skips its
    /// own prompt); by default lanes only ever asks or denies.
    pub grant_allow: bool,
}

/// The environment variable that selects a guard profile.
pub const PROFILE_VARIABLE: &str = "LANES_ENV";

impl GuardConfig {
    /// The last exception matching `relative` (later ones win, as for path rules).
    pub fn exception(&self, relative: &Path) -> Option<&GuardException> {
        self.exception_globs.matches(relative).into_iter().max().map(|i| &self.exceptions[i])
    }

    /// The profile in force: `env` (the value of `LANES_ENV`) when given, else the
    /// configured default.
    pub fn profile(&self, env: Option<&str>) -> Result<(&str, &GuardPolicy), String> {
        let name = env.filter(|e| !e.is_empty()).unwrap_or(&self.default_profile);
        self.profiles.get_key_value(name).map(|(k, p)| (k.as_str(), p)).ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            format!("{PROFILE_VARIABLE}={name} is not a guard profile (known: {})", known.join(", "))
        })
    }
}

/// The checked configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// Directory that globs are relative to.
    pub root: PathBuf,
    pub default_lane: Lane,
    pub path_rules: Vec<PathRule>,
    path_globs: GlobSet,
    pub test_paths: Vec<String>,
    test_globs: GlobSet,
    pub vocabulary: Vec<(Category, Vec<String>)>,
    pub disabled: Vec<String>,
    pub extra_queries: Vec<PathBuf>,
    pub signals: BTreeMap<String, SignalOverride>,
    /// Policies that make `lanes check` fail on this configuration's files (`fail-on`).
    pub fail_on: Vec<Policy>,
    /// `[fixes]`: the style of the code actions that close gates.
    pub fixes: crate::fixes::Style,
    pub guard: GuardConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config::from_raw(RawConfig::default(), "", Path::new("."), None)
            .expect("the default configuration is valid")
    }
}

impl Config {
    /// Parse `lanes.toml` (or, when `path` is a `pyproject.toml`, its `[tool.lanes]` table).
    /// `path` is used for messages and as the base of relative globs. Returns `Ok(None)` for
    /// a `pyproject.toml` without `[tool.lanes]`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Option<Config>, ConfigError> {
        let root = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let raw = if is_pyproject {
            let py: PyProject = toml::from_str(text).map_err(|e| toml_error(e, text, path))?;
            match py.tool.and_then(|t| t.lanes) {
                Some(raw) => raw,
                None => return Ok(None),
            }
        } else {
            toml::from_str(text).map_err(|e| toml_error(e, text, path))?
        };
        Config::from_raw(raw, text, &root, Some(path)).map(Some)
    }

    fn from_raw(raw: RawConfig, text: &str, root: &Path, path: Option<&Path>) -> Result<Config, ConfigError> {
        let error = |span: std::ops::Range<usize>, message: String| {
            let index = LineIndex::new(text);
            let pos = index.line_col(text, span.start, Encoding::Utf8);
            ConfigError {
                path: path.map_or_else(|| PathBuf::from("<default>"), Path::to_path_buf),
                line: pos.line as usize + 1,
                column: pos.col as usize + 1,
                message,
                span,
            }
        };
        let lane = |value: &Spanned<i64>| {
            Lane::from_number(*value.get_ref())
                .ok_or_else(|| error(value.span(), format!("lane must be 1, 2 or 3, not {}", value.get_ref())))
        };
        let category = |value: &Spanned<String>| {
            value.get_ref().parse::<Category>().map_err(|m| error(value.span(), m))
        };
        let glob = |value: &Spanned<String>| {
            GlobBuilder::new(value.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| error(value.span(), format!("invalid glob `{}`: {}", value.get_ref(), e.kind())))
        };

        let default_lane = match &raw.default_lane {
            Some(v) => lane(v)?,
            None => Lane::Two,
        };

        let mut path_rules = Vec::new();
        let mut path_globs = GlobSetBuilder::new();
        for rule in &raw.paths {
            path_globs.add(glob(&rule.glob)?);
            path_rules.push(PathRule {
                glob: rule.glob.get_ref().clone(),
                lane: lane(&rule.lane)?,
                category: rule.category.as_ref().map(category).transpose()?,
                reason: rule.reason.clone(),
            });
        }

        let mut test_globs = GlobSetBuilder::new();
        let test_paths: Vec<String> = match &raw.test_paths {
            Some(globs) => {
                for g in globs {
                    test_globs.add(glob(g)?);
                }
                globs.iter().map(|g| g.get_ref().clone()).collect()
            }
            None => {
                for g in DEFAULT_TEST_PATHS {
                    test_globs.add(GlobBuilder::new(g).literal_separator(true).build().expect("valid default glob"));
                }
                DEFAULT_TEST_PATHS.iter().map(|s| s.to_string()).collect()
            }
        };

        let mut vocabulary = Vec::new();
        for (cat, words) in &raw.vocabulary {
            vocabulary.push((category(cat)?, words.clone()));
        }

        let mut signals = BTreeMap::new();
        for (kind, value) in &raw.signals {
            let at_key = |v: i64| Spanned::new(kind.span(), v);
            let category_at_key = |c: &String| Spanned::new(kind.span(), c.clone());
            let o = match value {
                RawSignal::Lane(l) => SignalOverride { lane: Some(lane(&at_key(*l))?), category: None, message: None },
                RawSignal::Table(t) => SignalOverride {
                    lane: t.lane.map(|l| lane(&at_key(l))).transpose()?,
                    category: t.category.as_ref().map(|c| category(&category_at_key(c))).transpose()?,
                    message: t.message.clone(),
                },
            };
            let known = rules::signal_kind(kind.get_ref()).is_some();
            if !known && (o.category.is_none() || o.message.is_none()) {
                return Err(error(
                    kind.span(),
                    format!("unknown signal kind `{}`: a new kind needs both `category` and `message`", kind.get_ref()),
                ));
            }
            signals.insert(kind.get_ref().clone(), o);
        }

        let mut disabled = Vec::new();
        for rule in &raw.disable {
            let id = rule.get_ref();
            let known = rules::SIGNAL_KINDS.iter().any(|k| k.rule == id)
                || Category::ALL.iter().any(|c| format!("{c}.vocabulary") == *id)
                || signals.keys().any(|k| {
                    signals[k].category.is_some_and(|c| format!("{c}.{k}") == *id)
                });
            if !known {
                return Err(error(rule.span(), format!("`{id}` is not a rule id (see `lanes rules`)")));
            }
            disabled.push(id.clone());
        }

        let mut fail_on = Vec::new();
        for policy in &raw.fail_on {
            fail_on.push(policy.get_ref().parse::<Policy>().map_err(|m| error(policy.span(), m))?);
        }

        let mut fixes = crate::fixes::Style::default();
        if let Some(hook) = raw.fixes.as_ref().and_then(|f| f.observability.as_ref()) {
            let names = crate::fixes::hook_names();
            if !names.contains(&hook.get_ref().as_str()) {
                return Err(error(hook.span(), format!("unknown observability hook `{}` (known: {})", hook.get_ref(), names.join(", "))));
            }
            fixes.observability = Some(hook.get_ref().clone());
        }

        let raw_guard = raw.guard.unwrap_or_default();
        let decision = |v: &Spanned<String>| v.get_ref().parse::<Decision>().map_err(|m| error(v.span(), m));
        let overlay = |policy: &mut GuardPolicy,
                       lanes: [&Option<Spanned<String>>; 3],
                       config: &Option<Spanned<String>>,
                       categories: &BTreeMap<Spanned<String>, Spanned<String>>|
         -> Result<(), ConfigError> {
            for (i, l) in lanes.iter().enumerate() {
                if let Some(v) = l {
                    policy.lanes[i] = decision(v)?;
                }
            }
            if let Some(v) = config {
                policy.config = decision(v)?;
            }
            for (c, v) in categories {
                policy.categories.insert(category(c)?, decision(v)?);
            }
            Ok(())
        };
        let g = &raw_guard;
        let mut profiles = guard::builtin_profiles();
        for policy in profiles.values_mut() {
            overlay(policy, [&g.lane_1, &g.lane_2, &g.lane_3], &g.config, &g.categories)?;
        }
        for (name, p) in &g.profiles {
            let mut policy = match profiles.get(name.get_ref()) {
                Some(existing) => existing.clone(),
                None => profiles["dev"].clone(),
            };
            overlay(&mut policy, [&p.lane_1, &p.lane_2, &p.lane_3], &p.config, &p.categories)?;
            profiles.insert(name.get_ref().clone(), policy);
        }
        let default_profile = match &g.profile {
            Some(name) if !profiles.contains_key(name.get_ref()) => {
                let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
                return Err(error(
                    name.span(),
                    format!("unknown guard profile `{}` (known: {})", name.get_ref(), known.join(", ")),
                ));
            }
            Some(name) => name.get_ref().clone(),
            None => "dev".to_string(),
        };
        let mut exception_globs = GlobSetBuilder::new();
        let mut exceptions = Vec::new();
        for e in &g.exceptions {
            exception_globs.add(glob(&e.glob)?);
            exceptions.push(GuardException {
                glob: e.glob.get_ref().clone(),
                decision: decision(&e.decision)?,
                reason: e.reason.clone(),
            });
        }

        let build = |b: GlobSetBuilder| b.build().map_err(|e| error(0..0, e.to_string()));
        Ok(Config {
            source: path.map(Path::to_path_buf),
            root: root.to_path_buf(),
            default_lane,
            path_rules,
            path_globs: build(path_globs)?,
            test_paths,
            test_globs: build(test_globs)?,
            vocabulary,
            disabled,
            extra_queries: raw.extra_queries.iter().map(|q| root.join(q)).collect(),
            signals,
            fail_on,
            fixes,
            guard: GuardConfig {
                default_profile,
                profiles,
                exceptions,
                exception_globs: build(exception_globs)?,
                audit_log: PathBuf::from(g.audit_log.as_deref().unwrap_or(".lanes/audit.jsonl")),
                grant_allow: g.grant_allow.unwrap_or(false),
            },
        })
    }

    /// The last path rule matching `relative` (later rules win, as in `.gitignore`).
    pub fn path_rule(&self, relative: &Path) -> Option<&PathRule> {
        self.path_globs.matches(relative).into_iter().max().map(|i| &self.path_rules[i])
    }

    /// The test-path glob matching `relative`, if any.
    pub fn test_path(&self, relative: &Path) -> Option<&str> {
        self.test_globs.matches(relative).first().map(|&i| self.test_paths[i].as_str())
    }

    /// The path globs match for a file at `absolute`: relative to the configuration's
    /// directory. `None` for the default configuration (no file, so no directory) or a file
    /// outside that directory; callers then use the path as they know it.
    pub fn rule_path(&self, absolute: &Path) -> Option<PathBuf> {
        self.source.as_ref()?;
        let root = std::path::absolute(&self.root).ok()?;
        absolute.strip_prefix(&root).ok().map(Path::to_path_buf)
    }

    pub fn is_disabled(&self, rule: &str) -> bool {
        self.disabled.iter().any(|d| d == rule)
    }
}

fn toml_error(e: toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let span = e.span().unwrap_or(0..0);
    let index = LineIndex::new(text);
    let pos = index.line_col(text, span.start, Encoding::Utf8);
    ConfigError {
        path: path.to_path_buf(),
        line: pos.line as usize + 1,
        column: pos.col as usize + 1,
        message: e.message().trim().to_string(),
        span,
    }
}

/// The nearest configuration file at or above `dir`: `lanes.toml`, or a `pyproject.toml`
/// that has a `[tool.lanes]` table.
pub fn find_config_file(dir: &Path) -> Option<PathBuf> {
    for ancestor in dir.ancestors() {
        for name in CONFIG_FILES {
            let candidate = ancestor.join(name);
            if !candidate.is_file() {
                continue;
            }
            if *name == "pyproject.toml" {
                let has_table = std::fs::read_to_string(&candidate)
                    .is_ok_and(|t| t.contains("[tool.lanes"));
                if !has_table {
                    continue;
                }
            }
            return Some(candidate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::from_toml(text, Path::new("proj/lanes.toml")).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_line_and_column() {
        assert_eq!(err("default-lane = 4\n"), "proj/lanes.toml:1:16: lane must be 1, 2 or 3, not 4");
        assert_eq!(
            err("[[paths]]\nglob = \"src/{a,b\"\nlane = 3\n"),
            "proj/lanes.toml:2:8: invalid glob `src/{a,b`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)"
        );
        assert_eq!(
            err("colour = 1\n"),
            "proj/lanes.toml:1:1: unknown field `colour`, expected one of `default-lane`, `paths`, `test-paths`, `vocabulary`, `disable`, `extra-queries`, `signals`, `fail-on`, `fixes`, `guard`"
        );
        assert_eq!(err("fail-on = [\"lane3\", \"lane9\"]\n"), "proj/lanes.toml:1:21: `lane9` is not a policy (expected laneN or lane>=N with N 1-3, optionally followed by -untested, -unobserved, -unreviewed or -no-rollback; or missing-tests, missing-observability, missing-review, missing-rollback)");
        assert_eq!(err("[fixes]\nobservability = \"printf\"\n"), "proj/lanes.toml:2:17: unknown observability hook `printf` (known: log, logging, opentelemetry, structlog, tracing)");
        assert_eq!(err("[fixes]\nstyle = 1\n"), "proj/lanes.toml:2:1: unknown field `style`, expected `observability`");
        assert_eq!(err("disable = [\"security.nope\"]\n"), "proj/lanes.toml:1:12: `security.nope` is not a rule id (see `lanes rules`)");
        assert_eq!(err("[vocabulary]\nmoney = [\"x\"]\n"), "proj/lanes.toml:2:1: unknown category `money` (expected one of security, billing, permission, identity, compliance, irreversible, core, data, revenue, test, docs, ui, generated)");
    }

    #[test]
    fn pyproject_without_table_is_not_a_config() {
        let text = "[project]\nname = \"x\"\n";
        assert!(Config::from_toml(text, Path::new("pyproject.toml")).unwrap().is_none());
        let text = "[project]\nname = \"x\"\n[tool.lanes]\ndefault-lane = 3\n";
        let config = Config::from_toml(text, Path::new("pyproject.toml")).unwrap().unwrap();
        assert_eq!(config.default_lane, Lane::Three);
    }

    #[test]
    fn later_path_rules_win() {
        let text = "[[paths]]\nglob = \"src/**\"\nlane = 2\n[[paths]]\nglob = \"src/billing/**\"\nlane = 3\n";
        let config = Config::from_toml(text, Path::new("lanes.toml")).unwrap().unwrap();
        assert_eq!(config.path_rule(Path::new("src/billing/a.py")).unwrap().lane, Lane::Three);
        assert_eq!(config.path_rule(Path::new("src/a.py")).unwrap().lane, Lane::Two);
        assert!(config.path_rule(Path::new("lib/a.py")).is_none());
        assert_eq!(config.test_path(Path::new("pkg/tests/a.py")), Some("**/tests/**"));
    }
}
