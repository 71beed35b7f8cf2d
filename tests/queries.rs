//! Query files and the capture vocabulary: every built-in query compiles against its
//! grammar, every capture is documented, predicates the binding would ignore are rejected,
//! and the rule list in README.md is the one the code generates.

use std::path::Path;

use lanes::config::Config;
use lanes::language::Language;
use lanes::queries::{self, QuerySource, CAPTURES};
use lanes::rules::{self, SIGNAL_KINDS};
use lanes::ruleset::{Ruleset, RulesetError};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn builtin_queries_compile_and_use_only_documented_captures() {
    // Ruleset::new compiles every query file and checks captures and predicates.
    let ruleset = Ruleset::new(Config::default(), &[]).unwrap_or_else(|e| panic!("{e}"));
    for kind in SIGNAL_KINDS {
        let id = ruleset.kinds.iter().position(|k| k.kind == kind.kind).unwrap();
        let in_queries = lanes::language::SPECS
            .iter()
            .any(|s| ruleset.language(s.language).signal_kinds().contains(&id));
        let in_vocabulary = ruleset.words.iter().any(|w| w.kind == id);
        assert!(in_queries || in_vocabulary, "signal kind `{}` is found by no query and no vocabulary entry", kind.kind);
    }
}

#[test]
fn vocabulary_names_only_known_kinds() {
    for rule in rules::builtin_vocabulary() {
        assert!(rules::signal_kind(&rule.kind).is_some(), "vocabulary.toml: unknown kind `{}`", rule.kind);
        assert!(!rule.words.is_empty());
    }
}

#[test]
fn readme_capture_table_matches_the_code() {
    let readme = read("queries/README.md");
    let documented: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `@"))
        .map(|l| {
            let (name, rest) = l.split_once("` | ").unwrap();
            (name.to_string(), rest.trim_end_matches(" |").to_string())
        })
        .filter(|(name, _)| name != "signal.<kind>")
        .collect();
    let code: Vec<(String, String)> = CAPTURES.iter().map(|(n, d)| (n.to_string(), d.to_string())).collect();
    assert_eq!(documented, code);
    let kinds_paragraph = readme.split("Signal kinds").nth(1).unwrap().split("`lanes rules`").next().unwrap();
    let listed: Vec<&str> = kinds_paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.starts_with('@') && !w.contains(' ') && !w.starts_with('<'))
        .collect();
    let expected: Vec<&str> = SIGNAL_KINDS.iter().map(|k| k.kind).collect();
    assert_eq!(listed, expected);
}

#[test]
fn readme_rule_list_is_generated() {
    let table = rules::markdown_table(Ruleset::builtin());
    assert!(read("README.md").contains(&table), "README.md must contain the output of `lanes rules`:\n{table}");
}

fn compile_error(source: &str) -> String {
    let sources = [QuerySource { origin: "extra/python/x.scm".into(), text: source.into() }];
    match queries::compile(Language::Python, &sources, &|name: &str| name == "signal.shell") {
        Ok(_) => panic!("query should be rejected: {source}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn predicates_the_binding_ignores_are_rejected() {
    assert_eq!(
        compile_error("; a comment\n((identifier) @signal.shell (#is? @signal.shell local))"),
        "extra/python/x.scm:2:1: `#is?`/`#is-not?` (local) is not evaluated by the tree-sitter binding"
    );
    assert_eq!(
        compile_error("((identifier) @signal.shell (#lua-match? @signal.shell \"^os$\"))"),
        "extra/python/x.scm:1:1: predicate `#lua-match?` is not evaluated by the tree-sitter binding; use #eq?, #match? or #any-of?"
    );
    assert_eq!(
        compile_error("((identifier) @signal.shell (#set! priority 10))"),
        "extra/python/x.scm:1:1: unknown `#set!` key `priority` (known: reason)"
    );
    assert_eq!(
        compile_error("(call) @signal.nope"),
        "extra/python/x.scm:1:8: capture `@signal.nope` is not in the vocabulary (see queries/README.md)"
    );
    let e = compile_error("; c\n(call (no_such_node))");
    assert!(e.starts_with("extra/python/x.scm:2:8: NodeType"), "{e}");
}

#[test]
fn extra_query_folders_are_compiled_and_checked() {
    let dir = std::env::temp_dir().join(format!("lanes-extra-queries-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("q/python")).unwrap();
    std::fs::write(
        dir.join("lanes.toml"),
        "extra-queries = [\"q\"]\n[signals.ledger]\ncategory = \"billing\"\nmessage = \"writes the ledger\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("q/python/ledger.scm"),
        "; Ledger writes move money.\n(call function: (attribute attribute: (identifier) @_f) (#eq? @_f \"post_entry\")) @signal.ledger\n",
    )
    .unwrap();
    let ruleset = lanes::cli::load_ruleset(&dir.join("lanes.toml")).unwrap();
    let text = "def book(entries):\n    entries.post_entry(1)\n";
    let file = lanes::classify::SourceFile {
        path: Path::new("settle.py"),
        rule_path: Path::new("settle.py"),
        language: Language::Python,
        text,
    };
    let c = lanes::classify::classify(&file, &ruleset);
    assert_eq!(c.regions[1].lane, lanes::lane::Lane::Three);
    let rules: Vec<&str> = c.regions[1].evidence.iter().map(|e| &*e.rule).collect();
    assert_eq!(rules, ["billing.ledger"]);

    std::fs::write(dir.join("q/python/ledger.scm"), "(call) @signal.unknown_kind\n").unwrap();
    let err = lanes::cli::load_ruleset(&dir.join("lanes.toml")).err().unwrap();
    assert!(err.to_string().contains("ledger.scm:1:8: capture `@signal.unknown_kind` is not in the vocabulary"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    let _: Option<RulesetError> = None;
}
