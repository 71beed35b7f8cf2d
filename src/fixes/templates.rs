//! The code-action templates of each language (`queries/<language>/fixes.toml`), parsed
//! once, and the substitution of `{placeholders}`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::language::Language;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Templates {
    pub tests: Tests,
    pub hooks: Vec<Hook>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Tests {
    pub case: Vec<Case>,
    pub argument: String,
    // Rust
    pub module: Option<String>,
    pub attribute: Option<String>,
    pub async_attribute: Option<String>,
    pub async_runtime: Option<String>,
    #[serde(default)]
    pub async_runtime_features: Vec<String>,
    pub receiver: Option<String>,
    // Python
    pub file: Option<String>,
    pub header: Option<String>,
    pub framework_import: Option<String>,
    pub async_marker: Option<String>,
    #[serde(default)]
    pub async_plugin: Vec<String>,
    pub async_runner_import: Option<String>,
    pub async_runner: Option<String>,
    #[serde(default)]
    pub dependency_files: Vec<String>,
    #[serde(default)]
    pub root_markers: Vec<String>,
    pub default_error: Option<String>,
}

/// One test of the stub: success, failure or edge cases.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Case {
    pub suffix: String,
    /// How arguments are described (`valid`, `invalid`, `edge-case`).
    #[serde(default)]
    pub words: String,
    // Rust: one body per kind of return value.
    pub result: Option<String>,
    pub option: Option<String>,
    pub value: Option<String>,
    pub unit: Option<String>,
    pub unresolved: Option<String>,
    // Python
    pub body: Option<String>,
}

/// One way to make a function observable.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Hook {
    pub name: String,
    #[serde(default)]
    pub default: bool,
    // Rust: chosen by dependency.
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    pub dependency: Option<String>,
    pub attribute: Option<String>,
    #[serde(default)]
    pub plain_types: Vec<String>,
    // Python: chosen by what the module mentions.
    #[serde(default)]
    pub detect: Vec<String>,
    pub import: Option<String>,
    pub setup: Option<String>,
    pub setup_detect: Option<String>,
    pub decorator: Option<String>,
    // Both
    pub statement: Option<String>,
}

impl Templates {
    /// The templates of a language (the built-in files are checked by a test).
    pub fn get(language: Language) -> &'static Templates {
        static RUST: OnceLock<Templates> = OnceLock::new();
        static PYTHON: OnceLock<Templates> = OnceLock::new();
        let cell = match language {
            Language::Rust => &RUST,
            Language::Python => &PYTHON,
        };
        cell.get_or_init(|| Templates::parse(language.spec().fixes).unwrap_or_else(|e| panic!("queries/{}/fixes.toml: {e}", language.name())))
    }

    pub fn parse(text: &str) -> Result<Templates, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The hook called `name`, or the one to use given what the code uses.
    pub fn hook(&self, name: Option<&str>, uses: impl Fn(&Hook) -> bool) -> Option<&Hook> {
        match name {
            Some(name) => self.hooks.iter().find(|h| h.name == name),
            None => self.hooks.iter().find(|h| uses(h)).or_else(|| self.hooks.iter().find(|h| h.default)),
        }
    }
}

/// Every hook name of every language (what `[fixes] observability` accepts).
pub fn hook_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = [Language::Rust, Language::Python]
        .into_iter()
        .flat_map(|l| Templates::get(l).hooks.iter().map(|h| h.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Replace `{key}` by its value for each pair; unknown placeholders stay as they are.
pub fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((key, close)) if pairs.iter().any(|(k, _)| *k == key) => {
                out.push_str(pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).unwrap_or_default());
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_parse() {
        for language in [Language::Rust, Language::Python] {
            let t = Templates::parse(language.spec().fixes).unwrap();
            assert_eq!(t.tests.case.len(), 3, "{language:?}: success, failure, edge cases");
            assert_eq!(t.hooks.iter().filter(|h| h.default).count(), 1, "{language:?}: one default hook");
        }
    }

    #[test]
    fn fill_leaves_unknown_braces() {
        assert_eq!(fill("f({call}) {x} {", &[("call", "a, b")]), "f(a, b) {x} {");
    }
}
