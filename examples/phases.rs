use std::time::{Duration, Instant};
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let rules = lanes::ruleset::Ruleset::builtin();
    let (mut parse, mut regions, mut classify) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for e in ignore::Walk::new(&root) {
        let e = e.unwrap();
        let p = e.path();
        let Some(lang) = lanes::language::Language::from_path(p) else { continue };
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        let t = Instant::now();
        let tree = lanes::syntax::parse(lang, &text, None);
        parse += t.elapsed();
        let t = Instant::now();
        let r = lanes::syntax::outline(&tree, &text, rules.language(lang), "m");
        regions += t.elapsed();
        drop(r);
        let t = Instant::now();
        let f = lanes::classify::SourceFile { path: p, rule_path: p, language: lang, text: &text };
        let _ = lanes::classify::classify_tree(&f, &tree, rules);
        classify += t.elapsed();
    }
    eprintln!("parse {parse:?} regions {regions:?} classify(total incl regions) {classify:?}");
}
