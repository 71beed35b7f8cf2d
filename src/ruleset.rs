//! A `Ruleset` is everything classification needs, compiled once per configuration: the
//! region and signal queries of each language, the signal table after `lanes.toml`
//! overrides, the identifier vocabulary, and one text scanner per language that finds the
//! places where signal patterns or vocabulary words can match.

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use tree_sitter::Query;

use crate::config::Config;
use crate::lane::{Category, Lane};
use crate::language::{KindSet, Kinds, Language, SPECS};
use crate::queries::{self, Placement, QueryLoadError, QuerySource, Trigger};
use crate::rules::{self, WordRule, WordScope};
use crate::words::Phrase;

/// Index into `Ruleset::kinds`.
pub type KindId = usize;

/// A signal kind after configuration: what a hit of this kind means.
#[derive(Clone, Debug)]
pub struct Kind {
    pub kind: String,
    pub rule: std::sync::Arc<str>,
    pub category: Category,
    pub lane: Lane,
    pub message: std::sync::Arc<str>,
}

/// What a capture in a compiled query stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureRole {
    Region(RegionKind),
    Name,
    NameQualifier,
    Signal(KindId),
    /// Evidence for the observability gate.
    Observability,
    Helper,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionKind {
    Module,
    Impl,
    Trait,
    Class,
    Function,
    Method,
}

impl RegionKind {
    pub fn name(self) -> &'static str {
        match self {
            RegionKind::Module => "module",
            RegionKind::Impl => "impl",
            RegionKind::Trait => "trait",
            RegionKind::Class => "class",
            RegionKind::Function => "function",
            RegionKind::Method => "method",
        }
    }

    fn from_capture(name: &str) -> Option<RegionKind> {
        Some(match name.strip_prefix("region.")? {
            "module" => RegionKind::Module,
            "impl" => RegionKind::Impl,
            "trait" => RegionKind::Trait,
            "class" => RegionKind::Class,
            "function" => RegionKind::Function,
            "method" => RegionKind::Method,
            _ => return None,
        })
    }
}

/// A compiled query with its captures resolved.
pub struct CompiledQuery {
    pub query: Query,
    /// Node kinds at which some pattern starts; `None` if a pattern can start anywhere.
    pub roots: Option<KindSet>,
    pub roles: Vec<CaptureRole>,
    /// `#set! reason` per pattern.
    pub reasons: Vec<Option<String>>,
}

/// A vocabulary entry, compiled.
#[derive(Clone, Debug)]
pub struct Words {
    pub kind: KindId,
    pub scope: WordScope,
    pub phrases: Vec<Phrase>,
    pub unless: Vec<Phrase>,
}

/// What a scanner needle means when found.
#[derive(Clone, Debug, Default)]
pub struct Needle {
    /// Signal patterns may match where the needle is found in one of these placements.
    pub placements: Vec<Placement>,
    /// Identifier-scope vocabulary entries whose phrase anchor is this needle or a needle
    /// inside it.
    pub words: Vec<usize>,
    /// A shorter needle inside this one is a substring trigger (the scanner reports only
    /// the longest needle at a place).
    pub inner_trigger: bool,
}

/// Compiled rules for one language.
pub struct LanguageRules {
    pub language: Language,
    pub regions: CompiledQuery,
    /// Node kinds at the root of the region patterns: the region query runs on these only.
    pub region_roots: KindSet,
    pub kinds: Kinds,
    /// Signal patterns with a literal trigger: run only around trigger hits.
    pub anchored: Option<CompiledQuery>,
    /// Signal patterns without one: run over the whole tree.
    pub unanchored: Option<CompiledQuery>,
    pub scanner: AhoCorasick,
    pub needles: Vec<Needle>,
}

/// Everything classification needs for one configuration.
pub struct Ruleset {
    pub config: Config,
    pub kinds: Vec<Kind>,
    pub words: Vec<Words>,
    /// Name-scope phrases by their first word: (index into `words`, index of the phrase).
    pub name_index: std::collections::HashMap<String, Vec<(usize, usize)>>,
    languages: Vec<LanguageRules>,
}

#[derive(Debug)]
pub enum RulesetError {
    Query(QueryLoadError),
    Io(String),
}

impl std::fmt::Display for RulesetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RulesetError::Query(e) => e.fmt(f),
            RulesetError::Io(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for RulesetError {}

impl LanguageRules {
    /// The signal kinds some pattern of this language can report.
    pub fn signal_kinds(&self) -> Vec<KindId> {
        let mut kinds: Vec<KindId> = [&self.anchored, &self.unanchored]
            .into_iter()
            .flatten()
            .flat_map(|q| q.roles.iter())
            .filter_map(|r| if let CaptureRole::Signal(k) = r { Some(*k) } else { None })
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }
}

impl Ruleset {
    /// The built-in rules with the default configuration, compiled once per process.
    pub fn builtin() -> &'static Ruleset {
        static BUILTIN: std::sync::LazyLock<Ruleset> = std::sync::LazyLock::new(|| {
            Ruleset::new(Config::default(), &[]).expect("built-in queries are checked by tests")
        });
        &BUILTIN
    }

    /// Compile the rules for `config`; `extra` holds the sources of its extra query folders
    /// as `(language, source)` (see `read_extra_queries`).
    pub fn new(config: Config, extra: &[(Language, QuerySource)]) -> Result<Ruleset, RulesetError> {
        Ruleset::new_for(config, extra, &[])
    }

    /// Like `new`, but compile only the queries of `only` (all languages when empty):
    /// compiling queries is most of a one-shot run's time, and `lanes guard` needs the
    /// language of one file. `language` panics for a language left out.
    pub fn new_for(config: Config, extra: &[(Language, QuerySource)], only: &[Language]) -> Result<Ruleset, RulesetError> {
        Ruleset::build(config, extra, only, None)
    }

    /// The rules of one language for classifying texts whose lower-cased concatenation is
    /// `haystack`: of the built-in signal and gate patterns, only those whose trigger words
    /// occur in it are compiled (each pattern costs about 1.5 ms to compile, and one file
    /// needs few of them). Gives the same classification of those texts as `new_for`.
    pub fn new_for_text(config: Config, extra: &[(Language, QuerySource)], language: Language, haystack: &str) -> Result<Ruleset, RulesetError> {
        Ruleset::build(config, extra, &[language], Some(haystack))
    }

    fn build(config: Config, extra: &[(Language, QuerySource)], only: &[Language], haystack: Option<&str>) -> Result<Ruleset, RulesetError> {
        let kinds = resolve_kinds(&config);
        let kind_id = |name: &str| kinds.iter().position(|k| k.kind == name);

        let mut words = Vec::new();
        for rule in rules::builtin_vocabulary() {
            words.push(compile_words(&rule, kind_id(&rule.kind).expect("vocabulary kinds are checked by a test")));
        }
        for (category, list) in &config.vocabulary {
            let id = kind_id(&vocabulary_kind(*category)).expect("every category has a vocabulary kind");
            for scope in [WordScope::Name, WordScope::Identifier] {
                words.push(Words {
                    kind: id,
                    scope,
                    phrases: list.iter().map(|w| Phrase::parse(w)).collect(),
                    unless: Vec::new(),
                });
            }
        }
        words.retain(|w| !config.is_disabled(&kinds[w.kind].rule));

        let mut languages = Vec::new();
        for spec in SPECS.iter().filter(|s| only.is_empty() || only.contains(&s.language)) {
            let source = |file: &str| {
                let (name, text) = spec.queries.iter().find(|(n, _)| *n == file).expect("query file exists");
                QuerySource { origin: format!("queries/{}/{}", spec.name, name), text: text.to_string() }
            };
            let (regions, _, regions_text) = compile_query(spec.language, &[source("regions.scm")], &kinds, true)
                .map_err(RulesetError::Query)?;
            let region_roots = regions.roots.clone().ok_or_else(|| {
                RulesetError::Io(format!("queries/{}/regions.scm: every region pattern must start with a node kind", spec.name))
            })?;
            let _ = &regions_text;
            let mut signal_sources = vec![source("signals.scm"), source("gates.scm")];
            if let Some(haystack) = haystack {
                for s in &mut signal_sources {
                    s.text = queries::relevant_patterns(&s.text, spec.string_kinds, haystack);
                }
            }
            signal_sources.extend(extra.iter().filter(|(l, _)| *l == spec.language).map(|(_, s)| s.clone()));
            let (all, triggers, text) =
                compile_query(spec.language, &signal_sources, &kinds, false).map_err(RulesetError::Query)?;
            let (anchored, unanchored, needle_words) = split_by_trigger(spec.language, all, &triggers, &text, &kinds)?;

            let mut needles: Vec<(String, Needle)> = Vec::new();
            for (word, placement) in needle_words {
                let i = needle_index(&mut needles, &word);
                if !needles[i].1.placements.contains(&placement) {
                    needles[i].1.placements.push(placement);
                }
            }
            for (wi, w) in words.iter().enumerate() {
                if w.scope != WordScope::Identifier {
                    continue;
                }
                for phrase in &w.phrases {
                    let i = needle_index(&mut needles, phrase.anchor());
                    if !needles[i].1.words.contains(&wi) {
                        needles[i].1.words.push(wi);
                    }
                }
            }
            // Leftmost-longest scanning reports one needle per place, so each needle takes on
            // the work of the needles inside it.
            let snapshot: Vec<(String, Needle)> = needles.clone();
            for (word, needle) in needles.iter_mut() {
                for (inner, other) in &snapshot {
                    if inner != word && word.contains(inner.as_str()) {
                        needle.inner_trigger |=
                            other.placements.iter().any(|p| !matches!(p, Placement::WholeToken | Placement::BeforeBang));
                        for &w in &other.words {
                            if !needle.words.contains(&w) {
                                needle.words.push(w);
                            }
                        }
                    }
                }
            }
            let scanner = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::DFA))
                .build(needles.iter().map(|(w, _)| w.as_str()))
                .map_err(|e| RulesetError::Io(e.to_string()))?;
            languages.push(LanguageRules {
                language: spec.language,
                regions,
                region_roots,
                kinds: Kinds::new(spec),
                anchored,
                unanchored,
                scanner,
                needles: needles.into_iter().map(|(_, n)| n).collect(),
            });
        }
        let mut name_index: std::collections::HashMap<String, Vec<(usize, usize)>> = Default::default();
        for (wi, w) in words.iter().enumerate().filter(|(_, w)| w.scope == WordScope::Name) {
            for (pi, phrase) in w.phrases.iter().enumerate() {
                if let Some(first) = phrase.0.first() {
                    name_index.entry(first.clone()).or_default().push((wi, pi));
                }
            }
        }
        Ok(Ruleset { config, kinds, words, name_index, languages })
    }

    pub fn language(&self, language: Language) -> &LanguageRules {
        self.languages.iter().find(|l| l.language == language).expect("the language was compiled (see `new_for`)")
    }

    pub fn kind(&self, id: KindId) -> &Kind {
        &self.kinds[id]
    }
}

fn needle_index(needles: &mut Vec<(String, Needle)>, word: &str) -> usize {
    match needles.iter().position(|(w, _)| w == word) {
        Some(i) => i,
        None => {
            needles.push((word.to_string(), Needle::default()));
            needles.len() - 1
        }
    }
}

/// The pseudo signal kind of words a project adds to a category with `[vocabulary]`.
pub fn vocabulary_kind(category: Category) -> String {
    format!("{category}_vocabulary")
}

fn resolve_kinds(config: &Config) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = rules::SIGNAL_KINDS
        .iter()
        .map(|k| Kind {
            kind: k.kind.to_string(),
            rule: k.rule.into(),
            category: k.category,
            lane: k.category.default_lane(),
            message: k.message.into(),
        })
        .collect();
    for category in Category::ALL {
        kinds.push(Kind {
            kind: vocabulary_kind(category),
            rule: format!("{category}.vocabulary").into(),
            category,
            lane: category.default_lane(),
            message: format!("uses the project's {category} vocabulary").into(),
        });
    }
    for (name, o) in &config.signals {
        let index = match kinds.iter().position(|k| &k.kind == name) {
            Some(i) => i,
            None => {
                let category = o.category.expect("checked by Config");
                kinds.push(Kind {
                    kind: name.clone(),
                    rule: format!("{category}.{name}").into(),
                    category,
                    lane: category.default_lane(),
                    message: "".into(),
                });
                kinds.len() - 1
            }
        };
        let k = &mut kinds[index];
        if let Some(c) = o.category {
            k.category = c;
            k.lane = c.default_lane();
        }
        if let Some(l) = o.lane {
            k.lane = l;
        }
        if let Some(m) = &o.message {
            k.message = m.as_str().into();
        }
    }
    kinds
}

fn compile_words(rule: &WordRule, kind: KindId) -> Words {
    Words {
        kind,
        scope: rule.scope,
        phrases: rule.words.iter().map(|w| Phrase::parse(w)).collect(),
        unless: rule.unless.iter().map(|w| Phrase::parse(w)).collect(),
    }
}

fn compile_query(
    language: Language,
    sources: &[QuerySource],
    kinds: &[Kind],
    regions: bool,
) -> Result<(CompiledQuery, Vec<Option<Trigger>>, String), QueryLoadError> {
    let known = |name: &str| {
        if regions {
            RegionKind::from_capture(name).is_some() || name == "name" || name == "name.qualifier"
        } else {
            name == "gate.observability" || name.strip_prefix("signal.").is_some_and(|k| kinds.iter().any(|kind| kind.kind == k))
        }
    };
    let (query, triggers, text) = queries::compile(language, sources, &known)?;
    let mut compiled = resolve(query, kinds);
    compiled.roots = pattern_roots(language, &compiled.query, &text);
    Ok((compiled, triggers, text))
}

fn resolve(query: Query, kinds: &[Kind]) -> CompiledQuery {
    let roles = query
        .capture_names()
        .iter()
        .map(|name| {
            if let Some(kind) = RegionKind::from_capture(name) {
                CaptureRole::Region(kind)
            } else if *name == "name" {
                CaptureRole::Name
            } else if *name == "name.qualifier" {
                CaptureRole::NameQualifier
            } else if *name == "gate.observability" {
                CaptureRole::Observability
            } else if let Some(k) = name.strip_prefix("signal.") {
                CaptureRole::Signal(kinds.iter().position(|kind| kind.kind == k).expect("checked"))
            } else {
                CaptureRole::Helper
            }
        })
        .collect();
    let reasons = (0..query.pattern_count())
        .map(|i| {
            query
                .property_settings(i)
                .iter()
                .find(|p| &*p.key == "reason")
                .and_then(|p| p.value.as_deref().map(str::to_string))
        })
        .collect();
    CompiledQuery { query, roots: None, roles, reasons }
}

fn pattern_roots(language: Language, query: &Query, text: &str) -> Option<KindSet> {
    let mut roots = Vec::new();
    for i in 0..query.pattern_count() {
        roots.extend(queries::root_kinds(&text[query.start_byte_for_pattern(i)..])?);
    }
    Some(KindSet::new(&language.grammar(), roots.iter().map(String::as_str)))
}

type Split = (Option<CompiledQuery>, Option<CompiledQuery>, Vec<(String, Placement)>);

/// Split the signal patterns in two queries: those with a trigger and those without. When
/// every pattern has a trigger (the built-in queries), the compiled query is used as is.
fn split_by_trigger(
    language: Language,
    all: CompiledQuery,
    triggers: &[Option<Trigger>],
    text: &str,
    kinds: &[Kind],
) -> Result<Split, RulesetError> {
    let words: Vec<(String, Placement)> =
        triggers.iter().flatten().flat_map(|t| t.words.iter().map(|w| (w.clone(), t.placement))).collect();
    if triggers.iter().all(Option::is_some) {
        return Ok((Some(all), None, words));
    }
    if triggers.iter().all(Option::is_none) {
        return Ok((None, Some(all), words));
    }
    let mut anchored = String::new();
    let mut unanchored = String::new();
    for (i, trigger) in triggers.iter().enumerate() {
        let pattern = &text[all.query.start_byte_for_pattern(i)..all.query.end_byte_for_pattern(i)];
        let target = if trigger.is_some() { &mut anchored } else { &mut unanchored };
        target.push_str(pattern);
        target.push('\n');
    }
    let build = |source: String, origin: &str| -> Result<Option<CompiledQuery>, RulesetError> {
        let query = Query::new(&language.grammar(), &source).map_err(|e| {
            RulesetError::Query(QueryLoadError {
                origin: origin.to_string(),
                line: e.row + 1,
                column: e.column + 1,
                message: e.message,
            })
        })?;
        let mut compiled = resolve(query, kinds);
        compiled.roots = pattern_roots(language, &compiled.query, &source);
        Ok(Some(compiled))
    };
    Ok((build(anchored, "anchored signal patterns")?, build(unanchored, "unanchored signal patterns")?, words))
}

/// Read the `.scm` files of a configuration's extra query folders
/// (`<folder>/<language>/*.scm`). Missing folders are errors.
pub fn read_extra_queries(config: &Config) -> Result<Vec<(Language, QuerySource)>, RulesetError> {
    let mut out = Vec::new();
    for folder in &config.extra_queries {
        if !folder.is_dir() {
            return Err(RulesetError::Io(format!(
                "{}: extra query folder `{}` does not exist",
                config.source.as_deref().unwrap_or(Path::new("lanes.toml")).display(),
                folder.display()
            )));
        }
        for spec in SPECS {
            let dir = folder.join(spec.name);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "scm")) {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| RulesetError::Io(format!("{}: {e}", file.display())))?;
                out.push((spec.language, QuerySource { origin: file.display().to_string(), text }));
            }
        }
    }
    Ok(out)
}
