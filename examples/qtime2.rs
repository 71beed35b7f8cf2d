use std::time::Instant;
fn main() {
    let g = lanes::language::Language::Python.grammar();
    for q in ["(identifier) @x", "(call function: (identifier) @f)", "(call function: (attribute object: (identifier) @m attribute: (identifier) @f))", "(call function: (attribute object: (identifier) @m attribute: (identifier) @f) (#eq? @m \"os\"))",
      "(call (attribute (identifier) @m (identifier) @f))", "(string (string_content) @s (interpolation))", "(call function: [(identifier) @f (attribute attribute: (identifier) @f)])", "(subscript value: [(identifier) @s (attribute attribute: (identifier) @s)] subscript: (string) @k)"] {
        let t = Instant::now();
        for _ in 0..10 { let _ = tree_sitter::Query::new(&g, q).unwrap(); }
        eprintln!("{:?} {q}", t.elapsed() / 10);
    }
}
