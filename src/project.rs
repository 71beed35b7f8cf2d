//! What the code actions need to know about the project around a file: the Cargo manifest
//! and its dependencies (with features), a Python project's root, import path and declared
//! dependencies. Files are read through [`Files`], so the server can answer from open
//! documents first and tests from memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where file contents come from.
pub trait Files {
    /// The text of a file, or `None` when it does not exist or is not text.
    fn read(&self, path: &Path) -> Option<String>;
    /// Whether a file or directory exists.
    fn exists(&self, path: &Path) -> bool;
}

/// The file system.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}

/// The nearest ancestor directory of `file` holding one of `markers`.
pub fn find_root(files: &dyn Files, file: &Path, markers: &[String]) -> Option<PathBuf> {
    file.ancestors().skip(1).find(|dir| markers.iter().any(|m| files.exists(&dir.join(m)))).map(Path::to_path_buf)
}

/// A Cargo manifest and the dependencies it declares (normal and dev), with their features.
#[derive(Clone, Debug, Default)]
pub struct CargoFacts {
    pub manifest: PathBuf,
    pub text: String,
    /// Dependency name → enabled features (inherited `workspace = true` features included
    /// when the workspace manifest is found).
    pub dependencies: BTreeMap<String, Vec<String>>,
}

impl CargoFacts {
    /// The nearest `Cargo.toml` above `file`, or `None` (or a manifest that does not parse).
    pub fn find(files: &dyn Files, file: &Path) -> Option<CargoFacts> {
        let manifest = file.ancestors().skip(1).map(|d| d.join("Cargo.toml")).find(|m| files.exists(m))?;
        let text = files.read(&manifest)?;
        let mut facts = CargoFacts::parse(&text)?;
        // `dep = { workspace = true }` takes version and features from the workspace root.
        let inherited: Vec<String> = facts.dependencies.keys().cloned().collect();
        if let Some(root) = manifest.parent().and_then(Path::parent) {
            if let Some(workspace) = root.ancestors().map(|d| d.join("Cargo.toml")).find(|m| files.exists(m)).and_then(|m| files.read(&m)) {
                if let Some(ws) = workspace.parse::<toml::Table>().ok().and_then(|t| t.get("workspace").and_then(|w| w.get("dependencies")).cloned()) {
                    for name in inherited {
                        if let Some(spec) = ws.get(&name) {
                            facts.dependencies.entry(name).or_default().extend(features(spec));
                        }
                    }
                }
            }
        }
        facts.manifest = manifest;
        Some(facts)
    }

    /// The dependencies of a manifest's text.
    pub fn parse(text: &str) -> Option<CargoFacts> {
        let table: toml::Table = text.parse().ok()?;
        let mut dependencies = BTreeMap::new();
        for section in ["dependencies", "dev-dependencies"] {
            if let Some(deps) = table.get(section).and_then(|d| d.as_table()) {
                for (name, spec) in deps {
                    // `package = "..."` renames: the crate is known under its key.
                    dependencies.entry(name.clone()).or_insert_with(Vec::new).extend(features(spec));
                }
            }
        }
        Some(CargoFacts { manifest: PathBuf::new(), text: text.to_string(), dependencies })
    }

    pub fn depends_on(&self, name: &str) -> bool {
        self.dependencies.contains_key(name)
    }

    /// Whether `name` is a dependency with one of the feature sets (`macros+rt`: both).
    pub fn has_features(&self, name: &str, sets: &[String]) -> bool {
        let Some(enabled) = self.dependencies.get(name) else { return false };
        sets.iter().any(|set| set.split('+').all(|f| enabled.iter().any(|e| e == f)))
    }
}

fn features(spec: &toml::Value) -> Vec<String> {
    spec.get("features")
        .and_then(|f| f.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A Python project: its root and where a module sits in it.
#[derive(Clone, Debug)]
pub struct PythonProject {
    pub root: PathBuf,
    /// The text of the files that declare dependencies, concatenated.
    pub dependency_text: String,
}

impl PythonProject {
    /// The project holding `file`: the nearest directory with a root marker, else the
    /// file's own directory.
    pub fn find(files: &dyn Files, file: &Path, markers: &[String], dependency_files: &[String]) -> PythonProject {
        let root = find_root(files, file, markers).unwrap_or_else(|| file.parent().map(Path::to_path_buf).unwrap_or_default());
        let dependency_text = dependency_files.iter().filter_map(|f| files.read(&root.join(f))).collect::<Vec<_>>().join("\n");
        PythonProject { root, dependency_text }
    }

    /// The dotted import path of a module file (`src/shop/billing.py` → `shop.billing`), or
    /// `None` when the file is outside the root or a part is not an identifier.
    pub fn import_path(&self, file: &Path) -> Option<String> {
        let rel = file.strip_prefix(&self.root).ok()?;
        let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts.first().is_some_and(|p| p == "src") && parts.len() > 1 {
            parts.remove(0);
        }
        let last = parts.pop()?;
        let stem = last.strip_suffix(".py").or_else(|| last.strip_suffix(".pyi"))?;
        if stem != "__init__" {
            parts.push(stem.to_string());
        }
        let valid = |p: &String| !p.is_empty() && p.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && p.chars().all(|c| c.is_alphanumeric() || c == '_');
        (!parts.is_empty() && parts.iter().all(valid)).then(|| parts.join("."))
    }

    /// Whether the dependency files mention any of `names`.
    pub fn mentions(&self, names: &[String]) -> bool {
        names.iter().any(|n| self.dependency_text.contains(n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_dependencies_and_features() {
        let facts = CargoFacts::parse(
            "[package]\nname = \"x\"\n[dependencies]\nrt = { version = \"1\", features = [\"macros\", \"rt\"] }\nlog = \"0.4\"\n[dev-dependencies]\nproptest = \"1\"\n",
        )
        .unwrap();
        assert!(facts.depends_on("log") && facts.depends_on("proptest") && !facts.depends_on("tracing"));
        assert!(facts.has_features("rt", &["full".into(), "macros+rt".into()]));
        assert!(!facts.has_features("rt", &["full".into(), "macros+rt-multi-thread".into()]));
    }

    #[test]
    fn python_import_paths() {
        let p = PythonProject { root: PathBuf::from("/p"), dependency_text: String::new() };
        assert_eq!(p.import_path(Path::new("/p/src/shop/billing.py")).as_deref(), Some("shop.billing"));
        assert_eq!(p.import_path(Path::new("/p/shop/__init__.py")).as_deref(), Some("shop"));
        assert_eq!(p.import_path(Path::new("/p/app.py")).as_deref(), Some("app"));
        assert_eq!(p.import_path(Path::new("/p/my-scripts/run.py")), None);
        assert_eq!(p.import_path(Path::new("/elsewhere/run.py")), None);
    }
}
