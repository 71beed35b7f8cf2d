use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let p = std::path::Path::new(&path);
    let lang = lanes::language::Language::from_path(p).unwrap();
    let rules = lanes::ruleset::Ruleset::builtin();
    let t = Instant::now();
    let tree = lanes::syntax::parse(lang, &text, None);
    let parse = t.elapsed();
    let f = lanes::classify::SourceFile { path: p, rule_path: p, language: lang, text: &text };
    let mut best = std::time::Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let _ = lanes::classify::classify_tree(&f, &tree, rules);
        best = best.min(t.elapsed());
    }
    eprintln!("{} lines: parse {:?}, classify {:?}", text.lines().count(), parse, best);
}
