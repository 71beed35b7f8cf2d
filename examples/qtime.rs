use std::time::Instant;
fn main() {
    for (lang, path) in [(lanes::language::Language::Rust, "queries/rust"), (lanes::language::Language::Python, "queries/python")] {
        for f in ["regions.scm", "signals.scm"] {
            let text = std::fs::read_to_string(format!("{path}/{f}")).unwrap();
            let t = Instant::now();
            let q = tree_sitter::Query::new(&lang.grammar(), &text).unwrap();
            eprintln!("{path}/{f}: {} patterns {:?}", q.pattern_count(), t.elapsed());
            // per pattern
            let mut v = Vec::new();
            for i in 0..q.pattern_count() {
                let p = &text[q.start_byte_for_pattern(i)..q.end_byte_for_pattern(i)];
                let t = Instant::now();
                let _ = tree_sitter::Query::new(&lang.grammar(), p).unwrap();
                v.push((t.elapsed(), p.lines().find(|l| !l.trim().is_empty() && !l.starts_with(';')).unwrap_or("").to_string()));
            }
            v.sort();
            for (d, p) in v.iter().rev().take(4) { eprintln!("   {d:?} {p}"); }
        }
    }
}
