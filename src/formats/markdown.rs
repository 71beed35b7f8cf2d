//! `--format markdown`: a short review summary for a pull-request comment: the verdict
//! (highest lane touched), the Lane 3 regions with their categories and open gates, policy
//! failures, and the rest folded away. Without `--diff`, the same for the whole tree.

use std::fmt::Write;

use super::{categories, findings, open_gates, Input};
use crate::change::RegionChange;
use crate::lane::Lane;

/// Rows shown before "and N more".
const MAX_ROWS: usize = 50;

/// Text for a table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items.join(", ")
    }
}

pub fn render(input: &Input) -> String {
    let mut out = String::new();
    let lane3_rows: Vec<(String, String, Vec<&str>, String, String)>;
    let mut others: Vec<(String, Lane, String, String)> = Vec::new();
    match input.change {
        Some(change) => {
            let headline = match change.highest_lane() {
                Some(lane) => format!("this change touches {lane} ({})", lane.title()),
                None => "this change touches no classified code".to_string(),
            };
            let _ = writeln!(out, "### lanes: {headline}\n");
            let [one, two, three] = change.counts();
            let _ = writeln!(
                out,
                "Compared with `{}`: {} file{} changed, {} region{} touched: **Lane 3: {three}** · Lane 2: {two} · Lane 1: {one}.\n",
                change.against,
                change.files.len(),
                if change.files.len() == 1 { "" } else { "s" },
                one + two + three,
                if one + two + three == 1 { "" } else { "s" },
            );
            lane3_rows = change
                .lane3()
                .map(|t| {
                    let gates = if t.change == RegionChange::Deleted { "—".to_string() } else { list(&open_gates(&t.region)) };
                    (
                        format!("{} `{}`", t.region.kind, t.region.name),
                        format!("`{}:{}`", t.path, t.region.start_line),
                        categories(&t.region, t.lane),
                        t.change.name().to_string(),
                        gates,
                    )
                })
                .collect();
            for t in change.regions.iter().filter(|t| t.lane != Lane::Three) {
                others.push((
                    format!("{} `{}` `{}:{}`", t.region.kind, t.region.name, t.path, t.region.start_line),
                    t.lane,
                    list(&categories(&t.region, t.lane)),
                    t.change.name().to_string(),
                ));
            }
        }
        None => {
            let r = &input.summary.regions;
            let _ = writeln!(out, "### lanes: {} Lane 3 region{}\n", r.three, if r.three == 1 { "" } else { "s" });
            let _ = writeln!(
                out,
                "{} files, {} regions: **Lane 3: {}** · Lane 2: {} · Lane 1: {}.\n",
                input.summary.files,
                r.one + r.two + r.three,
                r.three,
                r.two,
                r.one
            );
            lane3_rows = findings(input)
                .into_iter()
                .map(|f| {
                    (
                        format!("{} `{}`", f.region.kind, f.region.name),
                        format!("`{}:{}`", f.path, f.region.start_line),
                        categories(f.region, f.lane),
                        String::new(),
                        list(&open_gates(f.region)),
                    )
                })
                .collect();
        }
    }

    if !input.failures.is_empty() {
        let policies: Vec<String> = input.policies.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(out, "**Policy failures** ({}; policies: {}):\n", input.failures.len(), policies.join(", "));
        for f in input.failures.iter().take(MAX_ROWS) {
            let removed = if f.removed { " (removed)" } else { "" };
            let _ = writeln!(
                out,
                "- `{}:{}` {} `{}`{removed} fails `{}`: {}",
                f.path, f.region.start_line, f.region.kind, f.region.name, f.policy, f.reason
            );
        }
        if input.failures.len() > MAX_ROWS {
            let _ = writeln!(out, "- and {} more", input.failures.len() - MAX_ROWS);
        }
        out.push('\n');
    } else if !input.policies.is_empty() {
        let policies: Vec<String> = input.policies.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(out, "Policies {} pass.\n", policies.join(", "));
    }

    if !lane3_rows.is_empty() {
        let _ = writeln!(out, "**Lane 3 regions**: {}.\n", Lane::Three.permits());
        let with_change = input.change.is_some();
        if with_change {
            let _ = writeln!(out, "| region | where | categories | change | open gates |\n| --- | --- | --- | --- | --- |");
        } else {
            let _ = writeln!(out, "| region | where | categories | open gates |\n| --- | --- | --- | --- |");
        }
        for (region, place, cats, change, gates) in lane3_rows.iter().take(MAX_ROWS) {
            let change = if with_change { format!(" {change} |") } else { String::new() };
            let _ = writeln!(out, "| {} | {} | {} |{change} {} |", cell(region), cell(place), cell(&list(cats)), cell(gates));
        }
        if lane3_rows.len() > MAX_ROWS {
            let _ = writeln!(out, "\nand {} more Lane 3 regions (`lanes check --format json` lists them all).", lane3_rows.len() - MAX_ROWS);
        }
        out.push('\n');
    }

    if !others.is_empty() {
        let _ = writeln!(out, "<details><summary>Lane 2 and Lane 1 regions touched ({})</summary>\n", others.len());
        let _ = writeln!(out, "| region | lane | categories | change |\n| --- | --- | --- | --- |");
        for (region, lane, cats, change) in others.iter().take(MAX_ROWS) {
            let _ = writeln!(out, "| {} | {} | {} | {} |", cell(region), lane.number(), cell(cats), change);
        }
        if others.len() > MAX_ROWS {
            let _ = writeln!(out, "\nand {} more.", others.len() - MAX_ROWS);
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    let _ = writeln!(out, "<sub>`lanes explain FILE:LINE` shows why a region is in its lane.</sub>");
    out
}
