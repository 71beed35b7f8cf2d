fn main() {
    let t = std::time::Instant::now();
    let r = lanes::ruleset::Ruleset::builtin();
    eprintln!("builtin ruleset: {:?} ({} kinds)", t.elapsed(), r.kinds.len());
}
