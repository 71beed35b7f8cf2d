//! The input and output formats of `lanes guard`: our own JSON (`{"path", "old_text",
//! "new_text"}`), unified diffs, Claude Code's `PreToolUse` hook and Gemini CLI's
//! `BeforeTool` hook. Each is read into an `EditRequest` and each answer rendered with the
//! format's documented decision fields and exit codes.
//!
//! Claude Code: <https://code.claude.com/docs/en/hooks> (PreToolUse input `tool_name`,
//! `tool_input` of Edit / MultiEdit / Write; output `hookSpecificOutput.permissionDecision`
//! `allow` | `ask` | `deny` with `permissionDecisionReason`, shown to Claude for `deny` and
//! to the user for `ask`; exit code 2 blocks and feeds stderr to Claude).
//! Gemini CLI: <https://geminicli.com/docs/hooks/reference> (BeforeTool input `tool_name`,
//! `tool_input` of `write_file` / `replace`; output `decision` `allow` | `deny` with
//! `reason` sent to the agent; exit code 2 blocks with stderr as the reason).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::guard::Decision;
use crate::patch::{self, FilePatch};

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Decide from the input: a JSON object with `hook_event_name` is a hook, one with
    /// `path` is our own form, anything else a unified diff.
    Auto,
    Json,
    Diff,
    ClaudeCode,
    GeminiCli,
}

impl Format {
    pub fn agent(self) -> Option<&'static str> {
        match self {
            Format::ClaudeCode => Some("claude-code"),
            Format::GeminiCli => Some("gemini-cli"),
            _ => None,
        }
    }
}

/// One file's proposed change, as the input describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEdit {
    /// Replace `old` by `new` (every occurrence when `all`), in order.
    Replace { path: PathBuf, replacements: Vec<Replacement> },
    /// Write the whole file.
    Write { path: PathBuf, content: String },
    Patch(FilePatch),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub old: String,
    pub new: String,
    pub all: bool,
}

/// What to judge, and who asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditRequest {
    /// The format the input turned out to be (never `Auto`).
    pub format: Format,
    pub agent: Option<String>,
    pub tool: Option<String>,
    pub session: Option<String>,
    /// The directory relative paths are relative to (the hook's `cwd`).
    pub cwd: Option<PathBuf>,
    pub edits: Vec<FileEdit>,
}

/// Read the input. `Ok(None)` for a hook call about a tool that edits no file (lanes has no
/// opinion on it).
pub fn parse(input: &str, format: Format) -> Result<Option<EditRequest>, String> {
    let trimmed = input.trim_start();
    let format = match format {
        Format::Auto if trimmed.starts_with('{') => {
            let probe: Probe = serde_json::from_str(input).map_err(|e| format!("input is not valid JSON: {e}"))?;
            match probe.hook_event_name.as_deref() {
                Some("PreToolUse") => Format::ClaudeCode,
                Some("BeforeTool") => Format::GeminiCli,
                Some(other) => return Err(format!("hook event `{other}` is not one lanes guard answers (PreToolUse, BeforeTool)")),
                None => Format::Json,
            }
        }
        Format::Auto => Format::Diff,
        f => f,
    };
    let request = |agent: Option<String>, tool, session, cwd, edits| EditRequest { format, agent, tool, session, cwd, edits };
    match format {
        Format::Json => {
            let own: OwnInput = serde_json::from_str(input).map_err(|e| format!("input is not lanes guard JSON: {e}"))?;
            let edit = match (own.diff, own.content, own.path) {
                (Some(diff), _, _) => return Ok(Some(request(own.agent, own.tool, None, None, patches(&diff)?))),
                (None, Some(content), Some(path)) => FileEdit::Write { path, content },
                (None, None, Some(path)) => FileEdit::Replace {
                    path,
                    replacements: vec![Replacement {
                        old: own.old_text.unwrap_or_default(),
                        new: own.new_text.ok_or("`new_text` is missing")?,
                        all: own.replace_all,
                    }],
                },
                (None, _, None) => return Err("`path` is missing (expected {\"path\", \"old_text\", \"new_text\"})".into()),
            };
            Ok(Some(request(own.agent, own.tool, None, None, vec![edit])))
        }
        Format::Diff => Ok(Some(request(None, None, None, None, patches(input)?))),
        Format::ClaudeCode | Format::GeminiCli => {
            let hook: HookInput = serde_json::from_str(input).map_err(|e| format!("input is not a hook call: {e}"))?;
            let edit = match format {
                Format::ClaudeCode => claude_edit(&hook)?,
                _ => gemini_edit(&hook)?,
            };
            let Some(edit) = edit else { return Ok(None) };
            let agent = format.agent().map(str::to_string);
            Ok(Some(request(agent, Some(hook.tool_name), hook.session_id, hook.cwd, vec![edit])))
        }
        Format::Auto => unreachable!("resolved above"),
    }
}

fn patches(diff: &str) -> Result<Vec<FileEdit>, String> {
    Ok(patch::parse(diff)?.into_iter().map(FileEdit::Patch).collect())
}

#[derive(Deserialize)]
struct Probe {
    hook_event_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnInput {
    path: Option<PathBuf>,
    old_text: Option<String>,
    new_text: Option<String>,
    #[serde(default)]
    replace_all: bool,
    content: Option<String>,
    diff: Option<String>,
    agent: Option<String>,
    tool: Option<String>,
}

#[derive(Deserialize)]
struct HookInput {
    tool_name: String,
    #[serde(default)]
    tool_input: serde_json::Value,
    session_id: Option<String>,
    cwd: Option<PathBuf>,
}

#[derive(Deserialize)]
struct ToolEdit {
    file_path: PathBuf,
    old_string: Option<String>,
    new_string: Option<String>,
    #[serde(default)]
    replace_all: bool,
    content: Option<String>,
    edits: Option<Vec<MultiEditItem>>,
    expected_replacements: Option<u64>,
}

#[derive(Deserialize)]
struct MultiEditItem {
    old_string: String,
    new_string: String,
    #[serde(default)]
    replace_all: bool,
}

fn tool_edit(hook: &HookInput) -> Result<ToolEdit, String> {
    serde_json::from_value(hook.tool_input.clone()).map_err(|e| format!("{} tool_input: {e}", hook.tool_name))
}

/// Claude Code's file tools: `Edit`, `MultiEdit`, `Write`.
fn claude_edit(hook: &HookInput) -> Result<Option<FileEdit>, String> {
    Ok(Some(match hook.tool_name.as_str() {
        "Edit" => {
            let t = tool_edit(hook)?;
            FileEdit::Replace {
                path: t.file_path,
                replacements: vec![Replacement {
                    old: t.old_string.unwrap_or_default(),
                    new: t.new_string.ok_or("Edit tool_input has no `new_string`")?,
                    all: t.replace_all,
                }],
            }
        }
        "MultiEdit" => {
            let t = tool_edit(hook)?;
            let edits = t.edits.ok_or("MultiEdit tool_input has no `edits`")?;
            FileEdit::Replace {
                path: t.file_path,
                replacements: edits.into_iter().map(|e| Replacement { old: e.old_string, new: e.new_string, all: e.replace_all }).collect(),
            }
        }
        "Write" => {
            let t = tool_edit(hook)?;
            FileEdit::Write { path: t.file_path, content: t.content.ok_or("Write tool_input has no `content`")? }
        }
        _ => return Ok(None),
    }))
}

/// Gemini CLI's file tools: `replace` and `write_file`.
fn gemini_edit(hook: &HookInput) -> Result<Option<FileEdit>, String> {
    Ok(Some(match hook.tool_name.as_str() {
        "replace" => {
            let t = tool_edit(hook)?;
            FileEdit::Replace {
                path: t.file_path,
                replacements: vec![Replacement {
                    old: t.old_string.unwrap_or_default(),
                    new: t.new_string.ok_or("replace tool_input has no `new_string`")?,
                    all: t.expected_replacements.is_some_and(|n| n > 1),
                }],
            }
        }
        "write_file" => {
            let t = tool_edit(hook)?;
            FileEdit::Write { path: t.file_path, content: t.content.ok_or("write_file tool_input has no `content`")? }
        }
        _ => return Ok(None),
    }))
}

/// What `lanes guard` answers, before rendering.
pub struct Answer<'a> {
    pub decision: Decision,
    pub reason: &'a str,
    pub profile: &'a str,
    pub files: Vec<FileAnswer>,
    /// A person's override: the reason given, and the decision it replaced.
    pub overridden: Option<(&'a str, Decision)>,
    pub grant_allow: bool,
}

#[derive(Serialize)]
pub struct FileAnswer {
    pub path: String,
    pub decision: &'static str,
    pub regions: Vec<RegionAnswer>,
}

#[derive(Serialize)]
pub struct RegionAnswer {
    pub name: String,
    pub kind: &'static str,
    pub line: usize,
    pub lane_before: Option<u8>,
    pub lane_after: Option<u8>,
    pub categories: Vec<&'static str>,
    pub decision: &'static str,
    pub decided_by: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub open_gates: Vec<&'static str>,
}

/// The rendered answer: what to print on stdout and stderr, and the exit status.
#[derive(Debug, PartialEq, Eq)]
pub struct Rendered {
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

/// Exit statuses of our own formats.
pub const EXIT_ALLOW: i32 = 0;
pub const EXIT_ASK: i32 = 1;
pub const EXIT_ERROR: i32 = 2;
pub const EXIT_DENY: i32 = 3;

pub fn render(format: Format, answer: &Answer) -> Rendered {
    let quiet = |stdout: String| Rendered { stdout, stderr: String::new(), exit: 0 };
    match format {
        Format::ClaudeCode => {
            if answer.decision == Decision::Allow && !answer.grant_allow {
                // No opinion: Claude Code's own permission rules and prompts apply.
                return quiet(String::new());
            }
            let out = ClaudeOutput {
                hook_specific_output: ClaudeDecision {
                    hook_event_name: "PreToolUse",
                    permission_decision: answer.decision.name(),
                    permission_decision_reason: answer.reason,
                },
            };
            quiet(line(&out))
        }
        Format::GeminiCli => {
            let out = match answer.decision {
                Decision::Allow if !answer.grant_allow => GeminiOutput { decision: None, reason: None, system_message: None },
                Decision::Allow => GeminiOutput { decision: Some("allow"), reason: None, system_message: None },
                // Gemini CLI has no `ask`: the edit is blocked until a person approves it.
                Decision::Ask => GeminiOutput {
                    decision: Some("deny"),
                    reason: Some(format!("{}A person must approve this edit first: stop and ask them.", answer.reason)),
                    system_message: Some("lanes: this edit needs a person's approval (Lane 3)".into()),
                },
                Decision::Deny => GeminiOutput { decision: Some("deny"), reason: Some(answer.reason.to_string()), system_message: None },
            };
            quiet(line(&out))
        }
        Format::Json | Format::Diff | Format::Auto => {
            let out = OwnOutput {
                decision: answer.decision.name(),
                reason: answer.reason,
                profile: answer.profile,
                overridden: answer.overridden.map(|(why, was)| Overridden { reason: why, decision: was.name() }),
                files: &answer.files,
            };
            let mut stdout = serde_json::to_string_pretty(&out).expect("serialisable");
            stdout.push('\n');
            let exit = match answer.decision {
                Decision::Allow => EXIT_ALLOW,
                Decision::Ask => EXIT_ASK,
                Decision::Deny => EXIT_DENY,
            };
            Rendered { stdout, stderr: String::new(), exit }
        }
    }
}

/// An input lanes could not judge. Hooks block (exit 2, the message on stderr goes to the
/// agent), as both agents document; our own formats exit with `EXIT_ERROR`.
pub fn render_error(message: &str) -> Rendered {
    Rendered {
        stdout: String::new(),
        stderr: format!("lanes guard could not judge this edit: {message}\nAsk a person to look at it (or fix the lanes configuration) before editing.\n"),
        exit: EXIT_ERROR,
    }
}

fn line<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string(value).expect("serialisable");
    s.push('\n');
    s
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClaudeOutput<'a> {
    hook_specific_output: ClaudeDecision<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClaudeDecision<'a> {
    hook_event_name: &'static str,
    permission_decision: &'static str,
    permission_decision_reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GeminiOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_message: Option<String>,
}

#[derive(Serialize)]
struct OwnOutput<'a> {
    decision: &'static str,
    reason: &'a str,
    profile: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    overridden: Option<Overridden<'a>>,
    files: &'a [FileAnswer],
}

#[derive(Serialize)]
struct Overridden<'a> {
    reason: &'a str,
    decision: &'static str,
}
