//! Rust fixes: test stubs in the file's `#[cfg(test)]` module (methods called through
//! their type, async tests when the crate has the runtime) and `tracing` / `log` hooks,
//! adding the dependency to `Cargo.toml` when the crate has none.

use tree_sitter::Node;

use super::templates::{fill, Templates};
use super::text::{indent_block, indent_unit, line_of, newline, with_newlines};
use super::{FileEdit, Fix, Insert, NotOffered, Style, Target};
use crate::project::{CargoFacts, Files};

/// The function under the cursor and what a caller needs to know about it.
struct Function {
    /// `Type` of the enclosing `impl`, and the trait for `impl Trait for Type`.
    owner: Option<(String, Option<String>)>,
    receiver: bool,
    params: Vec<String>,
    generic: bool,
    is_async: bool,
    is_unsafe: bool,
    returns: Returns,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Returns {
    Result,
    Option,
    Value,
    Unit,
}

fn not_offered(why: &str) -> NotOffered {
    NotOffered(why.to_string())
}

fn function_at(root: Node, text: &str, at: usize) -> Result<Function, NotOffered> {
    let mut node = root.descendant_for_byte_range(at, at).ok_or_else(|| not_offered("no function here"))?;
    while node.kind() != "function_item" {
        node = node.parent().ok_or_else(|| not_offered("no function here"))?;
    }
    let parent = node.parent().ok_or_else(|| not_offered("no function here"))?;
    let mut generic = has_type_parameters(node);
    let owner = match parent.kind() {
        "source_file" => None,
        "declaration_list" => {
            let item = parent.parent().filter(|i| i.kind() == "impl_item" && i.parent().is_some_and(|p| p.kind() == "source_file"));
            let item = item.ok_or_else(|| not_offered("test stubs are offered for top-level functions and methods of top-level impl blocks"))?;
            generic |= has_type_parameters(item);
            let ty = item.child_by_field_name("type").map(|t| base_type(&text[t.byte_range()])).unwrap_or_default();
            let tr = item.child_by_field_name("trait").map(|t| text[t.byte_range()].to_string());
            Some((ty, tr))
        }
        _ => return Err(not_offered("test stubs are offered for top-level functions and methods of top-level impl blocks")),
    };
    let mut receiver = false;
    let mut params = Vec::new();
    if let Some(list) = node.child_by_field_name("parameters") {
        let mut walk = list.walk();
        for p in list.named_children(&mut walk) {
            match p.kind() {
                "self_parameter" => receiver = true,
                "parameter" => {
                    let pattern = p.child_by_field_name("pattern").map_or("_", |n| &text[n.byte_range()]);
                    let ty = p.child_by_field_name("type").map_or("", |n| &text[n.byte_range()]);
                    generic |= ty.contains("impl ");
                    params.push(pattern.trim_start_matches("mut ").to_string());
                }
                _ => {}
            }
        }
    }
    let header = &text[node.start_byte()..node.child_by_field_name("name").map_or(node.start_byte(), |n| n.start_byte())];
    let returns = match node.child_by_field_name("return_type").map(|t| text[t.byte_range()].trim()) {
        None | Some("()") => Returns::Unit,
        Some(t) => {
            let head = t.split('<').next().unwrap_or(t);
            let last = head.rsplit("::").next().unwrap_or(head).trim();
            if last.ends_with("Result") {
                Returns::Result
            } else if last == "Option" {
                Returns::Option
            } else {
                Returns::Value
            }
        }
    };
    Ok(Function {
        owner,
        receiver,
        params,
        generic,
        is_async: header.split_whitespace().any(|w| w == "async"),
        is_unsafe: header.split_whitespace().any(|w| w == "unsafe"),
        returns,
    })
}

/// Whether an item declares type (not only lifetime) parameters.
fn has_type_parameters(item: Node) -> bool {
    item.child_by_field_name("type_parameters").is_some_and(|tp| {
        let mut walk = tp.walk();
        let generic = tp.named_children(&mut walk).any(|c| c.kind() != "lifetime" && c.kind() != "lifetime_parameter");
        generic
    })
}

/// `Ledger<'a, T>` → `Ledger`; `crate::x::Ledger` stays a path.
fn base_type(ty: &str) -> String {
    ty.split('<').next().unwrap_or(ty).trim().to_string()
}

/// `LedgerEntry` → `ledger_entry`.
fn snake(name: &str) -> String {
    let short = name.rsplit("::").next().unwrap_or(name);
    let mut out = String::new();
    for (i, c) in short.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The top-level `#[cfg(test)]` module (or `mod tests`): its body, or `Err` when it lives in
/// another file.
fn tests_module<'t>(root: Node<'t>, text: &str) -> Result<Option<Node<'t>>, NotOffered> {
    let mut walk = root.walk();
    let children: Vec<Node> = root.named_children(&mut walk).collect();
    for (i, item) in children.iter().enumerate() {
        if item.kind() != "mod_item" {
            continue;
        }
        let named_tests = item.child_by_field_name("name").is_some_and(|n| &text[n.byte_range()] == "tests");
        let cfg_test = children[..i]
            .iter()
            .rev()
            .take_while(|c| matches!(c.kind(), "attribute_item" | "line_comment" | "block_comment"))
            .any(|c| text[c.byte_range()].replace(' ', "").contains("cfg(test)"));
        if named_tests || cfg_test {
            return match item.child_by_field_name("body") {
                Some(body) => Ok(Some(body)),
                None => Err(not_offered("the tests module lives in another file; add the stubs there")),
            };
        }
    }
    Ok(None)
}

pub fn test_stub(target: &Target, t: &Templates, files: &dyn Files) -> Result<Fix, NotOffered> {
    let text = target.text;
    let tree = target.tree();
    let f = function_at(tree.root_node(), text, target.decl_start)?;
    let module = tests_module(tree.root_node(), text)?;
    let facts = CargoFacts::find(files, target.path);
    let runtime = t.tests.async_runtime.as_deref().unwrap_or_default();
    let async_tests = f.is_async && facts.as_ref().is_some_and(|c| c.has_features(runtime, &t.tests.async_runtime_features));
    // Names reach the function through `use super::*`, or through `super::`.
    let through = match module {
        Some(body) if !text[body.byte_range()].contains("use super::*") => "super::",
        _ => "",
    };
    let callee = match &f.owner {
        None => format!("{through}{}", target.name),
        Some((ty, None)) => format!("{through}{ty}::{}", target.name),
        Some((ty, Some(tr))) => format!("<{through}{ty} as {tr}>::{}", target.name),
    };
    // Tests are named after the function (`cart_total_succeeds`, `cart_total_…` for
    // `Cart::total` too): when the names are taken by another function's tests, the
    // new ones get a `_method` (or `_fn`) suffix.
    let mut prefix = match &f.owner {
        Some((ty, _)) => format!("{}_{}", snake(ty), target.name),
        None => target.name.to_string(),
    };
    let taken = |prefix: &str| t.tests.case.iter().any(|c| text.contains(&format!("fn {prefix}_{}(", c.suffix)));
    if taken(&prefix) {
        let module_text = module.map_or("", |m| &text[m.byte_range()]);
        if module_text.contains(&format!("{callee}(")) {
            return Err(not_offered("its test stubs are already there"));
        }
        prefix.push_str(if f.owner.is_some() { "_method" } else { "_fn" });
        if taken(&prefix) {
            return Err(not_offered("its test stubs are already there"));
        }
    }
    let names: Vec<String> = t.tests.case.iter().map(|c| format!("{prefix}_{}", c.suffix)).collect();

    let nl = newline(text);
    let unit = indent_unit(text, "    ");
    let member_indent = match module {
        Some(body) => {
            let mut walk = body.walk();
            let first = body.named_children(&mut walk).next();
            first.map_or_else(|| unit.clone(), |n| line_of(text, n.start_byte()).1.to_string())
        }
        None => unit.clone(),
    };
    let mut tests = Vec::new();
    for (case, test) in t.tests.case.iter().zip(&names) {
        let mut args = Vec::new();
        if f.receiver {
            let owner = f.owner.as_ref().map_or("Self", |(ty, _)| ty.as_str());
            args.push(fill(t.tests.receiver.as_deref().unwrap_or("todo!()"), &[("param", owner), ("case", &case.words)]));
        }
        args.extend(f.params.iter().map(|p| fill(&t.tests.argument, &[("param", p), ("case", &case.words)])));
        let mut call = format!("{callee}({})", args.join(", "));
        if async_tests {
            call.push_str(".await");
        }
        if f.is_unsafe {
            call = format!("unsafe {{ {call} }}");
        }
        let body = if f.generic {
            &case.unresolved
        } else if f.is_async && !async_tests {
            &case.value
        } else {
            match f.returns {
                Returns::Result => &case.result,
                Returns::Option => &case.option,
                Returns::Value => &case.value,
                Returns::Unit => &case.unit,
            }
        };
        let body = fill(body.as_deref().unwrap_or("todo!()"), &[("call", &call), ("name", target.name)]);
        let attribute = if async_tests { t.tests.async_attribute.as_deref() } else { t.tests.attribute.as_deref() }.unwrap_or("#[test]");
        let keyword = if async_tests { "async fn" } else { "fn" };
        let mut item = format!("{member_indent}{attribute}{nl}{member_indent}{keyword} {test}() {{{nl}");
        item.push_str(&indent_block(&body, &format!("{member_indent}{unit}"), nl));
        item.push_str(&format!("{member_indent}}}{nl}"));
        tests.push(item);
    }
    let tests = tests.join(nl);

    let insert = match module {
        Some(body) => {
            // Before the module's closing brace, after a blank line.
            let close = body.end_byte() - 1;
            let (start, _) = line_of(text, close);
            let only_brace = text[start..close].trim().is_empty();
            if only_brace {
                Insert { offset: start, text: format!("{nl}{tests}") }
            } else {
                Insert { offset: close, text: format!("{nl}{tests}") }
            }
        }
        None => {
            let module = fill(t.tests.module.as_deref().unwrap_or("mod tests {\n{tests}}\n"), &[("indent", &unit)]);
            let module = with_newlines(&module, nl).replace("{tests}", &tests);
            let lead = if text.is_empty() || text.ends_with('\n') { nl.to_string() } else { format!("{nl}{nl}") };
            Insert { offset: text.len(), text: format!("{lead}{module}") }
        }
    };
    Ok(Fix {
        title: format!("Add test stub for `{}`", display_name(&f, target.name)),
        edits: vec![FileEdit::Insert { path: target.path.to_path_buf(), inserts: vec![insert] }],
    })
}

fn display_name(f: &Function, name: &str) -> String {
    match &f.owner {
        Some((ty, _)) => format!("{ty}::{name}"),
        None => name.to_string(),
    }
}

pub fn observability_hook(target: &Target, t: &Templates, style: &Style, files: &dyn Files) -> Result<Fix, NotOffered> {
    let text = target.text;
    let tree = target.tree();
    let mut node = tree.root_node().descendant_for_byte_range(target.decl_start, target.decl_start).ok_or_else(|| not_offered("no function here"))?;
    while node.kind() != "function_item" {
        node = node.parent().ok_or_else(|| not_offered("no function here"))?;
    }
    let facts = CargoFacts::find(files, target.path);
    let uses = |krate: &Option<String>| krate.as_deref().is_some_and(|k| facts.as_ref().is_some_and(|f| f.depends_on(k)));
    let chosen = style.observability.as_deref().filter(|n| t.hooks.iter().any(|h| h.name == *n));
    let hook = t.hook(chosen, |h| uses(&h.krate)).ok_or_else(|| not_offered("no observability hook is configured"))?;
    let nl = newline(text);
    let mut edits = Vec::new();
    let mut inserts = Vec::new();
    if let Some(attribute) = &hook.attribute {
        let (line_start, indent) = line_of(text, node.start_byte());
        let args = instrument_args(node, text, &hook.plain_types);
        let mut line = fill(attribute, &[("args", &args)]);
        if args.is_empty() {
            line = line.replace("()", "");
        }
        inserts.push(Insert { offset: line_start, text: format!("{indent}{line}{nl}") });
    } else if let Some(statement) = &hook.statement {
        let body = node.child_by_field_name("body").ok_or_else(|| not_offered("the function has no body"))?;
        let (_, indent) = line_of(text, node.start_byte());
        let unit = indent_unit(text, "    ");
        let line = fill(statement, &[("name", target.name)]);
        inserts.push(Insert { offset: body.start_byte() + 1, text: format!("{nl}{indent}{unit}{line}") });
    }
    edits.push(FileEdit::Insert { path: target.path.to_path_buf(), inserts });
    // The dependency, when the crate does not have it yet.
    if let (Some(facts), Some(dependency)) = (&facts, &hook.dependency) {
        if !uses(&hook.krate) {
            let mtext = &facts.text;
            let mnl = newline(mtext);
            let insert = match mtext.lines().scan(0, |at, l| {
                let start = *at;
                *at += l.len() + 1;
                Some((start, l))
            })
            .find(|(_, l)| l.trim() == "[dependencies]")
            {
                Some((start, line)) => {
                    let end = (start + line.len() + 1).min(mtext.len());
                    let lead = if end == mtext.len() && !mtext.ends_with('\n') { mnl } else { "" };
                    Insert { offset: end, text: format!("{lead}{dependency}{mnl}") }
                }
                None => {
                    let lead = if mtext.is_empty() || mtext.ends_with('\n') { mnl.to_string() } else { format!("{mnl}{mnl}") };
                    Insert { offset: mtext.len(), text: format!("{lead}[dependencies]{mnl}{dependency}{mnl}") }
                }
            };
            edits.push(FileEdit::Insert { path: facts.manifest.clone(), inserts: vec![insert] });
        }
    }
    Ok(Fix { title: format!("Add an observability hook to `{}` ({})", target.name, hook.name), edits })
}

/// `skip(...)` for the receiver and arguments that are not plain values (`skip_all` when
/// none is), and `err` when the function returns a `Result`.
fn instrument_args(function: Node, text: &str, plain: &[String]) -> String {
    let mut skipped = Vec::new();
    let mut kept = 0;
    if let Some(list) = function.child_by_field_name("parameters") {
        let mut walk = list.walk();
        for p in list.named_children(&mut walk) {
            match p.kind() {
                "self_parameter" => skipped.push("self".to_string()),
                "parameter" => {
                    let name = p.child_by_field_name("pattern").map_or("_", |n| &text[n.byte_range()]).trim_start_matches("mut ");
                    let ty: String = p.child_by_field_name("type").map_or("", |n| &text[n.byte_range()]).split_whitespace().collect();
                    let is_plain = plain.iter().any(|t| t.replace(' ', "") == ty);
                    if is_plain && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        kept += 1;
                    } else if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        skipped.push(name.to_string());
                    } else {
                        // A destructuring pattern cannot be named in `skip(...)`.
                        kept = 0;
                        skipped.clear();
                        skipped.push("*".into());
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    let mut args = Vec::new();
    if skipped.first().is_some_and(|s| s == "*") || (kept == 0 && !skipped.is_empty()) {
        args.push("skip_all".to_string());
    } else if !skipped.is_empty() {
        args.push(format!("skip({})", skipped.join(", ")));
    }
    let returns_result = function.child_by_field_name("return_type").is_some_and(|t| {
        let t = text[t.byte_range()].trim();
        let head = t.split('<').next().unwrap_or(t);
        head.rsplit("::").next().unwrap_or(head).trim().ends_with("Result")
    });
    if returns_result {
        args.push("err".to_string());
    }
    args.join(", ")
}
