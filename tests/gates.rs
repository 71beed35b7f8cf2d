//! Gate detection measured on labelled fixtures: `tests/fixtures/gates/{py,rs}` mark each
//! function with `expect: tests=… observability=…` (a comment just above it), covering
//! tests in other files, qualified references (`module.function`, `Type::new` vs another
//! type's `new`), patches by name, names only in comments, and each logging, tracing and
//! metrics style. Every function must be labelled and every gate detected as labelled.

use std::path::Path;

mod common;
use common::classify_project;
use lanes::ruleset::RegionKind;

fn check(project: &str) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gates").join(project);
    let mut functions = 0;
    let mut mistakes = Vec::new();
    for (rel, (text, c)) in classify_project(&root) {
        let lines: Vec<&str> = text.lines().collect();
        for r in &c.regions {
            if !matches!(r.region.kind, RegionKind::Function | RegionKind::Method) || r.gates.tests.name() == "not_applicable" {
                continue;
            }
            functions += 1;
            // The label is the comment just above the function (which a Rust region covers).
            let line = c.line_index.line(r.region.range.start);
            let decl = c.line_index.line(r.region.decl_range.start);
            let label = (line.saturating_sub(1)..decl).find_map(|l| lines[l].split_once("expect: ")).map(|(_, e)| e.trim());
            let found = format!("tests={} observability={}", r.gates.tests.name(), r.gates.observability.name());
            match label {
                Some(expected) if expected == found => {}
                Some(expected) => mistakes.push(format!("{}:{} {}: expected {expected}, found {found}", rel.display(), line + 1, r.region.name)),
                None => mistakes.push(format!("{}:{} {}: no `expect:` label", rel.display(), line + 1, r.region.name)),
            }
        }
    }
    println!("{project}: {functions} functions, {} mistakes", mistakes.len());
    (functions, mistakes)
}

#[test]
fn python_gates_match_their_labels() {
    let (functions, mistakes) = check("py");
    assert!(functions >= 14, "{functions}");
    assert!(mistakes.is_empty(), "{mistakes:#?}");
}

#[test]
fn rust_gates_match_their_labels() {
    let (functions, mistakes) = check("rs");
    assert!(functions >= 11, "{functions}");
    assert!(mistakes.is_empty(), "{mistakes:#?}");
}
