//! Python fixes: pytest stubs in the project's `tests/test_<module>.py` (created or
//! appended to, with the imports they need) and entry logs, spans or structured-log events
//! with the module-level logger or tracer they use.

use tree_sitter::Node;

use super::templates::{fill, Templates};
use super::text::{indent_block, indent_unit, line_of, newline, with_newlines};
use super::{FileEdit, Fix, Insert, NotOffered, Style, Target};
use crate::language::Language;
use crate::project::{Files, PythonProject};
use crate::syntax;

fn not_offered(why: &str) -> NotOffered {
    NotOffered(why.to_string())
}

fn function_node<'t>(root: Node<'t>, at: usize) -> Result<Node<'t>, NotOffered> {
    let mut node = root.descendant_for_byte_range(at, at).ok_or_else(|| not_offered("no function here"))?;
    while node.kind() != "function_definition" {
        node = node.parent().ok_or_else(|| not_offered("no function here"))?;
    }
    Ok(node)
}

/// The node standing for a definition among its siblings: its decorated wrapper, if any.
fn outer(node: Node) -> Node {
    node.parent().filter(|p| p.kind() == "decorated_definition").unwrap_or(node)
}

fn decorators<'a>(node: Node, text: &'a str) -> Vec<&'a str> {
    let wrapper = outer(node);
    let mut walk = wrapper.walk();
    let found: Vec<&str> = wrapper.named_children(&mut walk).filter(|c| c.kind() == "decorator").map(|d| text[d.byte_range()].trim_start_matches('@').trim()).collect();
    found
}

/// Parameter names a caller passes (no `self`/`cls`, no `*args`/`**kwargs`).
fn parameters(function: Node, text: &str, skip_first: bool) -> Vec<String> {
    let Some(list) = function.child_by_field_name("parameters") else { return Vec::new() };
    let mut walk = list.walk();
    let mut names = Vec::new();
    for (i, p) in list.named_children(&mut walk).enumerate() {
        if i == 0 && skip_first {
            continue;
        }
        let name = match p.kind() {
            "identifier" => Some(p),
            "typed_parameter" => p.named_child(0).filter(|c| c.kind() == "identifier"),
            "default_parameter" | "typed_default_parameter" => p.child_by_field_name("name"),
            _ => None,
        };
        if let Some(n) = name {
            names.push(text[n.byte_range()].to_string());
        }
    }
    names
}

/// The exception the function raises itself (`raise PaymentError(...)`), if it is a plain
/// name.
fn raised(function: Node, text: &str) -> Option<String> {
    let mut stack = vec![function.child_by_field_name("body")?];
    while let Some(node) = stack.pop() {
        if node.kind() == "raise_statement" {
            let mut value = node.named_child(0)?;
            if value.kind() == "call" {
                value = value.child_by_field_name("function")?;
            }
            return (value.kind() == "identifier").then(|| text[value.byte_range()].to_string());
        }
        // Nested definitions raise for themselves.
        if matches!(node.kind(), "function_definition" | "class_definition" | "lambda") && node != function {
            continue;
        }
        let mut walk = node.walk();
        let children: Vec<Node> = node.named_children(&mut walk).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

/// Top-level class names of a module.
fn top_level_classes(root: Node, text: &str) -> Vec<String> {
    let mut walk = root.walk();
    let items: Vec<Node> = root.named_children(&mut walk).collect();
    items
        .into_iter()
        .map(|n| if n.kind() == "decorated_definition" { n.child_by_field_name("definition").unwrap_or(n) } else { n })
        .filter(|n| n.kind() == "class_definition")
        .filter_map(|n| n.child_by_field_name("name").map(|name| text[name.byte_range()].to_string()))
        .collect()
}

const BUILTIN_ERRORS: &[&str] = &[
    "ArithmeticError", "AssertionError", "AttributeError", "ConnectionError", "Exception", "FileExistsError",
    "FileNotFoundError", "IndexError", "KeyError", "LookupError", "NotImplementedError", "OSError",
    "OverflowError", "PermissionError", "RuntimeError", "TimeoutError", "TypeError", "UnicodeError",
    "ValueError", "ZeroDivisionError",
];

/// `CartItem` → `cart_item`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where the import block of a module ends (after its last top-level import, or after the
/// module docstring, or at the start).
fn after_imports(root: Node, text: &str) -> usize {
    let mut walk = root.walk();
    let items: Vec<Node> = root.named_children(&mut walk).collect();
    let last_import = items.iter().rfind(|n| matches!(n.kind(), "import_statement" | "import_from_statement" | "future_import_statement"));
    let anchor = last_import.copied().or_else(|| {
        items.first().copied().filter(|n| n.kind() == "expression_statement" && n.named_child(0).is_some_and(|c| c.kind() == "string"))
    });
    match anchor {
        Some(node) => text[node.end_byte()..].find('\n').map_or(text.len(), |i| node.end_byte() + i + 1),
        None => 0,
    }
}

/// Whether a module already imports `name` from `module` (or has the exact line).
fn imports(text: &str, module: &str, name: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.strip_prefix(&format!("from {module} import ")).is_some_and(|names| {
            names.trim_matches(|c| c == '(' || c == ')').split(',').any(|n| n.split_whitespace().next() == Some(name))
        })
    })
}

pub fn test_stub(target: &Target, t: &Templates, files: &dyn Files, can_create: bool) -> Result<Fix, NotOffered> {
    let text = target.text;
    let tree = target.tree();
    let root = tree.root_node();
    let function = function_node(root, target.decl_start)?;
    let decorators = decorators(function, text);
    let is_static = decorators.contains(&"staticmethod");
    let is_classmethod = decorators.contains(&"classmethod");
    // The owner: the module, or a top-level class.
    let container = outer(function).parent().ok_or_else(|| not_offered("no function here"))?;
    let class = match container.kind() {
        "module" => None,
        "block" => {
            let class = container.parent().filter(|c| c.kind() == "class_definition" && outer(*c).parent().is_some_and(|p| p.kind() == "module"));
            let class = class.ok_or_else(|| not_offered("test stubs are offered for module-level functions and methods of module-level classes"))?;
            Some(class.child_by_field_name("name").map(|n| text[n.byte_range()].to_string()).unwrap_or_default())
        }
        _ => return Err(not_offered("test stubs are offered for module-level functions and methods of module-level classes")),
    };
    let name = target.name;
    let project = PythonProject::find(files, target.path, &t.tests.root_markers, &t.tests.dependency_files);
    let import = project.import_path(target.path).ok_or_else(|| not_offered("cannot tell this module's import path from the project root"))?;
    let module = import.rsplit('.').next().unwrap_or(&import).to_string();
    let test_rel = fill(t.tests.file.as_deref().unwrap_or("tests/test_{module}.py"), &[("module", &module)]);
    let test_path = project.root.join(&test_rel);
    if test_path == target.path {
        return Err(not_offered("this is the test module"));
    }
    let existing = files.read(&test_path);
    if existing.is_none() && !can_create {
        return Err(NotOffered(format!("create {test_rel} first: this editor cannot create files from a code action")));
    }
    let existing_text = existing.as_deref().unwrap_or("");

    let is_async = text[function.byte_range()].starts_with("async");
    let plugin = is_async && project.mentions(&t.tests.async_plugin);
    let params = parameters(function, text, class.is_some() && !is_static);
    let args: Vec<String> = params.iter().map(|p| fill(&t.tests.argument, &[("param", p)])).collect();
    let args = args.join(", ");
    let (callee, imported) = match &class {
        None => (format!("{name}({args})"), name.to_string()),
        Some(c) if name == "__init__" => (format!("{c}({args})"), c.clone()),
        Some(c) if is_static || is_classmethod => (format!("{c}.{name}({args})"), c.clone()),
        Some(c) => (format!("{c}(...).{name}({args})"), c.clone()),
    };
    let base = name.trim_matches('_');
    let mut prefix = match &class {
        Some(c) if name == "__init__" => format!("{}_init", snake(c)),
        Some(c) => format!("{}_{base}", snake(c)),
        None => base.to_string(),
    };
    // When another function's tests took the names (`cart_total` for `Cart.total`), the
    // new ones get a `_method` (or `_fn`) suffix.
    let taken = |prefix: &str| t.tests.case.iter().any(|c| existing_text.contains(&format!("def test_{prefix}_{}(", c.suffix)));
    if taken(&prefix) {
        let called = match &class {
            Some(c) if name == "__init__" => format!("{c}("),
            Some(_) => format!(".{name}("),
            None => format!("{name}("),
        };
        if existing_text.contains(&called) {
            return Err(not_offered("its test stubs are already there"));
        }
        prefix.push_str(if class.is_some() { "_method" } else { "_fn" });
        if taken(&prefix) {
            return Err(not_offered("its test stubs are already there"));
        }
    }
    let names: Vec<String> = t.tests.case.iter().map(|c| format!("test_{prefix}_{}", c.suffix)).collect();
    let call = match (is_async, plugin) {
        (true, true) => format!("await {callee}"),
        (true, false) => fill(t.tests.async_runner.as_deref().unwrap_or("{call}"), &[("call", &callee)]),
        _ => callee,
    };
    let mut wanted = vec![imported];
    let error = match raised(function, text) {
        Some(e) if BUILTIN_ERRORS.contains(&e.as_str()) => e,
        Some(e) if top_level_classes(root, text).contains(&e) => {
            wanted.push(e.clone());
            e
        }
        _ => t.tests.default_error.clone().unwrap_or_else(|| "Exception".into()),
    };

    // The test module's conventions, or the source's when it is new.
    let style_source = existing.as_deref().filter(|e| !e.trim().is_empty()).unwrap_or(text);
    let nl = newline(style_source);
    let unit = indent_unit(style_source, "    ");
    let display = match &class {
        Some(c) => format!("{c}.{name}"),
        None => name.to_string(),
    };
    let mut tests = String::new();
    for (case, test) in t.tests.case.iter().zip(&names) {
        tests.push_str(&format!("{nl}{nl}"));
        if plugin {
            if let Some(marker) = &t.tests.async_marker {
                tests.push_str(&format!("{marker}{nl}"));
            }
        }
        let keyword = if plugin { "async def" } else { "def" };
        tests.push_str(&format!("{keyword} {test}():{nl}"));
        let body = fill(case.body.as_deref().unwrap_or("pass"), &[("name", &display), ("call", &call), ("error", &error), ("indent", &unit)]);
        tests.push_str(&indent_block(&body, &unit, nl));
    }

    // Imports the stubs need and the test module lacks.
    let mut import_lines: Vec<String> = Vec::new();
    if let Some(framework) = &t.tests.framework_import {
        if !existing_text.lines().any(|l| l.trim() == framework) {
            import_lines.push(framework.clone());
        }
    }
    if is_async && !plugin {
        if let Some(runner) = &t.tests.async_runner_import {
            if !existing_text.lines().any(|l| l.trim() == runner) {
                import_lines.push(runner.clone());
            }
        }
    }
    let missing: Vec<&String> = wanted.iter().filter(|w| !imports(existing_text, &import, w)).collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        import_lines.push(format!("from {import} import {}", names.join(", ")));
    }

    let edit = match existing {
        None => {
            let header = with_newlines(&fill(t.tests.header.as_deref().unwrap_or(""), &[("import", &import)]), nl);
            let mut body = header;
            if !body.is_empty() {
                body.push_str(nl);
            }
            for line in &import_lines {
                body.push_str(line);
                body.push_str(nl);
            }
            body.push_str(&tests);
            FileEdit::Create { path: test_path, text: body }
        }
        Some(existing) => {
            let mut inserts = Vec::new();
            let test_tree = syntax::parse(Language::Python, &existing, None);
            inserts.extend(import_inserts(test_tree.root_node(), &existing, &import_lines, &import, nl));
            // Exactly two blank lines before the first new test.
            let stubs = tests.trim_start_matches(['\n', '\r']);
            let trailing = existing.len() - existing.trim_end_matches(['\n', '\r']).len();
            let have = existing[existing.len() - trailing..].matches('\n').count();
            let lead = if existing.trim().is_empty() { String::new() } else { nl.repeat(3usize.saturating_sub(have)) };
            inserts.push(Insert { offset: existing.len(), text: format!("{lead}{stubs}") });
            FileEdit::Insert { path: test_path, inserts }
        }
    };
    Ok(Fix { title: format!("Add test stub for `{display}` in {test_rel}"), edits: vec![edit] })
}

/// Insertions that add `lines` to a module's imports: names from `module` join an existing
/// one-line `from module import …`; a plain `import x` goes before the first import (third
/// party before local), others after the last.
fn import_inserts(root: Node, text: &str, lines: &[String], module: &str, nl: &str) -> Vec<Insert> {
    let mut walk = root.walk();
    let items: Vec<Node> = root.named_children(&mut walk).collect();
    let is_import = |n: &&Node| matches!(n.kind(), "import_statement" | "import_from_statement" | "future_import_statement");
    let first = items.iter().filter(is_import).find(|n| n.kind() != "future_import_statement");
    let mut inserts = Vec::new();
    let mut after = Vec::new();
    let from = format!("from {module} import ");
    for line in lines {
        if let Some(names) = line.strip_prefix(&from) {
            let joinable = items.iter().filter(is_import).find(|n| {
                let t = &text[n.byte_range()];
                t.starts_with(&from) && !t.contains('(') && !t.contains('\\') && !t.contains('\n')
            });
            if let Some(existing) = joinable {
                inserts.push(Insert { offset: existing.end_byte(), text: format!(", {names}") });
                continue;
            }
            after.push(line);
        } else if line.starts_with("import ") {
            match first {
                Some(node) => {
                    let (start, _) = line_of(text, node.start_byte());
                    inserts.push(Insert { offset: start, text: format!("{line}{nl}") });
                }
                None => after.push(line),
            }
        } else {
            after.push(line);
        }
    }
    if !after.is_empty() {
        let at = after_imports(root, text);
        let lead = if at == text.len() && !text.is_empty() && !text.ends_with('\n') { nl } else { "" };
        let block: String = after.iter().map(|l| format!("{l}{nl}")).collect();
        inserts.push(Insert { offset: at, text: format!("{lead}{block}") });
    }
    inserts
}

pub fn observability_hook(target: &Target, t: &Templates, style: &Style) -> Result<Fix, NotOffered> {
    let text = target.text;
    let tree = target.tree();
    let function = function_node(tree.root_node(), target.decl_start)?;
    let chosen = style.observability.as_deref().filter(|n| t.hooks.iter().any(|h| h.name == *n));
    let hook = t.hook(chosen, |h| h.detect.iter().any(|d| text.contains(d.as_str()))).ok_or_else(|| not_offered("no observability hook is configured"))?;
    let nl = newline(text);
    // Methods are named with their class: `Cart.add`.
    let class = outer(function).parent().filter(|b| b.kind() == "block").and_then(|b| b.parent()).filter(|c| c.kind() == "class_definition");
    let qualified = match class.and_then(|c| c.child_by_field_name("name")) {
        Some(c) => format!("{}.{}", &text[c.byte_range()], target.name),
        None => target.name.to_string(),
    };
    let mut inserts = Vec::new();
    // The module-level logger or tracer, and its import; when the module has one under
    // another name (`log = logging.getLogger(__name__)`), the hook uses that name.
    let mut rename: Option<(String, String)> = None;
    if let (Some(setup), Some(detect)) = (&hook.setup, &hook.setup_detect) {
        let ours = setup.split('=').next().unwrap_or_default().trim().to_string();
        let theirs = text.lines().find(|l| !l.starts_with([' ', '\t']) && l.contains(detect.as_str())).and_then(|l| l.split_once('=')).map(|(n, _)| n.trim().to_string());
        if let Some(theirs) = theirs.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_') && *n != ours) {
            rename = Some((format!("{ours}."), format!("{theirs}.")));
        }
        if !text.contains(detect.as_str()) {
            let mut block = String::new();
            if let Some(import) = hook.import.as_ref().filter(|i| !text.lines().any(|l| l.trim() == i.as_str())) {
                block.push_str(&format!("{import}{nl}"));
            }
            block.push_str(&format!("{nl}{setup}{nl}"));
            let at = after_imports(tree.root_node(), text);
            if at == 0 {
                block = format!("{}{nl}{nl}", block.trim_start_matches(['\r', '\n']).trim_end_matches(['\r', '\n']));
            }
            inserts.push(Insert { offset: at, text: block });
        }
    }
    if let Some(decorator) = &hook.decorator {
        // Closest to the `def`, inside the other decorators.
        let (start, indent) = line_of(text, function.start_byte());
        let mut line = fill(decorator, &[("name", &qualified)]);
        if let Some((from, to)) = &rename {
            line = line.replacen(from.as_str(), to, 1);
        }
        inserts.push(Insert { offset: start, text: format!("{indent}{line}{nl}") });
    } else if let Some(statement) = &hook.statement {
        let body = function.child_by_field_name("body").ok_or_else(|| not_offered("the function has no body"))?;
        let first = body.named_child(0).ok_or_else(|| not_offered("the function has no body"))?;
        let is_docstring = first.kind() == "expression_statement" && first.named_child(0).is_some_and(|c| c.kind() == "string");
        let mut line = fill(statement, &[("name", &qualified)]);
        if let Some((from, to)) = &rename {
            if line.starts_with(from.as_str()) {
                line = line.replacen(from.as_str(), to, 1);
            }
        }
        match (is_docstring, body.named_child(1)) {
            // Only a docstring: the statement goes after it.
            (true, None) => {
                let (_, indent) = line_of(text, first.start_byte());
                inserts.push(Insert { offset: first.end_byte(), text: format!("{nl}{indent}{line}") });
            }
            (true, Some(next)) => {
                let (start, indent) = line_of(text, next.start_byte());
                inserts.push(Insert { offset: start, text: format!("{indent}{line}{nl}") });
            }
            (false, _) => {
                let (start, indent) = line_of(text, first.start_byte());
                if text[start..first.start_byte()].trim().is_empty() {
                    inserts.push(Insert { offset: start, text: format!("{indent}{line}{nl}") });
                } else {
                    // `def f(): return 1` on one line.
                    return Err(not_offered("the body shares the line of its `def`"));
                }
            }
        }
    }
    Ok(Fix {
        title: format!("Add an observability hook to `{}` ({})", target.name, hook.name),
        edits: vec![FileEdit::Insert { path: target.path.to_path_buf(), inserts }],
    })
}
