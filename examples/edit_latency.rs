use std::time::{Duration, Instant};
use lanes::chunks::ChunkCache;
thread_local!(static LAST: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
fn main() {
    let arg = std::env::args().nth(1).unwrap();
    let mut text = std::fs::read_to_string(&arg).unwrap();
    let p = std::path::Path::new(&arg);
    let lang = lanes::language::Language::from_path(p).unwrap();
    let rules = lanes::ruleset::Ruleset::builtin();
    let mut tree = lanes::syntax::parse(lang, &text, None);
    let mut cache = ChunkCache::default();
    let f = lanes::classify::SourceFile { path: p, rule_path: p, language: lang, text: &text };
    let _ = lanes::classify::classify_incremental(&f, &tree, rules, &mut cache, None);
    let (mut tp, mut tc, mut tl) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    for k in 0..n {
        let at = if k % 2 == 0 { let a = (k * 7919) % (text.len() - 10); LAST.with(|l| l.set(a)); a } else { LAST.with(|l| l.get()) };
        let (old_end, new_end) = if k % 2 == 0 { text.insert(at, 'x'); (at, at + 1) } else { text.remove(at); (at + 1, at) };
        let t = Instant::now();
        let mut old = tree.clone();
        let row = text[..at].matches('\n').count();
        let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
        old.edit(&tree_sitter::InputEdit { start_byte: at, old_end_byte: old_end, new_end_byte: new_end,
            start_position: tree_sitter::Point { row, column: col }, old_end_position: tree_sitter::Point { row, column: col + old_end - at },
            new_end_position: tree_sitter::Point { row, column: col + new_end - at } });
        tree = lanes::syntax::parse(lang, &text, Some(&old));
        tp += t.elapsed();
        let t = Instant::now();
        let li = lanes::line_index::LineIndex::new(&text);
        tl += t.elapsed();
        let t = Instant::now();
        let f = lanes::classify::SourceFile { path: p, rule_path: p, language: lang, text: &text };
        let _ = lanes::classify::classify_incremental(&f, &tree, rules, &mut cache, Some(li));
        tc += t.elapsed();
    }
    eprintln!("per edit: parse {:?} lineindex {:?} classify {:?}", tp / n as u32, tl / n as u32, tc / n as u32);
}
