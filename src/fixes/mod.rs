//! Edits that close a gate for a function of Lanes 1–2: test stubs and observability hooks.
//! They are plain byte-offset insertions and file creations (the server turns them into
//! workspace edits); their text comes from the templates in `queries/<language>/fixes.toml`,
//! filled in with what the syntax tree and the project (`crate::project`) say.

mod python;
mod rust;
mod templates;
mod text;

use std::path::{Path, PathBuf};

use crate::language::Language;
use crate::project::Files;

pub use templates::{hook_names, Templates};

/// Insert `text` at byte `offset`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insert {
    pub offset: usize,
    pub text: String,
}

/// What one fix does to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEdit {
    /// Insertions into an existing file, planned against `text` as read.
    Insert { path: PathBuf, inserts: Vec<Insert> },
    /// A new file with this text.
    Create { path: PathBuf, text: String },
}

impl FileEdit {
    pub fn path(&self) -> &Path {
        match self {
            FileEdit::Insert { path, .. } | FileEdit::Create { path, .. } => path,
        }
    }
}

/// A fix: what it is called and what it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<FileEdit>,
}

/// The function a fix is for.
pub struct Target<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    /// The syntax tree of `text` when the caller has it; parsed when `None`.
    pub tree: Option<&'a tree_sitter::Tree>,
    pub language: Language,
    /// Where the function's definition starts (`Region::decl_range.start`).
    pub decl_start: usize,
    pub name: &'a str,
}

/// Choices the project makes in `lanes.toml` (`[fixes]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// The observability hook to use, by name (`tracing`, `log`, `logging`, …); `None`
    /// picks from what the code already uses.
    pub observability: Option<String>,
}

/// Why a fix is not offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotOffered(pub String);

/// Test stubs (success, failure, edge cases) for the function: Rust into the file's
/// `#[cfg(test)]` module, Python into the project's `tests/test_<module>.py`.
/// `can_create` says whether the client can create files.
pub fn test_stub(target: &Target, files: &dyn Files, can_create: bool) -> Result<Fix, NotOffered> {
    let templates = Templates::get(target.language);
    match target.language {
        Language::Rust => rust::test_stub(target, templates, files),
        Language::Python => python::test_stub(target, templates, files, can_create),
    }
}

/// An observability hook for the function (a log or trace at entry), in the style the
/// project uses or `style` asks for.
pub fn observability_hook(target: &Target, style: &Style, files: &dyn Files) -> Result<Fix, NotOffered> {
    let templates = Templates::get(target.language);
    match target.language {
        Language::Rust => rust::observability_hook(target, templates, style, files),
        Language::Python => python::observability_hook(target, templates, style),
    }
}

impl Target<'_> {
    /// The caller's tree, or a fresh parse.
    fn tree(&self) -> std::borrow::Cow<'_, tree_sitter::Tree> {
        match self.tree {
            Some(tree) => std::borrow::Cow::Borrowed(tree),
            None => std::borrow::Cow::Owned(crate::syntax::parse(self.language, self.text, None)),
        }
    }
}

/// Apply insertions to a text (for tests and for callers that write files themselves).
pub fn apply(text: &str, inserts: &[Insert]) -> String {
    let mut sorted: Vec<&Insert> = inserts.iter().collect();
    // Later offsets first; at one offset, keep the given order.
    sorted.sort_by_key(|i| std::cmp::Reverse(i.offset));
    let mut out = text.to_string();
    let mut i = 0;
    while i < sorted.len() {
        let offset = sorted[i].offset;
        let mut j = i;
        let mut block = String::new();
        while j < sorted.len() && sorted[j].offset == offset {
            j += 1;
        }
        // `sorted[i..j]` share an offset and, the sort being stable, keep the given order.
        for insert in &sorted[i..j] {
            block.push_str(&insert.text);
        }
        out.insert_str(offset.min(out.len()), &block);
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Files in memory.
    struct Memory(HashMap<PathBuf, String>);

    impl Files for Memory {
        fn read(&self, path: &Path) -> Option<String> {
            self.0.get(path).cloned()
        }
        fn exists(&self, path: &Path) -> bool {
            self.0.contains_key(path) || self.0.keys().any(|p| p.starts_with(path))
        }
    }

    /// The fix for `name` in `/p/<file>`, rendered as the edited files.
    fn hook(files: &[(&str, &str)], file: &str, name: &str, style: Option<&str>) -> String {
        let memory = Memory(files.iter().map(|(p, t)| (Path::new("/p").join(p), t.to_string())).collect());
        let path = Path::new("/p").join(file);
        let text = memory.read(&path).unwrap();
        let language = Language::from_path(&path).unwrap();
        let decl = text.find(&format!("fn {name}")).or_else(|| text.find(&format!("def {name}"))).unwrap();
        let target = Target { path: &path, text: &text, tree: None, language, decl_start: decl, name };
        let style = Style { observability: style.map(str::to_string) };
        let fix = observability_hook(&target, &style, &memory).unwrap();
        let mut out = format!("{}\n", fix.title);
        for edit in &fix.edits {
            if let FileEdit::Insert { path, inserts } = edit {
                out.push_str(&format!("--- {}\n{}", path.display(), apply(&memory.read(path).unwrap(), inserts)));
            }
        }
        out
    }

    #[test]
    fn rust_hook_follows_the_crate() {
        let lib = "pub fn settle(amount: i64) -> i64 {\n    amount\n}\n";
        // A crate on `log` gets a log event; one on neither gets tracing and the dependency.
        expect_test::expect![[r#"
            Add an observability hook to `settle` (log)
            --- /p/src/lib.rs
            pub fn settle(amount: i64) -> i64 {
                log::debug!("settle called");
                amount
            }
        "#]]
        .assert_eq(&hook(&[("Cargo.toml", "[package]\nname = \"x\"\n\n[dependencies]\nlog = \"0.4\"\n"), ("src/lib.rs", lib)], "src/lib.rs", "settle", None));
        expect_test::expect![[r#"
            Add an observability hook to `settle` (tracing)
            --- /p/src/lib.rs
            #[tracing::instrument]
            pub fn settle(amount: i64) -> i64 {
                amount
            }
            --- /p/Cargo.toml
            [package]
            name = "x"

            [dependencies]
            tracing = "0.1"
        "#]]
        .assert_eq(&hook(&[("Cargo.toml", "[package]\nname = \"x\"\n"), ("src/lib.rs", lib)], "src/lib.rs", "settle", None));
        // `[fixes] observability = "log"` wins over what the crate uses.
        let chosen = hook(&[("Cargo.toml", "[dependencies]\ntracing = \"0.1\"\n"), ("src/lib.rs", lib)], "src/lib.rs", "settle", Some("log"));
        assert!(chosen.contains("log::debug!(\"settle called\");") && chosen.contains("log = \"0.4\""), "{chosen}");
    }

    #[test]
    fn python_hook_follows_the_module() {
        expect_test::expect![[r#"
            Add an observability hook to `place` (structlog)
            --- /p/shop/orders.py
            import structlog

            log = structlog.get_logger()


            class Orders:
                def place(self, cart):
                    log.info("Orders.place.called")
                    return cart
        "#]]
        .assert_eq(&hook(
            &[("shop/orders.py", "import structlog\n\nlog = structlog.get_logger()\n\n\nclass Orders:\n    def place(self, cart):\n        return cart\n")],
            "shop/orders.py",
            "place",
            None,
        ));
    }
}
