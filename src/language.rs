//! Language descriptors: everything the engine needs to know about one language, as data.
//!
//! Adding a language means a grammar crate, a `queries/<name>/` folder and one more
//! `LanguageSpec` in `SPECS`; the engine itself has no per-language branches.

use std::path::Path;

/// A supported language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Rust,
    Python,
}

/// The static description of a language.
pub struct LanguageSpec {
    pub language: Language,
    /// Tree-sitter grammar name, also the name of the `queries/` folder.
    pub name: &'static str,
    /// LSP `languageId`s that select this language.
    pub language_ids: &'static [&'static str],
    pub extensions: &'static [&'static str],
    pub grammar: fn() -> tree_sitter::Language,
    /// The embedded query files, by file name.
    pub queries: &'static [(&'static str, &'static str)],
    /// The line-comment marker, used to find `lanes:` annotations and to write them.
    pub line_comment: &'static str,
    /// Node kinds of comments.
    pub comment_kinds: &'static [&'static str],
    /// Node kinds of string literals and their contents.
    pub string_kinds: &'static [&'static str],
    /// Node kinds of identifiers in code (where vocabulary words count as evidence).
    pub identifier_kinds: &'static [&'static str],
    /// Node kinds whose children are statements or items: evidence is re-checked per child.
    pub statement_containers: &'static [&'static str],
    /// Node kinds that may hold regions: the region finder descends only into these (and
    /// into region nodes), which skips expressions.
    pub region_scopes: &'static [&'static str],
    /// Node kinds that wrap a definition together with its decorators (the region then covers them).
    pub wrapper_kinds: &'static [&'static str],
    /// Node kinds of attributes that precede an item as siblings (the region then covers them).
    pub attribute_kinds: &'static [&'static str],
    /// Node kinds of imports and declarations of other files: never evidence by themselves.
    pub import_kinds: &'static [&'static str],
    /// File names that name the enclosing directory's module (`__init__.py`, `mod.rs`).
    pub package_files: &'static [&'static str],
    /// Templates of the code actions that close gates (`fixes.toml`).
    pub fixes: &'static str,
}

pub static SPECS: &[LanguageSpec] = &[
    LanguageSpec {
        language: Language::Rust,
        name: "rust",
        language_ids: &["rust"],
        extensions: &["rs"],
        grammar: || tree_sitter_rust::LANGUAGE.into(),
        queries: &[
            ("regions.scm", include_str!("../queries/rust/regions.scm")),
            ("signals.scm", include_str!("../queries/rust/signals.scm")),
            ("gates.scm", include_str!("../queries/rust/gates.scm")),
        ],
        fixes: include_str!("../queries/rust/fixes.toml"),
        line_comment: "//",
        comment_kinds: &["line_comment", "block_comment"],
        string_kinds: &["string_literal", "raw_string_literal", "string_content"],
        identifier_kinds: &["identifier", "field_identifier", "type_identifier", "shorthand_field_identifier"],
        statement_containers: &["source_file", "block", "declaration_list"],
        region_scopes: &[
            "source_file", "declaration_list", "block", "expression_statement", "if_expression",
            "else_clause", "loop_expression", "while_expression", "for_expression", "unsafe_block",
            "match_expression", "match_block", "match_arm", "foreign_mod_item",
        ],
        wrapper_kinds: &[],
        attribute_kinds: &["attribute_item"],
        import_kinds: &["use_declaration", "extern_crate_declaration", "mod_item"],
        package_files: &["mod.rs", "lib.rs", "main.rs"],
    },
    LanguageSpec {
        language: Language::Python,
        name: "python",
        language_ids: &["python"],
        extensions: &["py", "pyi"],
        grammar: || tree_sitter_python::LANGUAGE.into(),
        queries: &[
            ("regions.scm", include_str!("../queries/python/regions.scm")),
            ("signals.scm", include_str!("../queries/python/signals.scm")),
            ("gates.scm", include_str!("../queries/python/gates.scm")),
        ],
        fixes: include_str!("../queries/python/fixes.toml"),
        line_comment: "#",
        comment_kinds: &["comment"],
        string_kinds: &["string", "string_content"],
        identifier_kinds: &["identifier"],
        statement_containers: &["module", "block"],
        region_scopes: &[
            "module", "block", "decorated_definition", "if_statement", "elif_clause", "else_clause",
            "for_statement", "while_statement", "try_statement", "except_clause", "except_group_clause",
            "finally_clause", "with_statement", "match_statement", "case_clause",
        ],
        wrapper_kinds: &["decorated_definition"],
        attribute_kinds: &[],
        import_kinds: &["import_statement", "import_from_statement", "future_import_statement"],
        package_files: &["__init__.py"],
    },
];

impl Language {
    pub fn spec(self) -> &'static LanguageSpec {
        SPECS.iter().find(|s| s.language == self).expect("every language has a spec")
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_path(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?;
        SPECS.iter().find(|s| s.extensions.contains(&ext)).map(|s| s.language)
    }

    pub fn from_language_id(id: &str) -> Option<Language> {
        SPECS.iter().find(|s| s.language_ids.contains(&id)).map(|s| s.language)
    }

    pub fn from_name(name: &str) -> Option<Language> {
        SPECS.iter().find(|s| s.name == name).map(|s| s.language)
    }

    pub fn grammar(self) -> tree_sitter::Language {
        (self.spec().grammar)()
    }
}

/// A set of node kinds, tested by kind id (string comparisons are a hot spot otherwise).
#[derive(Clone, Debug, Default)]
pub struct KindSet(Vec<bool>);

impl KindSet {
    /// Every named node kind of `grammar` whose name is in `names`.
    pub fn new<'a>(grammar: &tree_sitter::Language, names: impl IntoIterator<Item = &'a str>) -> KindSet {
        let names: Vec<&str> = names.into_iter().collect();
        let count = grammar.node_kind_count();
        KindSet(
            (0..count as u16)
                .map(|id| grammar.node_kind_for_id(id).is_some_and(|k| names.contains(&k)))
                .collect(),
        )
    }

    pub fn contains(&self, node: tree_sitter::Node) -> bool {
        self.0.get(node.kind_id() as usize).copied().unwrap_or(false)
    }
}

/// The kind sets of a language, built once.
#[derive(Clone, Debug)]
pub struct Kinds {
    pub comments: KindSet,
    pub identifiers: KindSet,
    pub statement_containers: KindSet,
    pub region_scopes: KindSet,
    pub wrappers: KindSet,
    /// Attributes and comments that lead an item (empty when the language has no attributes).
    pub leading: KindSet,
    pub imports: KindSet,
}

impl Kinds {
    pub fn new(spec: &LanguageSpec) -> Kinds {
        let g = (spec.grammar)();
        let leading: Vec<&str> = if spec.attribute_kinds.is_empty() {
            Vec::new()
        } else {
            spec.attribute_kinds.iter().chain(spec.comment_kinds).copied().collect()
        };
        Kinds {
            comments: KindSet::new(&g, spec.comment_kinds.iter().copied()),
            identifiers: KindSet::new(&g, spec.identifier_kinds.iter().copied()),
            statement_containers: KindSet::new(&g, spec.statement_containers.iter().copied()),
            region_scopes: KindSet::new(&g, spec.region_scopes.iter().copied()),
            wrappers: KindSet::new(&g, spec.wrapper_kinds.iter().copied()),
            leading: KindSet::new(&g, leading),
            imports: KindSet::new(&g, spec.import_kinds.iter().copied()),
        }
    }
}
