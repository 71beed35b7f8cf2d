//! One function per feature: take a document snapshot (and parameters) and return the
//! protocol result. Synchronous and free of I/O; the server calls them inside
//! `catch_unwind`, so a bug here costs one answer, never the server.

use std::sync::Arc;

use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeLens, Command, Diagnostic, DiagnosticSeverity, DiagnosticRelatedInformation, Hover, HoverContents, Location, MarkupContent,
    MarkupKind, NumberOrString, Position, TextEdit, Uri, WorkspaceEdit,
};

use crate::classify::{Classification, RegionLane};
use crate::fixes::{FileEdit, Fix, Style, Target};
use crate::gates::GateState;
use crate::project::Files;
use crate::explain;
use crate::lane::Lane;
use crate::line_index::{Encoding, LineIndex};
use crate::ruleset::RegionKind;

use super::convert;
use super::state;
use super::state::ClientOptions;

/// The command a code lens runs: show the explanation of the region at a position.
pub const EXPLAIN_COMMAND: &str = "lanes.explain";

/// The code of the hint diagnostics on open gates.
pub const GATE_HINT: &str = "lanes.open-gates";

/// What code actions need beyond the snapshot: files around the document, the project's
/// fix style and what the client can apply.
pub struct ActionContext<'a> {
    pub files: &'a dyn Files,
    pub style: Style,
    /// The client applies `CreateFile` operations.
    pub can_create: bool,
    /// The client applies `documentChanges`.
    pub document_changes: bool,
    /// The client resolves a code action's edit lazily (`codeAction/resolve`).
    pub lazy: bool,
}

/// The gate a fix closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateFix {
    Tests,
    Observability,
}

impl GateFix {
    fn name(self) -> &'static str {
        match self {
            GateFix::Tests => "tests",
            GateFix::Observability => "observability",
        }
    }
}

/// What handlers read: one version of one document and its classification.
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    /// `State::generation` when the classification was made.
    pub generation: u64,
    pub text: Arc<str>,
    pub line_index: LineIndex,
    pub classification: Arc<Classification>,
    /// The syntax tree of `text`, when the server still holds it (the fixes reuse it).
    pub tree: Option<tree_sitter::Tree>,
    pub encoding: Encoding,
    pub options: ClientOptions,
}

impl Snapshot {
    fn range(&self, r: &std::ops::Range<usize>) -> tower_lsp_server::ls_types::Range {
        convert::range(&self.line_index, &self.text, r, self.encoding)
    }

    fn offset(&self, p: Position) -> usize {
        convert::offset(&self.line_index, &self.text, p, self.encoding)
    }
}

/// The regions that get a diagnostic or a lens: functions, methods and classes, and any
/// container with evidence of its own at its lane.
fn reportable(r: &RegionLane) -> bool {
    match r.region.kind {
        RegionKind::Function | RegionKind::Method | RegionKind::Class => true,
        _ => r.evidence.iter().any(|e| !e.overridden && e.lane == r.lane && e.rule.as_ref() != "contains" && e.rule.as_ref() != "default"),
    }
}

/// Diagnostics for the regions whose lane the client asked for (by default Lane 3).
pub fn diagnostics(s: &Snapshot) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in &s.classification.regions {
        if !s.options.diagnostic_lanes.contains(&r.lane.number()) || !reportable(r) {
            continue;
        }
        let decisive: Vec<_> = r.evidence.iter().filter(|e| !e.overridden && e.lane == r.lane).collect();
        let Some(first) = decisive.first() else { continue };
        // The module region has no name: put its diagnostic on its first piece of evidence.
        let at = if r.region.kind == RegionKind::Module { first.range.clone() } else { r.region.name_range.clone() };
        let tracked = explain::tracked_gates(r);
        let open: Vec<&str> = tracked.iter().filter(|(_, met)| !met).map(|(n, _)| *n).collect();
        let permits = match r.lane {
            Lane::Three => "human-curated implementation",
            Lane::Two => "generated code on well-defined sub-problems",
            Lane::One => "generated code welcome",
        };
        let gates = match (tracked.is_empty(), open.is_empty()) {
            (true, _) => String::new(),
            (false, true) => "; tracked gates met".to_string(),
            (false, false) => format!("; open gates: {}", open.join(", ")),
        };
        let message = format!("{} ({}): {} — {permits}{gates}", r.lane, explain::category_summary(r), explain::evidence_text(first));
        let related = decisive
            .iter()
            .map(|e| DiagnosticRelatedInformation {
                location: Location { uri: s.uri.clone(), range: s.range(&e.range) },
                message: format!("{}: {}", e.rule, explain::evidence_text(e)),
            })
            .collect();
        out.push(Diagnostic {
            range: s.range(&at),
            severity: Some(s.options.severity()),
            code: Some(NumberOrString::String(first.rule.to_string())),
            source: Some("lanes".into()),
            message,
            related_information: Some(related),
            data: Some(json!({ "lane": r.lane.number(), "region": &*r.region.name, "kind": r.region.kind.name() })),
            ..Diagnostic::default()
        });
    }
    out
}

/// At most this many gate hints per file: a file of thousands of untested functions gets a
/// note instead of thousands of hints (the code lenses still show every gate), which also
/// keeps every keystroke's publish small.
pub const MAX_GATE_HINTS: usize = 200;

/// Hints on functions of the lanes in `gateHints` (default: Lane 2) whose tests or
/// observability gate is open.
pub fn gate_hints(s: &Snapshot) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut more = 0;
    for r in &s.classification.regions {
        if !s.options.gate_hints.contains(&r.lane.number()) || s.options.diagnostic_lanes.contains(&r.lane.number()) {
            continue;
        }
        let tracked = explain::tracked_gates(r);
        let open: Vec<&str> = tracked.iter().filter(|(_, met)| !met).map(|(n, _)| *n).collect();
        if open.is_empty() {
            continue;
        }
        if out.len() == MAX_GATE_HINTS {
            more += 1;
            continue;
        }
        out.push(Diagnostic {
            range: s.range(&r.region.name_range),
            severity: Some(DiagnosticSeverity::HINT),
            code: Some(NumberOrString::String(GATE_HINT.into())),
            source: Some("lanes".into()),
            message: format!("{} ({}): open gates: {}", r.lane, explain::category_summary(r), open.join(", ")),
            data: Some(json!({ "lane": r.lane.number(), "region": &*r.region.name, "kind": r.region.kind.name(), "open": open })),
            ..Diagnostic::default()
        });
    }
    if more > 0 {
        let start = Position { line: 0, character: 0 };
        out.push(Diagnostic {
            range: tower_lsp_server::ls_types::Range { start, end: start },
            severity: Some(DiagnosticSeverity::HINT),
            code: Some(NumberOrString::String(GATE_HINT.into())),
            source: Some("lanes".into()),
            message: format!("{more} more functions with open gates in this file: hints stop at {MAX_GATE_HINTS} (the code lenses show every gate)"),
            ..Diagnostic::default()
        });
    }
    out
}

/// The explanation of the innermost region at a position.
pub fn hover(s: &Snapshot, position: Position) -> Option<Hover> {
    if position.line as usize >= s.line_index.line_count().max(1) {
        return None;
    }
    let offset = s.offset(position);
    let c = &s.classification;
    let region = c.region_at(offset);
    let index = c.regions.iter().position(|r| std::ptr::eq(r, region))?;
    let markdown = explain::explain(c, index, &s.text, &s.line_index);
    let range = if index == 0 { None } else { Some(s.range(&region.region.name_range)) };
    Some(Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }), range })
}

/// The explanation at a position, for the `lanes.explain` command.
pub fn explain_at(s: &Snapshot, position: Position) -> String {
    let c = &s.classification;
    let region = c.region_at(s.offset(position));
    let index = c.regions.iter().position(|r| std::ptr::eq(r, region)).unwrap_or(0);
    explain::explain(c, index, &s.text, &s.line_index)
}

/// Code actions at a range: explain the lane of the region there; for Lanes 1–2, test stubs
/// and an observability hook while those gates are open; for Lane 3, review records only.
pub fn code_actions(s: &Snapshot, range: tower_lsp_server::ls_types::Range, context: &[Diagnostic], ctx: &ActionContext) -> Vec<CodeActionOrCommand> {
    let c = &s.classification;
    let region = c.region_at(s.offset(range.start));
    let what = if region.region.kind == RegionKind::Module {
        format!("module `{}`", region.region.name)
    } else {
        format!("`{}`", region.region.name)
    };
    let related: Vec<Diagnostic> = context.iter().filter(|d| d.source.as_deref() == Some("lanes")).cloned().collect();
    let mut actions = vec![CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Explain the lane of {what} ({} · {})", region.lane, explain::category_summary(region)),
        kind: Some(CodeActionKind::EMPTY),
        diagnostics: (!related.is_empty()).then(|| related.clone()),
        command: Some(Command {
            title: "Explain lane".into(),
            command: EXPLAIN_COMMAND.into(),
            arguments: Some(vec![json!(s.uri.as_str()), json!(range.start)]),
        }),
        ..CodeAction::default()
    })];
    // Lanes 1–2: close the tests and observability gates.
    let is_function = matches!(region.region.kind, RegionKind::Function | RegionKind::Method);
    if region.lane < Lane::Three && is_function {
        let hints: Vec<Diagnostic> = related
            .iter()
            .filter(|d| d.code == Some(NumberOrString::String(GATE_HINT.into())) && d.range.start.line <= range.start.line)
            .cloned()
            .collect();
        // A test can reach only top-level functions and methods of top-level types; any
        // function can log.
        if region.gates.tests == GateState::Missing && fixable(c, region) {
            actions.extend(gate_fix(s, ctx, region, GateFix::Tests, &hints));
        }
        if region.gates.observability == GateState::Missing {
            actions.extend(gate_fix(s, ctx, region, GateFix::Observability, &hints));
        }
    }
    // Lane 3: no generated implementation, only records for the person who owns the risk.
    if region.lane == Lane::Three && matches!(region.region.kind, RegionKind::Function | RegionKind::Method) {
        let (indent, at) = line_start(s, region.region.decl_range.start);
        let comment = s.classification.language.spec().line_comment;
        let name = &region.region.name;
        if region.gates.review == crate::gates::GateState::Missing {
            if let Some(digest) = &region.gates.digest {
                let who = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "reviewer".into());
                let line = format!("{indent}{comment} lanes: reviewed-by={who} {} {digest}\n", crate::date::today());
                actions.push(insert_action(s, format!("Mark `{name}` reviewed (as {who}, today)"), at, line));
            }
        }
        let mut checklist = format!("{indent}{comment} Acceptance checklist for `{name}` ({}):\n", explain::category_summary(region));
        for item in [
            "tests, written by hand: success, failure and edge cases",
            "interfaces and contracts match the agreed schemas",
            "logs, traces or metrics for operational debugging",
            "security and permission assumptions reviewed by the risk owner",
        ] {
            checklist.push_str(&format!("{indent}{comment} - [ ] {item}\n"));
        }
        if region.categories.contains(&crate::lane::Category::Irreversible) {
            checklist.push_str(&format!("{indent}{comment} - [ ] rollback path, recorded with `lanes: rollback=\"…\"`\n"));
        }
        actions.push(insert_action(s, format!("Add an acceptance checklist for `{name}`"), at, checklist));
    }
    actions
}

/// Whether the fixes can handle the region: a function or a method of a class or impl at the
/// top of the file (what tests can reach).
fn fixable(c: &Classification, r: &RegionLane) -> bool {
    let parent = |x: &RegionLane| x.region.parent.map(|i| &c.regions[i]);
    match r.region.kind {
        RegionKind::Function => parent(r).is_none_or(|p| p.region.kind == RegionKind::Module),
        RegionKind::Method => parent(r).is_some_and(|p| {
            matches!(p.region.kind, RegionKind::Class | RegionKind::Impl) && parent(p).is_none_or(|g| g.region.kind == RegionKind::Module)
        }),
        _ => false,
    }
}

/// A code action closing one gate of a region: computed now, or (when the client resolves
/// lazily) described by `data` and computed by [`resolve_code_action`].
fn gate_fix(s: &Snapshot, ctx: &ActionContext, region: &RegionLane, which: GateFix, hints: &[Diagnostic]) -> Option<CodeActionOrCommand> {
    let name = &region.region.name;
    let kind = if hints.is_empty() { CodeActionKind::REFACTOR } else { CodeActionKind::QUICKFIX };
    let diagnostics = (!hints.is_empty()).then(|| hints.to_vec());
    if ctx.lazy {
        let title = match which {
            GateFix::Tests => format!("Add test stub for `{name}`"),
            GateFix::Observability => format!("Add an observability hook to `{name}`"),
        };
        return Some(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(kind),
            diagnostics,
            data: Some(json!({ "uri": s.uri.as_str(), "version": s.version, "fix": which.name(), "decl": region.region.decl_range.start })),
            ..CodeAction::default()
        }));
    }
    let fix = compute_fix(s, ctx, region.region.decl_range.start, which).ok()?;
    let edit = workspace_edit(s, ctx, &fix)?;
    Some(CodeActionOrCommand::CodeAction(CodeAction { title: fix.title, kind: Some(kind), diagnostics, edit: Some(edit), ..CodeAction::default() }))
}

fn compute_fix(s: &Snapshot, ctx: &ActionContext, decl: usize, which: GateFix) -> Result<Fix, crate::fixes::NotOffered> {
    let c = &s.classification;
    let region = c
        .regions
        .iter()
        .find(|r| r.region.decl_range.start == decl && matches!(r.region.kind, RegionKind::Function | RegionKind::Method))
        .ok_or_else(|| crate::fixes::NotOffered("the function is gone".into()))?;
    let target = Target { path: &c.path, text: &s.text, tree: s.tree.as_ref(), language: c.language, decl_start: decl, name: &region.region.name };
    match which {
        GateFix::Tests => crate::fixes::test_stub(&target, ctx.files, ctx.can_create),
        GateFix::Observability => crate::fixes::observability_hook(&target, &ctx.style, ctx.files),
    }
}

/// Fill in the edit of a code action listed lazily. An action whose data is not ours comes
/// back as it was; one listed for another version of the document, or whose fix is no
/// longer possible, comes back disabled with the reason.
pub fn resolve_code_action(s: &Snapshot, ctx: &ActionContext, mut action: CodeAction) -> CodeAction {
    let data = action.data.clone().unwrap_or_default();
    let which = match data.get("fix").and_then(|f| f.as_str()) {
        Some("tests") => GateFix::Tests,
        Some("observability") => GateFix::Observability,
        _ => return action,
    };
    let Some(decl) = data.get("decl").and_then(|d| d.as_u64()) else { return action };
    if data.get("version").and_then(|v| v.as_i64()) != Some(i64::from(s.version)) {
        action.disabled = Some(tower_lsp_server::ls_types::CodeActionDisabled { reason: "the document changed; ask for code actions again".into() });
        return action;
    }
    let eager = ActionContext { lazy: false, style: ctx.style.clone(), ..*ctx };
    match compute_fix(s, &eager, decl as usize, which) {
        Ok(fix) => {
            action.title = fix.title.clone();
            action.edit = workspace_edit(s, &eager, &fix);
        }
        Err(why) => action.disabled = Some(tower_lsp_server::ls_types::CodeActionDisabled { reason: why.0 }),
    }
    action
}

/// A fix as a workspace edit: `documentChanges` (with `CreateFile`) when the client takes
/// them, else `changes`.
fn workspace_edit(s: &Snapshot, ctx: &ActionContext, fix: &Fix) -> Option<WorkspaceEdit> {
    use tower_lsp_server::ls_types::{
        CreateFile, CreateFileOptions, DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, ResourceOp, TextDocumentEdit,
    };
    let own = state::file_path(&s.uri);
    let mut per_file: Vec<(Uri, Option<Uri>, Vec<TextEdit>)> = Vec::new();
    for edit in &fix.edits {
        match edit {
            FileEdit::Insert { path, inserts } => {
                let is_own = own.as_deref() == Some(path.as_path()) || path == &s.classification.path;
                let (uri, edits) = if is_own {
                    let edits = inserts.iter().map(|i| insert_edit(&s.line_index, &s.text, i.offset, &i.text, s.encoding)).collect();
                    (s.uri.clone(), edits)
                } else {
                    let text = ctx.files.read(path)?;
                    let index = LineIndex::new(&text);
                    let edits = inserts.iter().map(|i| insert_edit(&index, &text, i.offset, &i.text, s.encoding)).collect();
                    (Uri::from_file_path(path)?, edits)
                };
                per_file.push((uri, None, edits));
            }
            FileEdit::Create { path, text } => {
                let uri = Uri::from_file_path(path)?;
                let at = Position { line: 0, character: 0 };
                per_file.push((uri.clone(), Some(uri), vec![TextEdit { range: tower_lsp_server::ls_types::Range { start: at, end: at }, new_text: text.clone() }]));
            }
        }
    }
    if ctx.document_changes {
        let mut ops = Vec::new();
        for (uri, create, edits) in per_file {
            if let Some(create) = create {
                ops.push(DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                    uri: create,
                    options: Some(CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(true) }),
                    annotation_id: None,
                })));
            }
            let version = (uri == s.uri).then_some(s.version);
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }));
        }
        return Some(WorkspaceEdit { document_changes: Some(DocumentChanges::Operations(ops)), ..WorkspaceEdit::default() });
    }
    if per_file.iter().any(|(_, create, _)| create.is_some()) {
        return None;
    }
    let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> = std::collections::HashMap::new();
    for (uri, _, edits) in per_file {
        changes.entry(uri).or_default().extend(edits);
    }
    Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}

fn insert_edit(index: &LineIndex, text: &str, offset: usize, new_text: &str, encoding: Encoding) -> TextEdit {
    let at = convert::position(index, text, offset.min(text.len()), encoding);
    TextEdit { range: tower_lsp_server::ls_types::Range { start: at, end: at }, new_text: new_text.to_string() }
}

/// The indentation of the line holding `offset`, and the position where that line starts.
fn line_start(s: &Snapshot, offset: usize) -> (String, Position) {
    let line = s.line_index.line(offset);
    let start = s.line_index.line_start(line).unwrap_or(0);
    let indent: String = s.text[start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    (indent, Position { line: line as u32, character: 0 })
}

fn insert_action(s: &Snapshot, title: String, at: Position, text: String) -> CodeActionOrCommand {
    let edit = TextEdit { range: tower_lsp_server::ls_types::Range { start: at, end: at }, new_text: text };
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::REFACTOR),
        edit: Some(WorkspaceEdit { changes: Some([(s.uri.clone(), vec![edit])].into_iter().collect()), ..WorkspaceEdit::default() }),
        ..CodeAction::default()
    })
}


/// `Lane 3 · billing` above each function, method and class.
pub fn code_lenses(s: &Snapshot) -> Vec<CodeLens> {
    if !s.options.code_lens {
        return Vec::new();
    }
    s.classification
        .regions
        .iter()
        .filter(|r| matches!(r.region.kind, RegionKind::Function | RegionKind::Method | RegionKind::Class))
        .map(|r| {
            let range = s.range(&r.region.name_range);
            CodeLens {
                range,
                command: Some(Command {
                    title: {
                        let marks = explain::gate_marks(r);
                        let base = format!("{} · {}", r.lane, explain::category_summary(r));
                        if marks.is_empty() { base } else { format!("{base} · {marks}") }
                    },
                    command: EXPLAIN_COMMAND.into(),
                    arguments: Some(vec![json!(s.uri.as_str()), json!(range.start)]),
                }),
                data: None,
            }
        })
        .collect()
}
