//! Loading and checking query files: compile each `.scm` against its grammar, reject
//! predicates the binding would silently ignore, check every capture against the
//! vocabulary, and derive the literal *trigger* words that let the engine run signal
//! patterns only where they can match.

use std::collections::BTreeSet;

use tree_sitter::Query;

use crate::language::Language;

/// The documented capture vocabulary, besides `@signal.<kind>` (one per signal kind, see
/// `rules::SIGNAL_KINDS`) and helpers starting with `_`. `queries/README.md` holds the
/// same table; a test keeps them in sync.
pub const CAPTURES: &[(&str, &str)] = &[
    ("region.function", "a free function (Rust `fn`, Python `def` outside a class)"),
    ("region.method", "a method; lanes also calls every function directly inside a class, `impl` or trait a method"),
    ("region.class", "a Python class"),
    ("region.impl", "a Rust `impl` block"),
    ("region.trait", "a Rust `trait` with its default methods"),
    ("region.module", "an inline Rust `mod { … }` block"),
    ("name", "the name of the enclosing `@region.*` capture"),
    ("name.qualifier", "for `impl Trait for Type`: the trait, shown as `Trait for Type`"),
    ("gate.observability", "a log, trace or metric call: evidence for the observability gate"),
];

/// `#set!` keys we read; any other key is an error.
pub const PROPERTIES: &[&str] = &["reason"];

/// Predicates the Rust binding evaluates itself.
const SUPPORTED_PREDICATES: &[&str] = &[
    "eq?",
    "not-eq?",
    "any-eq?",
    "any-not-eq?",
    "match?",
    "not-match?",
    "any-match?",
    "any-not-match?",
    "any-of?",
    "not-any-of?",
    "set!",
];

/// One query source: where it came from (for messages) and its text.
#[derive(Clone, Debug)]
pub struct QuerySource {
    pub origin: String,
    pub text: String,
}

#[derive(Debug)]
pub struct QueryLoadError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for QueryLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.origin, self.line, self.column, self.message)
    }
}

impl std::error::Error for QueryLoadError {}

/// Literal words one of which must occur in the source text for a pattern to match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// Lower-case words; a match needs at least one of them.
    pub words: Vec<String>,
    pub placement: Placement,
}

/// Where a trigger word must sit for its pattern to have a chance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Anywhere,
    /// The word is a whole token (the predicate compares a whole node's text).
    WholeToken,
    /// The word names a macro: a `!` follows it (`info!(…)`). From predicates on the name of
    /// a `macro_invocation`.
    BeforeBang,
    /// The word is among the first words of a string: only letters and whitespace separate
    /// it from the opening quote (or from the `}` of an interpolation). From
    /// `#match? @s "^\\s*(select|…)"` on a string node.
    StringStart,
}

/// Compile `sources` for `language` into one query and check it. `is_known_capture` decides
/// whether a non-helper capture name is in the vocabulary. Returns the query, the trigger of
/// each pattern, and the combined text the query was compiled from.
pub fn compile(
    language: Language,
    sources: &[QuerySource],
    is_known_capture: &dyn Fn(&str) -> bool,
) -> Result<(Query, Vec<Option<Trigger>>, String), QueryLoadError> {
    let grammar = language.grammar();
    let mut combined = String::new();
    let mut starts = Vec::new();
    for source in sources {
        starts.push(combined.len());
        combined.push_str(&source.text);
        combined.push('\n');
    }
    // Map an offset in the combined text back to its source, line and column.
    let locate = |offset: usize, message: String| {
        let i = starts.iter().rposition(|&s| s <= offset).unwrap_or(0);
        let (line, column) = line_column(&sources[i].text, offset - starts[i]);
        QueryLoadError { origin: sources[i].origin.clone(), line, column, message }
    };
    let query = Query::new(&grammar, &combined)
        .map_err(|e| locate(e.offset, format!("{:?}: {}", e.kind, e.message.trim())))?;
    for pattern in 0..query.pattern_count() {
        let at = query.start_byte_for_pattern(pattern);
        if let Some(p) = query.general_predicates(pattern).first() {
            return Err(locate(
                at,
                format!("predicate `#{}` is not evaluated by the tree-sitter binding; use #eq?, #match? or #any-of?", p.operator),
            ));
        }
        if let Some((p, _)) = query.property_predicates(pattern).first() {
            return Err(locate(at, format!("`#is?`/`#is-not?` ({}) is not evaluated by the tree-sitter binding", p.key)));
        }
        for p in query.property_settings(pattern) {
            if !PROPERTIES.contains(&&*p.key) {
                return Err(locate(at, format!("unknown `#set!` key `{}` (known: {})", p.key, PROPERTIES.join(", "))));
            }
        }
        let text = &combined[at..query.end_byte_for_pattern(pattern)];
        for op in predicate_operators(text) {
            if !SUPPORTED_PREDICATES.contains(&op.as_str()) {
                return Err(locate(at, format!("unsupported predicate `#{op}`")));
            }
        }
    }
    for name in query.capture_names() {
        if !name.starts_with('_') && !is_known_capture(name) {
            let offset = combined.find(&format!("@{name}")).unwrap_or(0);
            return Err(locate(offset, format!("capture `@{name}` is not in the vocabulary (see queries/README.md)")));
        }
    }
    let triggers = (0..query.pattern_count())
        .map(|i| {
            trigger_for_pattern(&combined[query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i)], language.spec().string_kinds)
        })
        .collect();
    Ok((query, triggers, combined))
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// A tiny reader for the predicate forms in a pattern's text: `(#op? @cap "lit" ...)`.
struct Predicate {
    operator: String,
    /// The first capture argument, without `@`.
    capture: Option<String>,
    strings: Vec<String>,
}

fn predicates(pattern: &str) -> Vec<Predicate> {
    let bytes = pattern.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => i = skip_string(bytes, i).0,
            b'(' if bytes.get(i + 1) == Some(&b'#') => {
                let start = i + 2;
                let mut j = start;
                while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b')' {
                    j += 1;
                }
                let operator = pattern[start..j].to_string();
                let mut strings = Vec::new();
                let mut capture = None;
                while j < bytes.len() && bytes[j] != b')' {
                    if bytes[j] == b'"' {
                        let (end, value) = skip_string(bytes, j);
                        strings.push(value);
                        j = end;
                    } else if bytes[j] == b'@' {
                        let end = pattern[j..].find(|c: char| c.is_whitespace() || c == ')').map_or(bytes.len(), |e| j + e);
                        capture.get_or_insert_with(|| pattern[j + 1..end].to_string());
                        j = end;
                    } else {
                        j += 1;
                    }
                }
                out.push(Predicate { operator, capture, strings });
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Returns the index after a string literal starting at `start` (a `"`), and its value.
fn skip_string(bytes: &[u8], start: usize) -> (usize, String) {
    let mut value = Vec::new();
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            i += 1;
            value.push(match bytes[i] {
                b'n' => b'\n',
                b't' => b'\t',
                other => other,
            });
        } else {
            value.push(bytes[i]);
        }
        i += 1;
    }
    (i + 1, String::from_utf8_lossy(&value).into_owned())
}

fn predicate_operators(text: &str) -> BTreeSet<String> {
    predicates(text).into_iter().map(|p| p.operator).collect()
}

/// The top-level patterns of a query file, as text: each from its opening `(` or `[` to the
/// matching bracket, with the captures and quantifiers that follow it. Comments between
/// patterns are dropped.
pub fn top_level_patterns(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut depth, mut start) = (0, 0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i = skip_string(bytes, i).0;
                continue;
            }
            b'(' | b'[' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            b')' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    // Captures and quantifiers after the closing bracket belong to the pattern.
                    let mut end = i + 1;
                    loop {
                        let mut j = end;
                        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
                            j += 1;
                        }
                        if j < bytes.len() && matches!(bytes[j], b'@' | b'*' | b'+' | b'?') {
                            j += 1;
                            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !matches!(bytes[j], b'(' | b')' | b'[' | b']') {
                                j += 1;
                            }
                            end = j;
                        } else {
                            break;
                        }
                    }
                    out.push(&text[start..end]);
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The patterns of a query file that can match in a text whose lower-cased form is
/// `haystack`: those without a trigger, and those one of whose trigger words occurs in it.
/// (A pattern only ever runs around its trigger words, so the others cannot match there.)
pub fn relevant_patterns(text: &str, string_kinds: &[&str], haystack: &str) -> String {
    let mut out = String::new();
    for pattern in top_level_patterns(text) {
        let keep = trigger_for_pattern(pattern, string_kinds).is_none_or(|t| t.words.iter().any(|w| haystack.contains(w.as_str())));
        if keep {
            out.push_str(pattern);
            out.push('\n');
        }
    }
    out
}

/// The trigger of a pattern: the literals of its first predicate that has any (`#eq?`,
/// `#any-of?`, or a `#match?` whose regex reduces to literal words). Query authors put the
/// most selective predicate first. `None` when no predicate yields literals.
pub fn trigger_for_pattern(pattern: &str, string_kinds: &[&str]) -> Option<Trigger> {
    predicates(pattern).into_iter().find_map(|p| match p.operator.as_str() {
        "eq?" | "any-of?" if !p.strings.is_empty() => Some(Trigger {
            placement: if !p.strings.iter().all(|s| is_token(s)) {
                Placement::Anywhere
            } else if p.capture.as_deref().is_some_and(|c| names_macro(pattern, c)) {
                Placement::BeforeBang
            } else {
                Placement::WholeToken
            },
            words: p.strings.iter().map(|s| s.to_ascii_lowercase()).collect(),
        }),
        "match?" => {
            let re = p.strings.first()?;
            let mut trigger = regex_trigger(re)?;
            let on_string = p.capture.as_deref().and_then(|c| capture_kinds(pattern, c)).is_some_and(|kinds| {
                kinds.iter().all(|k| string_kinds.contains(&k.as_str()))
            });
            if on_string && anchored_at_start(re) {
                trigger.placement = Placement::StringStart;
            }
            Some(trigger)
        }
        _ => None,
    })
}

/// True when `@capture` is the name of a macro: the pattern starts at `macro_invocation` and
/// the capture sits in its `macro:` field (directly or as a scoped name).
fn names_macro(pattern: &str, capture: &str) -> bool {
    if root_kinds(pattern).as_deref() != Some(&["macro_invocation".to_string()][..]) {
        return false;
    }
    let compact: String = pattern.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(field) = compact.find("macro:") else { return false };
    let rest = &compact[field..];
    // The field's value ends at the first capture or predicate after it that is not ours.
    let end = rest.find(&format!("@{capture}")).unwrap_or(usize::MAX);
    end != usize::MAX && !rest[..end].contains("(token_tree") && !rest[..end].contains("#")
}

/// True for regexes such as `(?i)^\\s*(select|…)` or `^r?#*"\\s*(drop…)`: anchored at the
/// start, with nothing but optional quotes, raw-string marks and whitespace before the first
/// group of words.
fn anchored_at_start(re: &str) -> bool {
    let body = re.strip_prefix("(?i)").unwrap_or(re);
    let Some(rest) = body.strip_prefix('^') else { return false };
    let prefix = &rest[..rest.find('(').unwrap_or(0)];
    let prefix = prefix.replace("\\s", "").replace("r?", "");
    prefix.chars().all(|c| matches!(c, '*' | '+' | '?' | '#' | '"' | '\'' | '\\'))
}

/// The node kinds captured as `@capture` in a pattern: the node right before the capture.
fn capture_kinds(pattern: &str, capture: &str) -> Option<Vec<String>> {
    let needle = format!("@{capture}");
    let bytes = pattern.as_bytes();
    let mut from = 0;
    while let Some(found) = pattern[from..].find(&needle) {
        let at = from + found;
        from = at + needle.len();
        // The capture must follow a closing `)` or `]` (skipping whitespace).
        let before = pattern[..at].trim_end();
        let close = before.len().checked_sub(1)?;
        let (open_char, close_char) = match bytes[close] {
            b')' => (b'(', b')'),
            b']' => (b'[', b']'),
            _ => continue,
        };
        let mut depth = 0;
        for i in (0..=close).rev() {
            if bytes[i] == close_char {
                depth += 1;
            } else if bytes[i] == open_char {
                depth -= 1;
                if depth == 0 {
                    return root_kinds(&pattern[i..]);
                }
            }
        }
    }
    None
}

/// The node kinds a pattern can start at: `(function_item name: …)` → `function_item`,
/// `([(identifier) (type_identifier)] @x (#eq? …))` → `identifier`, `type_identifier`.
/// `None` for wildcards and anything this reader does not understand.
pub fn root_kinds(pattern: &str) -> Option<Vec<String>> {
    let rest = pattern.trim_start();
    if let Some(inner) = rest.strip_prefix('[') {
        // An alternation: the kinds of each alternative, up to the closing bracket.
        let mut kinds = Vec::new();
        let mut depth = 0;
        let mut i = 0;
        let bytes = inner.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'(' if depth == 0 => {
                    kinds.extend(root_kinds(&inner[i..])?);
                    depth += 1;
                }
                b'(' | b'[' => depth += 1,
                b')' => depth -= 1,
                b']' if depth == 0 => return (!kinds.is_empty()).then_some(kinds),
                b']' => depth -= 1,
                b'"' => i = skip_string(bytes, i).0 - 1,
                _ => {}
            }
            i += 1;
        }
        return None;
    }
    let rest = rest.strip_prefix('(')?.trim_start();
    if rest.starts_with('(') || rest.starts_with('[') {
        return root_kinds(rest);
    }
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let kind = &rest[..end];
    (end > 0 && kind != "_").then(|| vec![kind.to_string()])
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Letter runs that every match of `re` must contain one of. Only simple regexes qualify:
/// alternations of literal words, with anchors, `(?i)`, `\s`/`\b`-style escapes and `+*?`
/// around separators. Anything fancier yields `None` (the pattern then runs everywhere).
fn regex_trigger(re: &str) -> Option<Trigger> {
    let body = re.strip_prefix("(?i)").unwrap_or(re);
    // An optional group may hold the only literal of a match: give up.
    if body.contains(")?") || body.contains(")*") || body.contains("){0") {
        return None;
    }
    // Groups of anchors and separators such as `(^|::)` require no letters: drop them.
    let mut cleaned = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('(') {
        let close = rest[open..].find(')').map(|c| open + c);
        match close {
            Some(close) if !rest[open..close].chars().any(|c| c.is_ascii_alphanumeric()) => {
                cleaned.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                cleaned.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    cleaned.push_str(rest);
    // Split top-level and nested alternatives alike: every alternative must contribute a
    // run of at least three letters, otherwise we cannot promise a literal. Escapes,
    // character classes and `.` separate runs; `?`, `*` and `{0,…}` make the letter before
    // them optional.
    let mut words = Vec::new();
    for alternative in cleaned.split('|') {
        let mut runs = Vec::new();
        let mut current = String::new();
        let mut chars = alternative.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_alphanumeric() || c == '_' {
                current.push(c.to_ascii_lowercase());
                continue;
            }
            match c {
                '?' | '*' => {
                    current.pop();
                }
                '{' => {
                    if chars.peek() == Some(&'0') {
                        current.pop();
                    }
                    for d in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                    }
                }
                '\\' => {
                    chars.next();
                }
                '[' => {
                    while let Some(d) = chars.next() {
                        match d {
                            '\\' => {
                                chars.next();
                            }
                            ']' => break,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            runs.push(current);
        }
        let mut longest = String::new();
        for run in runs {
            if run.len() > longest.len() {
                longest = run;
            }
        }
        if longest.len() < 3 {
            return None;
        }
        words.push(longest);
    }
    Some(Trigger { words, placement: Placement::Anywhere })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_literal_predicate_is_the_trigger() {
        let t = trigger_for_pattern(
            r#"(call function: (attribute object: (identifier) @_m attribute: (identifier) @_a) (#not-eq? @_m "x") (#any-of? @_a "system" "popen") (#eq? @_m "os"))"#,
            &[],
        );
        assert_eq!(t, Some(Trigger { words: vec!["system".into(), "popen".into()], placement: Placement::WholeToken }));
        assert_eq!(trigger_for_pattern("(unsafe_block) @signal.unsafe", &[]), None);
        let sql = r#"(call (string (string_content) @s) (#match? @s "(?i)^\\s*(select|delete)\\s"))"#;
        assert_eq!(
            trigger_for_pattern(sql, &["string_content"]),
            Some(Trigger { words: vec!["select".into(), "delete".into()], placement: Placement::StringStart })
        );
        assert_eq!(trigger_for_pattern(sql, &[]).map(|t| t.placement), Some(Placement::Anywhere));
    }

    #[test]
    fn root_kinds_of_patterns() {
        assert_eq!(root_kinds("(call function: (identifier))"), Some(vec!["call".to_string()]));
        assert_eq!(root_kinds("((string_content) @s (#match? @s \"x\"))"), Some(vec!["string_content".to_string()]));
        assert_eq!(
            root_kinds("([(identifier) (type_identifier)] @s (#eq? @s \"x\"))"),
            Some(vec!["identifier".to_string(), "type_identifier".to_string()])
        );
        assert_eq!(root_kinds("(_) @x"), None);
    }

    #[test]
    fn regex_triggers_cover_each_alternative() {
        assert_eq!(
            regex_trigger(r"(?i)^\s*(delete\s+from|drop\s+table|truncate)\b"),
            Some(Trigger { words: vec!["delete".into(), "table".into(), "truncate".into()], placement: Placement::Anywhere })
        );
        assert_eq!(regex_trigger(r"^[a-z]+_key$"), Some(Trigger { words: vec!["_key".into()], placement: Placement::Anywhere }));
        assert_eq!(regex_trigger(r"colou?r"), Some(Trigger { words: vec!["colo".into()], placement: Placement::Anywhere }));
        assert_eq!(regex_trigger(r"^(sha)?256$"), None);
        assert_eq!(
            regex_trigger(r"(?i)^\s*(select\s[\s\S]*\sfrom\s|alter\s+table)"),
            Some(Trigger { words: vec!["select".into(), "alter".into()], placement: Placement::Anywhere })
        );
        assert_eq!(regex_trigger(r"(^|::)Command$"), Some(Trigger { words: vec!["command".into()], placement: Placement::Anywhere }));
        assert_eq!(regex_trigger(r"^(md5|sh)$"), None);
    }
}

#[cfg(test)]
mod splitting {
    use super::*;
    use crate::language::SPECS;

    #[test]
    fn the_splitter_finds_every_pattern_of_the_built_in_queries() {
        for spec in SPECS {
            for (name, text) in spec.queries {
                let query = Query::new(&(spec.grammar)(), text).unwrap();
                let patterns = top_level_patterns(text);
                assert_eq!(patterns.len(), query.pattern_count(), "{}/{name}", spec.name);
                for (i, p) in patterns.iter().enumerate() {
                    // tree-sitter's span runs on over the comments before the next pattern.
                    let span = &text[query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i)];
                    let rest = span.strip_prefix(*p).unwrap_or_else(|| panic!("{}/{name} #{i}: {p:?} is not the start of {span:?}", spec.name));
                    assert!(rest.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with(';')), "{}/{name} #{i}: {rest:?}", spec.name);
                }
            }
        }
    }
}
