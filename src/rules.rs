//! The signal table: what each signal kind means (rule id, category, message), and the
//! identifier vocabulary loaded from `queries/vocabulary.toml`.
//!
//! Queries only state facts (`@signal.<kind>`); this table turns a kind into a rule with a
//! stable id, a category and, through the category, a lane. `lanes.toml` may re-lane a kind.

use serde::Deserialize;

use crate::lane::Category;

/// One signal kind. `kind` is the capture suffix in `@signal.<kind>` and the key used by
/// `[signals]` in `lanes.toml`; `rule` is the stable id shown to users.
#[derive(Clone, Copy, Debug)]
pub struct SignalKind {
    pub kind: &'static str,
    pub rule: &'static str,
    pub category: Category,
    pub message: &'static str,
}

macro_rules! kinds {
    ($($kind:literal => $rule:literal, $cat:ident, $msg:literal;)*) => {
        &[$(SignalKind { kind: $kind, rule: $rule, category: Category::$cat, message: $msg },)*]
    };
}

/// Every built-in signal kind.
pub const SIGNAL_KINDS: &[SignalKind] = kinds! {
    "password" => "security.password", Security, "hashes or verifies a password";
    "secrets" => "security.secrets", Security, "handles a secret, private key or API key";
    "token" => "security.token", Security, "signs or verifies a token (JWT, HMAC, signed data)";
    "crypto" => "security.crypto", Security, "uses a cryptographic primitive";
    "random" => "security.secure-random", Security, "generates randomness for secrets";
    "shell" => "security.shell", Security, "runs an external program or shell command";
    "eval" => "security.eval", Security, "evaluates code built at run time";
    "deserialize" => "security.deserialize", Security, "deserialises data in a format that can run code";
    "unsafe" => "security.unsafe", Security, "contains `unsafe` Rust";
    "sql" => "security.raw-sql", Security, "builds SQL text from strings (injection risk)";
    "session" => "identity.session", Identity, "reads or writes the login session";
    "login" => "identity.login", Identity, "logs a user in or out, or checks credentials";
    "account" => "identity.account", Identity, "creates an account or changes its credentials";
    "permission" => "permission.check", Permission, "checks a permission, role or ownership";
    "payments" => "billing.payment-api", Billing, "calls a payment provider API";
    "money" => "billing.money", Billing, "charges, refunds, invoices or pays out money";
    "pii" => "compliance.pii", Compliance, "handles personal data (PII)";
    "audit" => "compliance.audit", Compliance, "writes the audit trail or serves a data-protection request";
    "delete_files" => "irreversible.delete-files", Irreversible, "deletes files or directories";
    "delete_records" => "irreversible.delete-records", Irreversible, "deletes stored records";
    "destructive_sql" => "irreversible.destructive-sql", Irreversible, "runs destructive SQL (DELETE, DROP, TRUNCATE)";
    "pricing" => "revenue.pricing", Revenue, "computes prices, discounts, taxes or totals";
    "orders" => "revenue.orders", Revenue, "handles orders, carts, stock or quotas";
    "parsing" => "data.parsing", Data, "parses or deserialises external data";
    "validation" => "data.validation", Data, "validates user input";
    "ui" => "ui.presentation", Ui, "formats or renders output for display";
    "test" => "test.code", Test, "is test code";
    "generated" => "generated.code", Generated, "is generated code";
};

pub fn signal_kind(kind: &str) -> Option<&'static SignalKind> {
    SIGNAL_KINDS.iter().find(|k| k.kind == kind)
}

/// Where a vocabulary entry counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WordScope {
    /// Only in the name of a function, method or class.
    Name,
    /// In any identifier of code (names, parameters, variables, fields, attributes).
    Identifier,
}

/// One vocabulary entry: identifier words that are evidence of `kind`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordRule {
    pub kind: String,
    pub scope: WordScope,
    /// Each entry is one word or several words that must follow each other in the
    /// identifier (`"date of birth"` matches `date_of_birth` and `dateOfBirth`).
    pub words: Vec<String>,
    /// Words that, anywhere in the same identifier, cancel the match (`"token"` but not
    /// `"token count"`).
    #[serde(default)]
    pub unless: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    word: Vec<WordRule>,
}

pub const VOCABULARY_SOURCE: &str = include_str!("../queries/vocabulary.toml");

/// The built-in vocabulary. A test checks that it parses and names only known kinds.
pub fn builtin_vocabulary() -> Vec<WordRule> {
    let file: VocabularyFile =
        toml::from_str(VOCABULARY_SOURCE).expect("queries/vocabulary.toml is checked by a test");
    file.word
}

/// The rule list as a Markdown table (README and `lanes rules`), generated from the signal
/// table, the compiled query files and the vocabulary: for each rule, where it is found.
pub fn markdown_table(ruleset: &crate::ruleset::Ruleset) -> String {
    let mut out = String::from("| rule | kind | category | lane | found by | meaning |\n| --- | --- | --- | --- | --- | --- |\n");
    for (id, k) in ruleset.kinds.iter().enumerate().filter(|(_, k)| !k.kind.ends_with("_vocabulary")) {
        let mut sources: Vec<String> = crate::language::SPECS
            .iter()
            .filter(|spec| ruleset.language(spec.language).signal_kinds().contains(&id))
            .map(|spec| format!("`{}/signals.scm`", spec.name))
            .collect();
        if ruleset.words.iter().any(|w| w.kind == id) {
            sources.push("`vocabulary.toml`".to_string());
        }
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            k.rule,
            k.kind,
            k.category,
            k.lane.number(),
            sources.join(", "),
            k.message
        ));
    }
    out
}
