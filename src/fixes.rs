//! Edits that close a gate, built as plain byte-offset insertions (the server turns them into
//! workspace edits): an observability hook for a function of Lanes 1–2. Python gets an entry
//! log after the docstring (and a module logger when the file has none); Rust gets
//! `#[tracing::instrument]`.

use crate::language::Language;
use crate::syntax;

/// Insert `text` at byte `offset`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insert {
    pub offset: usize,
    pub text: String,
}

/// The insertions that make the function whose definition starts at `decl_start` log, or
/// `None` when its shape is not understood. `name` is the function's name.
pub fn observability_hook(text: &str, language: Language, decl_start: usize, name: &str) -> Option<Vec<Insert>> {
    let tree = syntax::parse(language, text, None);
    let node = tree.root_node().descendant_for_byte_range(decl_start, decl_start)?;
    let mut function = node;
    while !matches!(function.kind(), "function_definition" | "function_item") {
        function = function.parent()?;
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    match language {
        Language::Rust => {
            let line_start = text[..function.start_byte()].rfind('\n').map_or(0, |i| i + 1);
            let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            let returns_result = function
                .child_by_field_name("return_type")
                .is_some_and(|t| text[t.byte_range()].trim_start().starts_with("Result"));
            let attribute = if returns_result { "#[tracing::instrument(skip_all, err)]" } else { "#[tracing::instrument(skip_all)]" };
            Some(vec![Insert { offset: line_start, text: format!("{indent}{attribute}{newline}") }])
        }
        Language::Python => {
            let body = function.child_by_field_name("body")?;
            let first = body.named_child(0)?;
            // After the docstring, if there is one.
            let is_docstring = first.kind() == "expression_statement" && first.named_child(0).is_some_and(|c| c.kind() == "string");
            let anchor = if is_docstring { body.named_child(1).unwrap_or(first) } else { first };
            let line_start = text[..anchor.start_byte()].rfind('\n').map_or(0, |i| i + 1);
            let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            let log = format!("{indent}logger.info(\"{name} called\"){newline}");
            let mut inserts = Vec::new();
            let (offset, before) = if is_docstring && body.named_child(1).is_none() {
                // Only a docstring: the log goes after it.
                let end = first.end_byte();
                (end, newline.to_string())
            } else {
                (line_start, String::new())
            };
            if !text.contains("getLogger(") {
                inserts.push(module_logger(text, &tree, newline));
            }
            inserts.push(Insert { offset, text: format!("{before}{}", if before.is_empty() { log } else { log.trim_end().to_string() }) });
            Some(inserts)
        }
    }
}

/// `import logging` (when missing) and a module logger, after the last top-level import.
fn module_logger(text: &str, tree: &tree_sitter::Tree, newline: &str) -> Insert {
    let root = tree.root_node();
    let mut walk = root.walk();
    let last_import = root
        .named_children(&mut walk)
        .filter(|n| matches!(n.kind(), "import_statement" | "import_from_statement" | "future_import_statement"))
        .last();
    let has_import = text.lines().any(|l| l.trim() == "import logging");
    let mut block = String::new();
    if !has_import {
        block.push_str(&format!("import logging{newline}"));
    }
    block.push_str(&format!("{newline}logger = logging.getLogger(__name__){newline}"));
    match last_import {
        Some(node) => {
            let end = text[node.end_byte()..].find('\n').map_or(text.len(), |i| node.end_byte() + i + 1);
            Insert { offset: end, text: block }
        }
        None => Insert { offset: 0, text: format!("{block}{newline}") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, mut inserts: Vec<Insert>) -> String {
        inserts.sort_by_key(|i| std::cmp::Reverse(i.offset));
        let mut out = text.to_string();
        for i in inserts {
            out.insert_str(i.offset, &i.text);
        }
        out
    }

    #[test]
    fn python_entry_log_after_the_docstring() {
        let text = "import os\n\n\nclass Cart:\n    def total(self, items):\n        \"\"\"Sum.\"\"\"\n        return sum(items)\n";
        let at = text.find("def total").unwrap();
        let out = apply(text, observability_hook(text, Language::Python, at, "total").unwrap());
        assert_eq!(
            out,
            "import os\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n\nclass Cart:\n    def total(self, items):\n        \"\"\"Sum.\"\"\"\n        logger.info(\"total called\")\n        return sum(items)\n"
        );
    }

    #[test]
    fn python_keeps_an_existing_logger_and_crlf() {
        let text = "import logging\r\nlogger = logging.getLogger(__name__)\r\n\r\ndef f(x):\r\n\treturn x\r\n";
        let at = text.find("def f").unwrap();
        assert_eq!(
            apply(text, observability_hook(text, Language::Python, at, "f").unwrap()),
            "import logging\r\nlogger = logging.getLogger(__name__)\r\n\r\ndef f(x):\r\n\tlogger.info(\"f called\")\r\n\treturn x\r\n"
        );
    }

    #[test]
    fn rust_instrument_attribute() {
        let text = "impl Ledger {\n    pub fn post(&self) -> Result<(), Error> {\n        Ok(())\n    }\n}\n";
        let at = text.find("pub fn post").unwrap();
        let out = apply(text, observability_hook(text, Language::Rust, at, "post").unwrap());
        assert_eq!(out, "impl Ledger {\n    #[tracing::instrument(skip_all, err)]\n    pub fn post(&self) -> Result<(), Error> {\n        Ok(())\n    }\n}\n");
    }
}
