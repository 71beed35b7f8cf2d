//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. One result per finding
//! (Lane 3 `warning`, touched Lane 2 `note`) under the id of the rule that decided its lane,
//! and one `error` per policy failure. Locations are relative URIs under `%SRCROOT%`;
//! `partialFingerprints` hash the file, the region's qualified name and the rule, never a
//! line number, so results keep their identity when code above them moves.

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::Serialize;

use super::{categories, findings, open_gates, reasons_sentence, rule_id, Input};
use crate::change::qualified_name;
use crate::lane::Lane;
use crate::report::{FileReport, RegionReport};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT: &str = "lanesRegion/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    automation_details: AutomationDetails,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    end_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    lane: u8,
    categories: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    open_gates: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
}

/// Characters escaped in a relative URI path (segments keep their `/`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A relative path as a URI reference.
fn uri(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// FNV-1a, 64 bits, in hex: stable across runs, platforms and Rust versions (the standard
/// library's hashers promise none of that).
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0u8]) {
            hash ^= b as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn level(lane: Lane) -> &'static str {
    match lane {
        Lane::Three => "warning",
        _ => "note",
    }
}

/// The rules table, keyed by id, filled as results need rules.
#[derive(Default)]
struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    fn index(&mut self, id: &str, make: impl FnOnce() -> Rule) -> usize {
        match self.rules.iter().position(|r| r.id == id) {
            Some(i) => i,
            None => {
                self.rules.push(make());
                self.rules.len() - 1
            }
        }
    }
}

/// A readable name that differs from the id (SARIF wants both to differ):
/// `billing.payment-api` → `BillingPaymentApi`, `path` → `PathRuleLane`.
fn rule_name(id: &str) -> String {
    match id {
        "path" => return "PathRuleLane".to_string(),
        "inline" => return "InlineAnnotationLane".to_string(),
        "default" => return "DefaultLane".to_string(),
        "nested" => return "NestedInRiskierFunction".to_string(),
        _ => {}
    }
    id.split(['.', '-', '/', '>', '='])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn lane_rule(id: &str, lane: Lane, region: &RegionReport) -> Rule {
    let first = super::decisive(region, lane).first().map(|e| e.message.clone());
    let what = match id {
        "path" => "The file matches a path rule in lanes.toml".to_string(),
        "inline" => "An inline `lanes:` annotation sets the lane".to_string(),
        "default" => "Nothing marks the code as riskier or safer; the project's default lane applies".to_string(),
        "nested" => "The function is nested in a riskier function".to_string(),
        _ => {
            let message = first.unwrap_or_else(|| id.to_string());
            format!("The code {message}")
        }
    };
    let gates = if lane == Lane::Three {
        "Acceptance gates: behavioural tests for success, failure and edge conditions; logs, traces or metrics; an explicit review by a person who owns the risk (record it with a `lanes: reviewed-by=<who> <date> <digest>` comment); for irreversible operations, a rollback note (`lanes: rollback=\"…\"`)."
    } else {
        "Acceptance gates: behavioural tests for success, failure and edge conditions; logs, traces or metrics."
    };
    let text = format!("{what}, which puts it in {lane} ({}). {lane} permits: {}. {gates} `lanes explain FILE:LINE` shows every reason.", lane.title(), lane.permits());
    Rule {
        id: id.to_string(),
        name: rule_name(id),
        short_description: Text { text: format!("{what} ({lane})") },
        full_description: Text { text: format!("{what}, which puts it in {lane} ({}).", lane.title()) },
        help: Help {
            markdown: format!(
                "**{what}**, which puts it in **{lane}** ({}).\n\n{lane} permits: {}.\n\n{gates}\n\nRun `lanes explain FILE:LINE` to see every reason.",
                lane.title(),
                lane.permits()
            ),
            text,
        },
        default_configuration: Configuration { level: level(lane) },
        properties: RuleProperties { tags: vec![format!("lane-{}", lane.number()), "lanes".to_string()] },
    }
}

fn policy_rule(policy: &str) -> Rule {
    let what = format!("A region fails the policy `{policy}`");
    let text = format!(
        "{what}: lanes check --fail-on {policy} (or `fail-on` in lanes.toml) makes the check fail on it. Close the gate the policy names, or have the change reviewed by a person who owns the risk."
    );
    Rule {
        id: format!("policy/{policy}"),
        name: rule_name(&format!("policy/{policy}")),
        short_description: Text { text: what.clone() },
        full_description: Text { text: text.clone() },
        help: Help { markdown: format!("**{what}**.\n\n`lanes check --fail-on {policy}` (or `fail-on` in `lanes.toml`) makes the check fail on it. Close the gate the policy names, or have the change reviewed by a person who owns the risk."), text },
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties { tags: vec!["policy".to_string(), "lanes".to_string()] },
    }
}

/// The fully qualified name and an occurrence number that tells same-named regions apart.
fn identity(file: &FileReport, index: usize) -> String {
    let name = qualified_name(file, index);
    let earlier = (0..index).filter(|&i| qualified_name(file, i) == name).count();
    if earlier == 0 {
        name
    } else {
        format!("{name}#{earlier}")
    }
}

fn location(root_path: &str, file: &FileReport, region: &RegionReport, index: usize) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(root_path), uri_base_id: "%SRCROOT%" },
            region: Region { start_line: region.start_line.max(1), end_line: region.end_line.max(region.start_line).max(1) },
        },
        logical_locations: vec![LogicalLocation {
            name: region.name.clone(),
            fully_qualified_name: qualified_name(file, index).replace(' ', ":"),
            kind: match region.kind {
                "method" | "function" | "module" => region.kind,
                "class" | "impl" | "trait" => "type",
                _ => "member",
            },
        }],
    }
}

pub fn render(input: &Input) -> String {
    let mut rules = Rules::default();
    let mut results = Vec::new();
    for f in findings(input) {
        let file = &input.files[f.file];
        let id = rule_id(f.region, f.lane);
        let rule_index = rules.index(&id, || lane_rule(&id, f.lane, f.region));
        let gates = open_gates(f.region);
        let mut text = format!("{} `{}` is {} ({}): {}.", f.region.kind, f.region.name, f.lane, f.lane.title(), reasons_sentence(f.region, f.lane));
        if !gates.is_empty() {
            text.push_str(&format!(" Open gates: {}.", gates.join(", ")));
        }
        let root_path = &input.root_paths[f.file];
        results.push(SarifResult {
            rule_id: id.clone(),
            rule_index,
            level: level(f.lane),
            message: Text { text },
            locations: vec![location(root_path, file, f.region, f.index)],
            partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(&[root_path, &identity(file, f.index), &id]))]),
            properties: ResultProperties {
                lane: f.lane.number(),
                categories: categories(f.region, f.lane),
                open_gates: gates,
                change: f.change.map(|c| c.name()),
                policy: None,
            },
        });
    }
    for failure in input.failures {
        // Removed regions have no lines to point at; the markdown and JSON outputs list them.
        if failure.removed {
            continue;
        }
        let Some(file_index) = input.files.iter().position(|f| f.path == failure.path) else { continue };
        let file = &input.files[file_index];
        let index = failure.index;
        let policy = failure.policy.to_string();
        let id = format!("policy/{policy}");
        let rule_index = rules.index(&id, || policy_rule(&policy));
        let root_path = &input.root_paths[file_index];
        results.push(SarifResult {
            rule_id: id.clone(),
            rule_index,
            level: "error",
            message: Text { text: format!("{} `{}` fails {policy}: {}.", failure.region.kind, failure.region.name, failure.reason) },
            locations: vec![location(root_path, file, &failure.region, index)],
            partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(&[root_path, &identity(file, index), &id]))]),
            properties: ResultProperties {
                lane: failure.lane.number(),
                categories: failure.region.categories.clone(),
                open_gates: open_gates(&failure.region),
                change: None,
                policy: Some(policy),
            },
        });
    }
    let id = match input.change {
        Some(c) => format!("lanes/diff/{}", c.against),
        None => "lanes/check".to_string(),
    };
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool { driver: Driver { name: "lanes", semantic_version: env!("CARGO_PKG_VERSION"), rules: rules.rules } },
            automation_details: AutomationDetails { id },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).expect("serialisable");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_a_uri_path_cannot_hold() {
        assert_eq!(uri("src/billing/charge.py"), "src/billing/charge.py");
        assert_eq!(uri("my dir/a#b%c.py"), "my%20dir/a%23b%25c.py");
        assert_eq!(uri("café.py"), "caf%C3%A9.py");
    }

    #[test]
    fn fingerprints_are_fixed_values() {
        // Changing the hash would break every stored alert's identity: keep it fixed.
        assert_eq!(fingerprint(&["a.py", "module a::function f", "path"]), fingerprint(&["a.py", "module a::function f", "path"]));
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        assert_eq!(fingerprint(&["a"]), "089be207b544f1e4");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name("billing.payment-api"), "BillingPaymentApi");
        assert_eq!(rule_name("policy/lane>=2-untested"), "PolicyLane2Untested");
    }
}
