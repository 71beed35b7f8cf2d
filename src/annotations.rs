//! Inline annotations: `lanes:` directives in comments, such as
//! `# lanes: lane=3 reason="moves money"` on the line before a function,
//! `// lanes: ignore=security.shell` before or after a line, and the acceptance records
//! `lanes: reviewed-by=alice 2026-11-21 3fa2c1d9` and `lanes: rollback="restore from backup"`.

use std::ops::Range;

use tree_sitter::Tree;

use crate::lane::{Category, Lane};
use crate::language::KindSet;

/// One parsed `lanes:` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// Byte range of the comment.
    pub range: Range<usize>,
    /// True when code precedes the comment on its line.
    pub trailing: bool,
    pub lane: Option<Lane>,
    pub category: Option<Category>,
    pub reason: Option<String>,
    pub ignore: Vec<String>,
    pub review: Option<Review>,
    pub rollback: Option<String>,
}

/// A review record: who reviewed the region, when, and a digest of the code they saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub by: String,
    pub date: String,
    pub digest: String,
}

/// A malformed annotation; reported, never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub range: Range<usize>,
    pub message: String,
}

const MARKER: &str = "lanes:";

/// Every `lanes:` directive in a comment of the file.
pub fn find(text: &str, tree: &Tree, comments: &KindSet) -> (Vec<Annotation>, Vec<Problem>) {
    let mut annotations = Vec::new();
    let mut problems = Vec::new();
    let root = tree.root_node();
    static FINDER: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| aho_corasick::AhoCorasick::new([MARKER]).expect("a valid pattern"));
    for m in FINDER.find_iter(text) {
        let at = m.start();
        let Some(node) = root.descendant_for_byte_range(at, at + MARKER.len()) else { continue };
        if !comments.contains(node) {
            continue;
        }
        // The directive runs from the marker to the end of the comment (or of its line).
        let comment = node.byte_range();
        let line_end = text[at..comment.end].find('\n').map_or(comment.end, |i| at + i);
        let body = text[at + MARKER.len()..line_end].trim_end_matches("*/");
        let line_start = text[..comment.start].rfind('\n').map_or(0, |i| i + 1);
        let trailing = !text[line_start..comment.start].trim().is_empty();
        match parse_directive(body) {
            Ok(mut a) => {
                a.range = comment;
                a.trailing = trailing;
                annotations.push(a);
            }
            Err(message) => problems.push(Problem { range: comment, message }),
        }
    }
    (annotations, problems)
}

/// Parse `key=value` pairs; values may be double-quoted.
pub fn parse_directive(body: &str) -> Result<Annotation, String> {
    let mut a = Annotation {
        range: 0..0,
        trailing: false,
        lane: None,
        category: None,
        reason: None,
        ignore: Vec::new(),
        review: None,
        rollback: None,
    };
    let mut rest = body.trim();
    if rest.is_empty() {
        return Err("empty `lanes:` annotation (expected lane=, category=, reason= or ignore=)".into());
    }
    while !rest.is_empty() {
        // Bare words after `reviewed-by=…` are its date and digest.
        if let Some(review) = a.review.as_mut().filter(|r| r.digest.is_empty()) {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            if !word.contains('=') {
                if review.date.is_empty() {
                    review.date = word.to_string();
                } else {
                    review.digest = word.to_string();
                }
                rest = rest[end..].trim_start();
                continue;
            }
        }
        let eq = rest.find('=').ok_or_else(|| format!("expected key=value in `lanes:` annotation, found `{rest}`"))?;
        let key = rest[..eq].trim();
        let after = &rest[eq + 1..];
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let close = quoted.find('"').ok_or("unclosed quote in `lanes:` annotation")?;
            (&quoted[..close], &quoted[close + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match key {
            "lane" => a.lane = Some(value.parse::<Lane>()?),
            "category" => a.category = Some(value.parse::<Category>()?),
            "reason" => a.reason = Some(value.to_string()),
            "ignore" => a.ignore.extend(value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty())),
            "reviewed-by" => {
                a.review = Some(Review { by: value.to_string(), date: String::new(), digest: String::new() })
            }
            "rollback" => a.rollback = Some(value.to_string()),
            other => {
                return Err(format!(
                    "unknown key `{other}` in `lanes:` annotation (expected lane, category, reason, ignore, reviewed-by or rollback)"
                ))
            }
        }
        rest = remaining.trim_start();
    }
    if let Some(review) = &a.review {
        if review.by.is_empty() || review.date.is_empty() || review.digest.is_empty() {
            return Err("`reviewed-by` needs who, the date and the digest: `lanes: reviewed-by=alice 2026-11-21 3fa2c1d9`".into());
        }
    }
    if a.lane.is_none() && a.ignore.is_empty() && a.review.is_none() && a.rollback.is_none() {
        return Err("a `lanes:` annotation needs `lane=`, `ignore=`, `reviewed-by=` or `rollback=`".into());
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        let a = parse_directive(r#" lane=3 reason="moves money" category=billing"#).unwrap();
        assert_eq!((a.lane, a.category, a.reason.as_deref()), (Some(Lane::Three), Some(Category::Billing), Some("moves money")));
        let a = parse_directive("ignore=security.shell,security.eval").unwrap();
        assert_eq!(a.ignore, vec!["security.shell".to_string(), "security.eval".to_string()]);
        assert_eq!(parse_directive("lane=4").unwrap_err(), "`4` is not a lane (expected 1, 2 or 3)");
        assert_eq!(
            parse_directive("colour=red").unwrap_err(),
            "unknown key `colour` in `lanes:` annotation (expected lane, category, reason, ignore, reviewed-by or rollback)"
        );
        let a = parse_directive("reviewed-by=alice 2026-11-21 3fa2c1d9 rollback=\"restore the snapshot\"").unwrap();
        assert_eq!(
            a.review,
            Some(Review { by: "alice".into(), date: "2026-11-21".into(), digest: "3fa2c1d9".into() })
        );
        assert_eq!(a.rollback.as_deref(), Some("restore the snapshot"));
        assert!(parse_directive("reviewed-by=alice").unwrap_err().starts_with("`reviewed-by` needs who"));
        assert_eq!(parse_directive("reason=\"x").unwrap_err(), "unclosed quote in `lanes:` annotation");
    }
}
