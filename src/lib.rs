//! lanes: which risk lane code belongs to, why, and which acceptance gates are open.
//!
//! The engine (everything but `cli`, `report` and `lsp`) knows nothing of protocols or output
//! formats: it takes text and paths and returns plain values with byte ranges.
//! `classify::classify_incremental` is the one entry point that the CLI and the language
//! server share.
//!
//! Reading order: `lane` (the model), `language` (descriptors), `queries` and `rules` (the
//! data), `config`, `ruleset` (compiled rules), `syntax` (parse and regions), `annotations`,
//! `chunks` (units of work, cached between edits), `classify` (the heart), `gates`
//! (acceptance gates), `explain` (the Markdown shared by CLI and hover), `line_index`; then
//! the edges: `report` and `cli` (the command line), and `lsp` (the language server, the only
//! module that knows the protocol).
//!
//! Review and CI: `diff` (changed lines of a `git diff`, attributed to regions), `policy`
//! (`--fail-on`), `init` (a starter configuration), and at the edges `git` (runs git),
//! `change` (the touched regions and the verdict) and `formats` (SARIF, GitHub, Markdown,
//! HTML).
#![deny(clippy::print_stdout)]

pub mod agent;
pub mod annotations;
pub mod change;
pub mod chunks;
pub mod classify;
pub mod cli;
pub mod config;
pub mod date;
pub mod diff;
pub mod explain;
pub mod fixes;
pub mod formats;
pub mod gates;
pub mod git;
pub mod guard;
pub mod init;
pub mod lane;
pub mod language;
pub mod line_index;
pub mod patch;
pub mod lsp;
pub mod policy;
pub mod project;
pub mod queries;
pub mod report;
pub mod rules;
pub mod ruleset;
pub mod syntax;
pub mod words;
