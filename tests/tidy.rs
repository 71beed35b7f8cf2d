//! Architecture rules, checked on the source: only `src/lsp/` knows the protocol and the
//! async runtime (and `src/agent/mcp.rs` the MCP SDK and its runtime), only `report.rs`,
//! `src/formats/`, `src/lsp/` and `src/agent/` (the coding-agent edge) serialise, and every
//! source file says what it is for in a `//!` comment on its first line.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn only_the_server_knows_the_protocol() {
    for (path, text) in all_sources() {
        if path.starts_with("src/lsp/") || path == "src/main.rs" {
            continue;
        }
        for word in ["tower_lsp_server", "ls_types", "tokio"] {
            if path == "src/agent/mcp.rs" && word == "tokio" {
                continue;
            }
            assert!(!text.contains(word), "{path} mentions `{word}`: only src/lsp/ speaks the protocol");
        }
        if path != "src/agent/mcp.rs" {
            assert!(!text.contains("rmcp"), "{path} mentions `rmcp`: only src/agent/mcp.rs speaks MCP");
        }
    }
}

#[test]
fn only_the_edges_serialise() {
    for (path, text) in all_sources() {
        if path.starts_with("src/lsp/") || path.starts_with("src/formats/") || path.starts_with("src/agent/") || path == "src/report.rs" {
            continue;
        }
        assert!(!text.contains("Serialize,") && !text.contains("Serialize)") && !text.contains("::Serialize"),
            "{path} derives or uses Serialize: output shapes belong to report.rs, src/formats/, src/lsp/ and src/agent/");
    }
}

#[test]
fn every_source_file_says_what_it_is_for() {
    for (path, text) in all_sources() {
        assert!(text.starts_with("//! "), "{path} must start with a `//!` comment");
    }
}
