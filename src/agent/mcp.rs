//! `lanes mcp`: a Model Context Protocol server on stdin/stdout, built on `rmcp` (the
//! protocol's official Rust SDK), with four read-only tools: `lane_at` (the explanation of a
//! line's region), `check` (the JSON of `lanes check` for paths or a diff), `open_gates`
//! (the evidence still missing in a file) and `plan` (lanes, gates and an order for the
//! files or functions an agent means to change: Lane 1 first, Lane 3 left for a person).
//! It never writes a file. The only module besides `src/lsp/` that runs an async runtime.

use std::path::{Path, PathBuf};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use serde::{Deserialize, Serialize};

use super::project;
use crate::report::{FileReport, RegionReport};

const INSTRUCTIONS: &str = "lanes sorts code into risk lanes. Lane 1 (tests, docs, UI, glue): generated code may be used freely. \
Lane 2 (core product logic): assist on well-defined sub-problems; a reviewer verifies intent. \
Lane 3 (security, billing, permissions, identity, compliance, irreversible operations): analysis, test design and docs only; \
a person writes or curates the implementation. Call `plan` before changing code, `lane_at` to see why a line is in its lane, \
`open_gates` for the evidence still missing, and `check` for a diff before you propose it.";

/// The server: tools over the project under `root`.
#[derive(Clone)]
pub struct Lanes {
    root: PathBuf,
    tool_router: ToolRouter<Lanes>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct LaneAtArgs {
    /// A file path, relative to the project root.
    pub path: String,
    /// A 1-based line number.
    pub line: u32,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CheckArgs {
    /// Files or directories, relative to the project root (default: the whole project).
    #[serde(default)]
    pub paths: Vec<String>,
    /// A unified diff: the files it changes are checked as they would be after it, and only
    /// the regions on changed lines are reported.
    #[serde(default)]
    pub diff: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct OpenGatesArgs {
    /// A file path, relative to the project root.
    pub path: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct PlanArgs {
    /// What you intend to change: `path`, `path:LINE` (the function at that line) or
    /// `path#name` (a function or method by name).
    pub files: Vec<String>,
}

#[tool_router]
impl Lanes {
    pub fn new(root: PathBuf) -> Lanes {
        Lanes { root, tool_router: Self::tool_router() }
    }

    /// The lane of the region around a line, why (every piece of evidence with its line),
    /// what the lane permits and which acceptance gates are open, as Markdown.
    #[tool(annotations(read_only_hint = true))]
    fn lane_at(&self, Parameters(args): Parameters<LaneAtArgs>) -> Result<String, String> {
        let path = self.root.join(&args.path);
        crate::cli::explain_at(&format!("{}:{}", path.display(), args.line)).map_err(|e| format!("{e:#}"))
    }

    /// The JSON report of `lanes check` (version 1): every region's lane, reasons and gates,
    /// for paths, or for the files a unified diff changes.
    #[tool(annotations(read_only_hint = true))]
    fn check(&self, Parameters(args): Parameters<CheckArgs>) -> Result<String, String> {
        let reports = match (&args.diff, args.paths.is_empty()) {
            (Some(diff), _) => project::diff_reports(&self.root, diff),
            (None, true) => project::reports(&self.root, &[PathBuf::from(".")]),
            (None, false) => project::reports(&self.root, &args.paths.iter().map(PathBuf::from).collect::<Vec<_>>()),
        }
        .map_err(|e| format!("{e:#}"))?;
        Ok(project::check_json(&reports))
    }

    /// The acceptance gates still open for each function of a file (tests, observability,
    /// review, rollback), with what would close each.
    #[tool(annotations(read_only_hint = true))]
    fn open_gates(&self, Parameters(args): Parameters<OpenGatesArgs>) -> Result<String, String> {
        let reports = project::reports(&self.root, &[PathBuf::from(&args.path)]).map_err(|e| format!("{e:#}"))?;
        let file = reports.first().ok_or_else(|| format!("{}: not a file lanes classifies (.py, .rs)", args.path))?;
        let regions: Vec<GateEntry> = file
            .regions
            .iter()
            .filter(|r| !r.is_container)
            .filter_map(|r| {
                let open = open_gates(r);
                (!open.is_empty()).then(|| GateEntry {
                    name: r.name.clone(),
                    lines: format!("{}-{}", r.start_line, r.end_line),
                    lane: r.lane,
                    open: open.iter().map(|g| OpenGate { gate: g, how: how_to_close(g) }).collect(),
                })
            })
            .collect();
        Ok(json(&OpenGatesOutput { path: &file.path, regions }))
    }

    /// A plan for changing these files or functions: their lanes and open gates, in a
    /// suggested order (Lane 1 first, then Lane 2; Lane 3 is left for a person, with what an
    /// agent may still do there).
    #[tool(annotations(read_only_hint = true))]
    fn plan(&self, Parameters(args): Parameters<PlanArgs>) -> Result<String, String> {
        plan(&self.root, &args.files)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Lanes {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("lanes", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Serve on stdin/stdout until the client closes them. Returns the exit status.
pub fn run_stdio(root: &Path) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let service = Lanes::new(root.to_path_buf()).serve(rmcp::transport::stdio()).await?;
        service.waiting().await?;
        anyhow::Ok(0)
    })
}

fn open_gates(r: &RegionReport) -> Vec<&'static str> {
    let g = &r.gates;
    [("tests", g.tests), ("observability", g.observability), ("review", g.review), ("rollback", g.rollback)]
        .into_iter()
        .filter(|(_, s)| *s == "missing")
        .map(|(n, _)| n)
        .collect()
}

fn how_to_close(gate: &str) -> &'static str {
    match gate {
        "tests" => "write a behavioural test that calls it: success, failure and edge conditions",
        "observability" => "log, trace or count what it does",
        "review" => "a person who owns the risk reviews it and records `lanes: reviewed-by=<who> <date> <digest>` above it",
        _ => "a person records the rollback path with `lanes: rollback=\"…\"` above it",
    }
}

fn plan(root: &Path, items: &[String]) -> Result<String, String> {
    let mut steps: Vec<Step> = Vec::new();
    for item in items {
        let (path, selector) = split_item(item);
        let reports = project::reports(root, &[PathBuf::from(path)]).map_err(|e| format!("{e:#}"))?;
        let Some(file) = reports.first() else {
            steps.push(Step::file_only(path));
            continue;
        };
        let chosen: Vec<&RegionReport> = match &selector {
            Selector::File => file.regions.iter().filter(|r| !r.is_container).collect(),
            Selector::Line(line) => file
                .regions
                .iter()
                .filter(|r| r.start_line <= *line && *line <= r.end_line)
                .min_by_key(|r| r.end_line - r.start_line)
                .into_iter()
                .collect(),
            Selector::Name(name) => file
                .regions
                .iter()
                .filter(|r| !r.is_container && (r.name == *name || r.name.ends_with(&format!(".{name}"))))
                .collect(),
        };
        if chosen.is_empty() {
            return Err(format!("{item}: no function there (give `path`, `path:LINE` or `path#name`)"));
        }
        for r in chosen {
            steps.push(Step::of(file, r));
        }
    }
    steps.sort_by(|a, b| (a.lane, &a.path, a.line).cmp(&(b.lane, &b.path, b.line)));
    steps.dedup_by(|a, b| a.path == b.path && a.name == b.name && a.line == b.line);
    let (agent, person): (Vec<Step>, Vec<Step>) = steps.into_iter().partition(|s| s.lane < 3);
    let mut order = 0;
    let mut number = |mut s: Step| {
        order += 1;
        s.order = order;
        s
    };
    let agent: Vec<Step> = agent.into_iter().map(&mut number).collect();
    let person: Vec<Step> = person.into_iter().map(&mut number).collect();
    Ok(json(&PlanOutput {
        summary: format!(
            "{} step(s) for the agent (Lane 1 first, then Lane 2), {} Lane 3 step(s) left for a person",
            agent.len(),
            person.len()
        ),
        steps: agent,
        for_a_person: person,
    }))
}

enum Selector {
    File,
    Line(usize),
    Name(String),
}

fn split_item(item: &str) -> (&str, Selector) {
    if let Some((path, name)) = item.split_once('#') {
        return (path, Selector::Name(name.to_string()));
    }
    if let Some((path, line)) = item.rsplit_once(':') {
        if let Ok(line) = line.parse::<usize>() {
            return (path, Selector::Line(line));
        }
    }
    (item, Selector::File)
}

fn json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("serialisable");
    s.push('\n');
    s
}

#[derive(Serialize)]
struct OpenGatesOutput<'a> {
    path: &'a str,
    regions: Vec<GateEntry>,
}

#[derive(Serialize)]
struct GateEntry {
    name: String,
    lines: String,
    lane: u8,
    open: Vec<OpenGate>,
}

#[derive(Serialize)]
struct OpenGate {
    gate: &'static str,
    how: &'static str,
}

#[derive(Serialize)]
struct PlanOutput {
    summary: String,
    steps: Vec<Step>,
    for_a_person: Vec<Step>,
}

#[derive(Serialize)]
struct Step {
    order: usize,
    path: String,
    name: String,
    kind: String,
    line: usize,
    lane: u8,
    categories: Vec<&'static str>,
    open_gates: Vec<&'static str>,
    who: &'static str,
}

impl Step {
    fn of(file: &FileReport, r: &RegionReport) -> Step {
        Step {
            order: 0,
            path: file.path.clone(),
            name: r.name.clone(),
            kind: r.kind.to_string(),
            line: r.start_line,
            lane: r.lane,
            categories: r.categories.clone(),
            open_gates: open_gates(r),
            who: who(r.lane),
        }
    }

    fn file_only(path: &str) -> Step {
        Step {
            order: 0,
            path: path.to_string(),
            name: String::new(),
            kind: "file".into(),
            line: 1,
            lane: 2,
            categories: Vec::new(),
            open_gates: Vec::new(),
            who: "agent: lanes does not classify this file type; treat it as Lane 2 unless a path rule says otherwise",
        }
    }
}

fn who(lane: u8) -> &'static str {
    match lane {
        1 => "agent: generated code may be used freely",
        2 => "agent, on a well-defined sub-problem; the reviewer verifies intent, not just syntax",
        _ => "a person writes or curates the implementation; the agent may write tests, the acceptance checklist and docs",
    }
}
