//! Labelled corpora: every function in `tests/corpus/<language>/` carries an
//! `expect: laneN` comment on its `def`/`fn` line. This test classifies the corpus with the
//! built-in rules and fails if Lane 3 recall drops below 0.95 or more than 3 % of the
//! functions labelled Lane 1 or 2 are flagged Lane 3. It prints every disagreement.

use std::path::{Path, PathBuf};

use lanes::classify::{classify, SourceFile};
use lanes::explain::region_lines;
use lanes::language::Language;
use lanes::line_index::LineIndex;
use lanes::ruleset::{RegionKind, Ruleset};

struct Score {
    functions: usize,
    lane3: usize,
    lane3_found: usize,
    others: usize,
    false_lane3: usize,
    exact: usize,
    report: Vec<String>,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn score(language: &str) -> Score {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(language);
    let ruleset = Ruleset::builtin();
    let mut all = Vec::new();
    files(&root, &mut all);
    let mut s = Score { functions: 0, lane3: 0, lane3_found: 0, others: 0, false_lane3: 0, exact: 0, report: Vec::new() };
    for path in all {
        let Some(lang) = Language::from_path(&path) else { continue };
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path.strip_prefix(&root).unwrap();
        let c = classify(&SourceFile { path: rel, rule_path: rel, language: lang, text: &text }, ruleset);
        let index = LineIndex::new(&text);
        let lines: Vec<&str> = text.lines().collect();
        let mut labelled = 0;
        for r in c.regions.iter().filter(|r| matches!(r.region.kind, RegionKind::Function | RegionKind::Method)) {
            let (line, _) = region_lines(r, &index, &text);
            let Some(label) = lines[line - 1].split("expect: lane").nth(1) else {
                panic!("{}:{line}: function `{}` has no `expect:` label", rel.display(), r.region.name);
            };
            labelled += 1;
            let expected: u8 = label[..1].parse().unwrap();
            let got = r.lane.number();
            s.functions += 1;
            if got == expected {
                s.exact += 1;
            }
            let why: Vec<String> = r
                .evidence
                .iter()
                .filter(|e| !e.overridden)
                .map(|e| format!("{}{}", e.rule, e.detail.as_ref().map(|d| format!(" {d}")).unwrap_or_default()))
                .collect();
            if expected == 3 {
                s.lane3 += 1;
                if got == 3 {
                    s.lane3_found += 1;
                } else {
                    s.report.push(format!("MISSED  {}:{line} {} (lane {got}) [{}]", rel.display(), r.region.name, why.join("; ")));
                }
            } else {
                s.others += 1;
                if got == 3 {
                    s.false_lane3 += 1;
                    s.report.push(format!("FALSE   {}:{line} {} (expected {expected}) [{}]", rel.display(), r.region.name, why.join("; ")));
                }
            }
        }
        let expected_labels = text.matches("expect: lane").count();
        assert_eq!(labelled, expected_labels, "{}: every labelled function must be found as a region", rel.display());
    }
    s
}

fn check(language: &str) {
    let s = score(language);
    let recall = s.lane3_found as f64 / s.lane3 as f64;
    let false_rate = s.false_lane3 as f64 / s.others as f64;
    for line in &s.report {
        eprintln!("{line}");
    }
    eprintln!(
        "{language}: {} functions, Lane 3 recall {}/{} = {recall:.3}, false Lane 3 {}/{} = {:.1} %, exact lane {}/{}",
        s.functions, s.lane3_found, s.lane3, s.false_lane3, s.others, false_rate * 100.0, s.exact, s.functions
    );
    assert!(s.functions >= 80, "{language}: the corpus needs at least 80 functions");
    assert!(recall >= 0.95, "{language}: Lane 3 recall {recall:.3} is below 0.95");
    assert!(false_rate <= 0.03, "{language}: false Lane 3 rate {:.1} % is above 3 %", false_rate * 100.0);
}

#[test]
fn python_corpus() {
    check("python");
}

#[test]
fn rust_corpus() {
    check("rust");
}

/// `Ruleset::new_for_text` (what `lanes guard` compiles: only the patterns whose trigger
/// words occur in the text) classifies every corpus file exactly as the full rules do:
/// same regions, lanes, categories, evidence and gates.
#[test]
fn rules_for_the_text_classify_as_the_full_rules() {
    let render = |c: &lanes::classify::Classification| -> Vec<String> {
        c.regions
            .iter()
            .map(|r| {
                let evidence: Vec<String> = r.evidence.iter().map(|e| format!("{}@{:?}{}", e.rule, e.range, if e.overridden { "~" } else { "" })).collect();
                format!("{:?} {} {:?} {:?} [{}] {:?}", r.region.kind, r.region.name, r.lane, r.categories, evidence.join(" "), r.gates)
            })
            .collect()
    };
    let mut checked = 0;
    let mut compiled_patterns = Vec::new();
    for language in ["python", "rust"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(language);
        let mut all = Vec::new();
        files(&root, &mut all);
        for path in all {
            let Some(lang) = Language::from_path(&path) else { continue };
            let text = std::fs::read_to_string(&path).unwrap();
            let rel = path.strip_prefix(&root).unwrap();
            let file = SourceFile { path: rel, rule_path: rel, language: lang, text: &text };
            let narrow = Ruleset::new_for_text(lanes::config::Config::default(), &[], lang, &text.to_lowercase()).unwrap();
            assert_eq!(render(&classify(&file, &narrow)), render(&classify(&file, Ruleset::builtin())), "{}", rel.display());
            let rules = narrow.language(lang);
            compiled_patterns.push([&rules.anchored, &rules.unanchored].iter().filter_map(|q| q.as_ref()).map(|q| q.query.pattern_count()).sum::<usize>());
            checked += 1;
        }
    }
    compiled_patterns.sort_unstable();
    println!("{checked} files; signal and gate patterns compiled per file: median {}, max {}", compiled_patterns[compiled_patterns.len() / 2], compiled_patterns.last().unwrap());
    assert!(checked > 20);
}
