//! `--format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request. A policy failure is an `::error`, a Lane 3 region a
//! `::warning`, a touched Lane 2 region a `::notice`; a last `::notice` sums the run up.

use std::fmt::Write;

use super::{findings, lane_title, open_gates, reasons_sentence, Input};
use crate::lane::Lane;

/// Escape a message (`%`, CR and LF), as the runner expects.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a property value: also `:` and `,`, which separate properties.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(input: &Input) -> String {
    let mut out = String::new();
    for failure in input.failures {
        let title = property(&format!("lanes: fails {}", failure.policy));
        let message = data(&format!("{} `{}` fails {}: {}", failure.region.kind, failure.region.name, failure.policy, failure.reason));
        if failure.removed {
            // The region is gone: the annotation names it instead of pointing at lines.
            let _ = writeln!(out, "::error title={title}::{} (removed from {})", message, data(&failure.path));
        } else {
            let _ = writeln!(
                out,
                "::error file={},line={},endLine={},title={title}::{message}",
                property(&failure.path),
                failure.region.start_line,
                failure.region.end_line
            );
        }
    }
    for f in findings(input) {
        // A region that fails a policy already has its annotation.
        if input.failures.iter().any(|x| !x.removed && x.path == f.path && x.index == f.index) {
            continue;
        }
        let command = if f.lane == Lane::Three { "warning" } else { "notice" };
        let gates = open_gates(f.region);
        let mut message = format!("{} `{}` is {} ({}): {}.", f.region.kind, f.region.name, f.lane, f.lane.title(), reasons_sentence(f.region, f.lane));
        if !gates.is_empty() {
            let _ = write!(message, " Open gates: {}.", gates.join(", "));
        }
        if f.lane == Lane::Three {
            message.push_str(" A person who owns the risk reviews it.");
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},endLine={},title={}::{}",
            property(f.path),
            f.region.start_line,
            f.region.end_line,
            property(&format!("lanes: {}", lane_title(f.lane, f.region))),
            data(&message)
        );
    }
    let _ = writeln!(out, "::notice title=lanes::{}", data(&summary_line(input)));
    out
}

/// One sentence about the whole run.
pub fn summary_line(input: &Input) -> String {
    let failed = if input.failures.is_empty() {
        String::new()
    } else {
        format!(" {} policy failure{}.", input.failures.len(), if input.failures.len() == 1 { "" } else { "s" })
    };
    match input.change {
        Some(change) => {
            let [one, two, three] = change.counts();
            match change.highest_lane() {
                Some(lane) => format!(
                    "Against {}: the change touches {lane} at most ({} regions: Lane 3: {three}, Lane 2: {two}, Lane 1: {one}).{failed}",
                    change.against,
                    one + two + three
                ),
                None => format!("Against {}: the change touches no classified code.{failed}", change.against),
            }
        }
        None => {
            let r = &input.summary.regions;
            format!(
                "{} files, {} regions: Lane 3: {}, Lane 2: {}, Lane 1: {}.{failed}",
                input.summary.files,
                r.one + r.two + r.three,
                r.three,
                r.two,
                r.one
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
