use std::collections::HashMap;
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let rules = lanes::ruleset::Ruleset::builtin();
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let mut bytes = 0;
    for e in ignore::Walk::new(&root) {
        let e = e.unwrap();
        let p = e.path();
        let Some(lang) = lanes::language::Language::from_path(p) else { continue };
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        bytes += text.len();
        let l = rules.language(lang);
        for m in l.scanner.find_overlapping_iter(&text) {
            let n = &l.needles[m.pattern().as_usize()];
            let b = text.as_bytes();
            let whole = (m.start() == 0 || !(b[m.start()-1].is_ascii_alphanumeric() || b[m.start()-1] == b'_')) && (m.end() == b.len() || !(b[m.end()].is_ascii_alphanumeric() || b[m.end()] == b'_'));
            let c = counts.entry(format!("{:?} {}", lang, l.needle_words[m.pattern().as_usize()])).or_default();
            c.0 += 1;
            if n.trigger.is_some_and(|w| !w || whole) { c.1 += 1; }
        }
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by_key(|(_, c)| std::cmp::Reverse(c.1));
    eprintln!("bytes {bytes}");
    for (w, c) in v.iter().take(25) { eprintln!("{w}: raw {} trigger {}", c.0, c.1); }
}
