//! Acceptance gates per region, as data: tests (does some test reference the function?),
//! observability (does it log, trace or count?), review and rollback (Lane 3: recorded by
//! `lanes: reviewed-by=… <date> <digest>` and `lanes: rollback="…"` annotations).

use std::collections::HashSet;

use crate::annotations::Annotation;
use crate::lane::{Category, Lane};
use crate::language::Language;
use crate::ruleset::RegionKind;
use crate::syntax::Region;

/// The state of one gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateState {
    Present,
    Missing,
    NotApplicable,
}

impl GateState {
    pub fn name(self) -> &'static str {
        match self {
            GateState::Present => "present",
            GateState::Missing => "missing",
            GateState::NotApplicable => "not_applicable",
        }
    }
}

/// The gates of a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gates {
    pub tests: GateState,
    pub observability: GateState,
    pub review: GateState,
    pub rollback: GateState,
    /// Names a test could use for the region (`charge`, `Cart::total`, `.total`).
    pub test_keys: Vec<String>,
    /// The digest a review annotation must carry for the code as it is now (Lane 3).
    pub digest: Option<String>,
    /// Why a gate is open when that is not obvious (a review that lapsed).
    pub note: Option<String>,
}

impl Gates {
    pub fn not_applicable() -> Gates {
        Gates {
            tests: GateState::NotApplicable,
            observability: GateState::NotApplicable,
            review: GateState::NotApplicable,
            rollback: GateState::NotApplicable,
            test_keys: Vec::new(),
            digest: None,
            note: None,
        }
    }
}

/// What a region is, for its gates.
pub struct Subject<'a> {
    pub region: &'a Region,
    pub parent: Option<&'a Region>,
    pub lane: Lane,
    pub categories: &'a [Category],
    pub annotation: Option<&'a Annotation>,
    /// A log, trace or metric call lies inside the region.
    pub observed: bool,
}

/// The gates of one region. Functions and methods have gates; containers, modules, test and
/// generated code do not.
pub fn assess(subject: &Subject, text: &str, language: Language, test_refs: &HashSet<String>) -> Gates {
    let r = subject.region;
    let is_code = matches!(r.kind, RegionKind::Function | RegionKind::Method);
    let is_test = subject.categories.iter().any(|c| matches!(c, Category::Test | Category::Generated));
    if !is_code || is_test {
        return Gates::not_applicable();
    }
    let test_keys = test_keys(r, subject.parent);
    let tests = if test_keys.iter().any(|k| test_refs.contains(k)) { GateState::Present } else { GateState::Missing };
    let observability = if subject.observed { GateState::Present } else { GateState::Missing };
    let (mut review, mut rollback, mut digest, mut note) =
        (GateState::NotApplicable, GateState::NotApplicable, None, None);
    if subject.lane == Lane::Three {
        let current = code_digest(&text[r.decl_range.clone()], language);
        review = match subject.annotation.and_then(|a| a.review.as_ref()) {
            Some(record) if record.digest == current => GateState::Present,
            Some(record) => {
                note = Some(format!(
                    "the code changed since {} reviewed it on {}: review again and update the digest to {current}",
                    record.by, record.date
                ));
                GateState::Missing
            }
            None => GateState::Missing,
        };
        digest = Some(current);
        if subject.categories.contains(&Category::Irreversible) {
            rollback = if subject.annotation.is_some_and(|a| a.rollback.is_some()) {
                GateState::Present
            } else {
                GateState::Missing
            };
        }
    }
    Gates { tests, observability, review, rollback, test_keys, digest, note }
}

/// Names under which a test can refer to a region: a free function by its name; a method
/// through its type (`Type::name`, `Type.name`) or a method call (`.name`), except for names
/// too common to tell apart (`new`, `__init__`, `default`, …), where only the type counts.
pub fn test_keys(region: &Region, parent: Option<&Region>) -> Vec<String> {
    let name = &*region.name;
    let owner = parent.filter(|p| matches!(p.kind, RegionKind::Class | RegionKind::Impl | RegionKind::Trait));
    match owner {
        None => vec![name.to_string()],
        Some(p) => {
            // `impl Display for Money` belongs to `Money`.
            let ty = p.name.rsplit(" for ").next().unwrap_or(&p.name);
            let ty = ty.split('<').next().unwrap_or(ty).trim();
            let mut keys = vec![format!("{ty}::{name}"), format!("{ty}.{name}")];
            if name == "__init__" {
                keys.push(ty.to_string());
            } else if !COMMON_METHODS.contains(&name) {
                keys.push(format!(".{name}"));
            }
            keys
        }
    }
}

const COMMON_METHODS: &[&str] =
    &["new", "__init__", "default", "from", "into", "clone", "fmt", "drop", "eq", "hash", "len", "get", "set"];

/// What test code refers to: bare identifiers, `.method` calls and `Type::item` /
/// `Type.attr` pairs, read lexically from the text of test regions. Comments do not count
/// (`# TODO: test refund` is no test of `refund`); strings do, since tests name what they
/// patch or look up (`mock.patch("shop.billing.charge")`).
pub fn references(code: &str, language: Language, refs: &mut HashSet<String>) {
    let code = &*without_comments(code, language);
    qualified_paths(code, refs);
    let types = typed_variables(code);
    let bytes = code.as_bytes();
    let mut i = 0;
    let mut previous: Option<&str> = None;
    let mut separator = "";
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let ident = &code[start..i];
            if !refs.contains(ident) {
                refs.insert(ident.to_string());
            }
            match (separator, previous) {
                ("::", Some(p)) => {
                    refs.insert(format!("{p}::{ident}"));
                }
                (".", Some(p)) => {
                    refs.insert(format!("{p}.{ident}"));
                    // A variable made by a constructor calls its type's method; any other
                    // receiver could be of any type.
                    match types.get(p) {
                        Some(ty) => {
                            refs.insert(format!("{ty}.{ident}"));
                            refs.insert(format!("{ty}::{ident}"));
                        }
                        None => {
                            refs.insert(format!(".{ident}"));
                        }
                    }
                }
                (".", None) => {
                    refs.insert(format!(".{ident}"));
                }
                _ => {}
            }
            previous = Some(ident);
            separator = "";
            continue;
        }
        if bytes[i..].starts_with(b"::") {
            separator = "::";
            i += 2;
            continue;
        }
        if b == b'.' {
            separator = ".";
        } else if !b.is_ascii_whitespace() {
            // A call's closing parenthesis still allows `.method` chains: `Cart().total()`.
            if b != b')' {
                previous = None;
            }
            separator = "";
        }
        i += 1;
    }
}

/// Variables assigned from a constructor, with their type: `basket = Basket("ann")`,
/// `let mut ledger = Ledger::new();`, `let cart = shop::Cart { .. };`.
fn typed_variables(code: &str) -> std::collections::HashMap<&str, &str> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut types = std::collections::HashMap::new();
    for line in code.lines() {
        let mut rest = line.trim_start();
        for keyword in ["let ", "mut "] {
            rest = rest.strip_prefix(keyword).map_or(rest, str::trim_start);
        }
        let name_len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        if name.is_empty() {
            continue;
        }
        // An optional `: Type`, then `=` (not `==`).
        let Some(eq) = after.find('=') else { continue };
        if after[eq + 1..].starts_with('=') || !after[..eq].trim().trim_start_matches(':').chars().all(|c| is_ident(c) || " <>:&".contains(c)) {
            continue;
        }
        let rhs = after[eq + 1..].trim_start();
        let path_len = rhs.find(|c: char| !(is_ident(c) || c == '.' || c == ':')).unwrap_or(rhs.len());
        let (path, next) = rhs.split_at(path_len);
        if !next.trim_start().starts_with(['(', '{']) {
            continue;
        }
        // The last capitalised segment is the type (`models.Basket`, `Ledger::new`).
        let segments: Vec<&str> = path.split(['.', ':']).filter(|s| !s.is_empty()).collect();
        let Some(at) = segments.iter().rposition(|s| s.starts_with(|c: char| c.is_ascii_uppercase())) else { continue };
        if segments[at + 1..].iter().all(|s| s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')) {
            types.insert(name, segments[at]);
        }
    }
    types
}

/// The code with its comments blanked out (same length, so offsets stay valid).
fn without_comments(code: &str, language: Language) -> std::borrow::Cow<'_, str> {
    let bytes = code.as_bytes();
    let (line, block): (&[u8], bool) = match language {
        Language::Python => (b"#", false),
        Language::Rust => (b"//", true),
    };
    let has_comment = bytes.windows(line.len()).any(|w| w == line) || (block && code.contains("/*"));
    if !has_comment {
        return std::borrow::Cow::Borrowed(code);
    }
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        // Strings are skipped whole, so that a `#` or `//` inside one starts no comment.
        let quote: Option<&[u8]> = match language {
            Language::Python if rest.starts_with(b"\"\"\"") => Some(b"\"\"\""),
            Language::Python if rest.starts_with(b"'''") => Some(b"'''"),
            Language::Python if rest[0] == b'\'' => Some(b"'"),
            _ if rest[0] == b'"' => Some(b"\""),
            _ => None,
        };
        if let Some(q) = quote {
            i += q.len();
            while i < bytes.len() && !bytes[i..].starts_with(q) {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += q.len();
            continue;
        }
        // A Rust character literal holding a quote.
        if language == Language::Rust && rest.starts_with(b"'\"'") {
            i += 3;
            continue;
        }
        let end = if rest.starts_with(line) {
            rest.iter().position(|b| *b == b'\n').map_or(bytes.len(), |n| i + n)
        } else if block && rest.starts_with(b"/*") {
            code[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2)
        } else {
            i += 1;
            continue;
        };
        for b in &mut out[i..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        i = end;
    }
    // Every byte of a comment became a space, so the text is still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| code.to_string()))
}

/// `<Type as Trait>::item` refers to `Type::item`.
fn qualified_paths(code: &str, refs: &mut HashSet<String>) {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (at, _) in code.match_indices(" as ") {
        let Some(open) = code[..at].rfind('<') else { continue };
        let ty = code[open + 1..at].trim();
        let ty = ty.rsplit("::").next().unwrap_or(ty);
        if ty.is_empty() || !ty.chars().all(is_ident) {
            continue;
        }
        let rest = &code[at + 4..];
        let Some(close) = rest.find(">::") else { continue };
        if rest[..close].contains(['(', ';', '{']) {
            continue;
        }
        let item: String = rest[close + 3..].chars().take_while(|c| is_ident(*c)).collect();
        if !item.is_empty() {
            refs.insert(format!("{ty}::{item}"));
        }
    }
}

/// A short digest of a region's code that ignores comments and whitespace, so that a review
/// stays valid when a formatter re-wraps code or moves comments, and lapses when the code
/// changes.
pub fn code_digest(code: &str, language: Language) -> String {
    let comment = language.spec().line_comment;
    let block = comment == "//";
    let mut normalised = String::new();
    let mut in_block = false;
    for line in code.lines() {
        // Drop block comments (`/* … */`, possibly over several lines), then a line comment.
        let mut kept = String::new();
        let mut rest = line;
        loop {
            if in_block {
                match rest.find("*/") {
                    Some(end) => {
                        rest = &rest[end + 2..];
                        in_block = false;
                    }
                    None => break,
                }
            } else if let Some(at) = rest.find("/*").filter(|_| block) {
                kept.push_str(&rest[..at]);
                kept.push(' ');
                rest = &rest[at + 2..];
                in_block = true;
            } else {
                kept.push_str(rest);
                break;
            }
        }
        let kept = match kept.find(comment) {
            Some(at) => &kept[..at],
            None => &kept,
        };
        // Whitespace does not count at all, so re-wrapping and re-spacing keep the digest
        // (a change that only re-indents Python code keeps it too).
        normalised.extend(kept.chars().filter(|c| !c.is_whitespace()));
    }
    // FNV-1a, 64 bits; eight hex digits are plenty to notice a change.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in normalised.bytes() {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", hash >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_ignore_formatting_and_comments() {
        let a = code_digest("def charge(card):\n    # call the provider\n    return stripe.charge(card)\n", Language::Python);
        let b = code_digest("def charge(card):\n    return stripe.charge(  card )  # moved comment\n", Language::Python);
        let c = code_digest("def charge(card):\n    return stripe.refund(card)\n", Language::Python);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let r1 = code_digest("fn f() {\n    /* note */ g();\n}", Language::Rust);
        let r2 = code_digest("fn f() { g(); } // tidy", Language::Rust);
        assert_eq!(r1, r2);
    }

    #[test]
    fn references_keep_qualified_names() {
        let mut refs = HashSet::new();
        references("let t = Cart::new(); assert_eq!(t.total(), 0); checkout(&t); Cart().add(1)", Language::Rust, &mut refs);
        for key in ["Cart::new", "Cart::total", "t.total", "checkout", "Cart", ".add"] {
            assert!(refs.contains(key), "{key} in {refs:?}");
        }
        assert!(!refs.contains(".total"), "`t` is a Cart: {refs:?}");
        references("let r = <Cart as std::fmt::Display>::fmt(todo!(), todo!());", Language::Rust, &mut refs);
        assert!(refs.contains("Cart::fmt"));
        // Regression: non-ASCII text once made the scanner slice inside a character.
        references("let s = \"é中🙂::x\"; ü.y()", Language::Rust, &mut refs);
        assert!(refs.contains(".y"));
        // A variable made by a constructor calls its type's methods only.
        let mut refs = HashSet::new();
        references("basket = models.Basket(\"ann\")\nbasket.add(1)\nother.remove(2)\n", Language::Python, &mut refs);
        assert!(refs.contains("Basket.add") && !refs.contains(".add") && refs.contains(".remove"), "{refs:?}");
        let mut refs = HashSet::new();
        references("let mut ledger: Ledger = Ledger::new();\nledger.post(2);", Language::Rust, &mut refs);
        assert!(refs.contains("Ledger::post") && !refs.contains(".post"), "{refs:?}");
        // Comments do not count; strings do, and a `#` in a string starts no comment.
        let mut refs = HashSet::new();
        let python = "def test_x():  # refund\n    patch(\"shop.charge#1\")  # void\n    '''also # not'''\n    archive()\n";
        references(python, Language::Python, &mut refs);
        assert!(refs.contains("charge") && refs.contains("archive") && refs.contains("also"), "{refs:?}");
        assert!(!refs.contains("refund") && !refs.contains("void"), "{refs:?}");
        let mut refs = HashSet::new();
        let rust = "#[test] fn t() { /* settle() */ let c = '\"'; pay(\"// x\"); } // later: refund()";
        references(rust, Language::Rust, &mut refs);
        assert!(refs.contains("pay") && refs.contains("x") && !refs.contains("settle") && !refs.contains("refund"), "{refs:?}");
    }
}
