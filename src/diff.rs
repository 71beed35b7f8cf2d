//! What a change touches, line by line: parse `git diff -U0` output into the changed line
//! ranges of each file (renamed, added and deleted files included), and attribute changed
//! lines to the innermost region that owns them. Pure: text in, plain values out.

use std::ops::RangeInclusive;

/// How a file changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Added,
    Modified,
    Deleted,
    Renamed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Modified => "modified",
            Status::Deleted => "deleted",
            Status::Renamed => "renamed",
        }
    }
}

/// Changed lines on one side of a diff (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lines {
    /// These lines are new (on the new side) or removed (on the old side).
    Span(RangeInclusive<usize>),
    /// Lines were removed (or, on the old side, added) between this line and the next; `0`
    /// means before the first line.
    Gap(usize),
}

/// One file of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiff {
    pub status: Status,
    /// Path before the change, relative to the repository root (`None` for an added file).
    pub old_path: Option<String>,
    /// Path after the change (`None` for a deleted file).
    pub new_path: Option<String>,
    /// Blob ids from the `index` line (`--full-index`), when git printed them.
    pub old_blob: Option<String>,
    pub new_blob: Option<String>,
    /// Changed lines of the new version.
    pub added: Vec<Lines>,
    /// Changed lines of the old version.
    pub removed: Vec<Lines>,
}

impl FileDiff {
    /// The path after the change, or before it for a deleted file.
    pub fn path(&self) -> &str {
        self.new_path.as_deref().or(self.old_path.as_deref()).unwrap_or_default()
    }
}

/// Parse the output of `git diff -U0 --full-index` (with the default `a/` and `b/`
/// prefixes). Files without hunks (pure renames, mode changes, binary files) are kept with
/// empty line lists.
pub fn parse(text: &str) -> Result<Vec<FileDiff>, String> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut in_hunk_header_zone = false;
    for (n, line) in text.lines().enumerate() {
        let error = |what: &str| format!("unexpected git diff output at line {}: {what}: `{line}`", n + 1);
        if let Some(rest) = line.strip_prefix("diff --git ") {
            let (old, new) = header_paths(rest).ok_or_else(|| error("cannot read the paths"))?;
            files.push(FileDiff {
                status: Status::Modified,
                old_path: Some(old),
                new_path: Some(new),
                old_blob: None,
                new_blob: None,
                added: Vec::new(),
                removed: Vec::new(),
            });
            in_hunk_header_zone = true;
            continue;
        }
        let Some(file) = files.last_mut() else {
            // Anything before the first file header (a warning, say) is not ours to read.
            continue;
        };
        if let Some(rest) = line.strip_prefix("@@ ") {
            in_hunk_header_zone = false;
            let (removed, added) = hunk(rest).ok_or_else(|| error("cannot read the hunk header"))?;
            file.removed.push(removed);
            file.added.push(added);
            continue;
        }
        if !in_hunk_header_zone {
            // Hunk bodies: `+`, `-`, `\ No newline at end of file`.
            continue;
        }
        if line.starts_with("new file mode ") {
            file.status = Status::Added;
            file.old_path = None;
        } else if line.starts_with("deleted file mode ") {
            file.status = Status::Deleted;
            file.new_path = None;
        } else if let Some(p) = line.strip_prefix("rename from ") {
            file.status = Status::Renamed;
            file.old_path = Some(unquote(p).ok_or_else(|| error("cannot read the path"))?);
        } else if let Some(p) = line.strip_prefix("rename to ") {
            file.status = Status::Renamed;
            file.new_path = Some(unquote(p).ok_or_else(|| error("cannot read the path"))?);
        } else if let Some(ids) = line.strip_prefix("index ") {
            let ids = ids.split(' ').next().unwrap_or_default();
            if let Some((old, new)) = ids.split_once("..") {
                let blob = |id: &str| Some(id.to_string()).filter(|id| !id.bytes().all(|b| b == b'0'));
                file.old_blob = blob(old);
                file.new_blob = blob(new);
            }
        } else if let Some(p) = line.strip_prefix("--- ") {
            if p != "/dev/null" {
                let p = unquote(p).ok_or_else(|| error("cannot read the path"))?;
                file.old_path = Some(p.strip_prefix("a/").unwrap_or(&p).to_string());
            }
        } else if let Some(p) = line.strip_prefix("+++ ") {
            if p != "/dev/null" {
                let p = unquote(p).ok_or_else(|| error("cannot read the path"))?;
                file.new_path = Some(p.strip_prefix("b/").unwrap_or(&p).to_string());
            }
        }
    }
    Ok(files)
}

/// The `(old, new)` paths of a `diff --git a/X b/Y` header. Unquoted paths with spaces are
/// ambiguous there; git prints the same path twice unless the file was renamed, and for
/// renames the `rename from`/`rename to` lines that follow give the real paths.
fn header_paths(rest: &str) -> Option<(String, String)> {
    if rest.starts_with('"') {
        let (old, tail) = split_quoted(rest)?;
        let tail = tail.strip_prefix(' ')?;
        let new = if tail.starts_with('"') { split_quoted(tail)?.0 } else { tail.to_string() };
        return Some((old.strip_prefix("a/")?.to_string(), new.strip_prefix("b/")?.to_string()));
    }
    if let Some(at) = rest.find(" \"b/") {
        let new = split_quoted(&rest[at + 1..])?.0;
        return Some((rest[..at].strip_prefix("a/")?.to_string(), new.strip_prefix("b/")?.to_string()));
    }
    // `a/P b/P`: the middle space splits it in two equal halves.
    let half = rest.len().checked_sub(1)? / 2;
    let (old, new) = (rest.get(..half)?, rest.get(half + 1..)?);
    if old.get(2..) == new.get(2..) {
        return Some((old.strip_prefix("a/")?.to_string(), new.strip_prefix("b/")?.to_string()));
    }
    let (old, new) = rest.split_once(" b/")?;
    Some((old.strip_prefix("a/")?.to_string(), new.to_string()))
}

/// A C-style quoted string at the start of `s`, and what follows it.
fn split_quoted(s: &str) -> Option<(String, &str)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((unquote(&s[..=i])?, &s[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// A path as git prints it: as is, or in double quotes with C escapes (`\"`, `\\`, `\t`,
/// `\n` and octal bytes) when it has unusual characters.
fn unquote(s: &str) -> Option<String> {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return Some(s.to_string());
    };
    let mut out: Vec<u8> = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let e = bytes.next()?;
        out.push(match e {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0'..=b'3' => {
                let (d2, d3) = (bytes.next()?, bytes.next()?);
                let digit = |d: u8| (b'0'..=b'7').contains(&d).then(|| d - b'0');
                (e - b'0') * 64 + digit(d2)? * 8 + digit(d3)?
            }
            other => other,
        });
    }
    String::from_utf8(out).ok()
}

/// `-a[,b] +c[,d] @@ …` into the removed and added lines.
fn hunk(rest: &str) -> Option<(Lines, Lines)> {
    let mut parts = rest.split(' ');
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    Some((side(old)?, side(new)?))
}

fn side(spec: &str) -> Option<Lines> {
    let (start, count) = match spec.split_once(',') {
        Some((s, c)) => (s.parse::<usize>().ok()?, c.parse::<usize>().ok()?),
        None => (spec.parse::<usize>().ok()?, 1),
    };
    Some(if count == 0 { Lines::Gap(start) } else { Lines::Span(start..=start + count - 1) })
}

/// A region for attribution: its lines (1-based, inclusive, everything that belongs to it:
/// decorators and attributes too) and its enclosing region. Regions come outermost first,
/// with index 0 the whole file.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub first: usize,
    pub last: usize,
    pub parent: Option<usize>,
}

/// How much of a region the changes reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touch {
    /// Some of the region's own lines (not those of regions nested in it) changed.
    Partly,
    /// Every line of the region changed (it is new, or it was removed).
    Wholly,
}

/// Which regions own a changed line: each changed line belongs to the innermost region
/// containing it, and a gap (removed lines) to the innermost region containing the lines on
/// both sides of it. Returns one entry per region.
pub fn touched(spans: &[Span], changes: &[Lines]) -> Vec<Option<Touch>> {
    let mut out = vec![None; spans.len()];
    if spans.is_empty() || changes.is_empty() {
        return out;
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    for (i, s) in spans.iter().enumerate() {
        if let Some(p) = s.parent {
            children[p].push(i);
        }
    }
    // Walk down from the file region to the innermost region containing the lines.
    let innermost = |first: usize, last: usize| {
        let mut at = 0;
        'down: loop {
            for &c in &children[at] {
                if spans[c].first <= first && last <= spans[c].last {
                    at = c;
                    continue 'down;
                }
            }
            return at;
        }
    };
    for change in changes {
        match change {
            Lines::Gap(after) => {
                // A gap between two lines of one region lies inside it.
                let at = innermost(*after, after + 1);
                out[at].get_or_insert(Touch::Partly);
            }
            Lines::Span(lines) => {
                // Split the span over the regions it crosses: each line goes to its
                // innermost region. Regions are few, so walk them per span.
                let (first, last) = (*lines.start(), *lines.end());
                let mut line = first;
                while line <= last {
                    let at = innermost(line, line);
                    out[at].get_or_insert(Touch::Partly);
                    // Skip to the end of the region's own stretch: the next child start or
                    // the region's end.
                    let next_child = children[at].iter().map(|&c| spans[c].first).filter(|&f| f > line).min();
                    let stretch_end = next_child.map_or(spans[at].last, |f| f - 1).max(line);
                    // Nested regions wholly inside the span changed wholly, as did this one
                    // if the span covers all of it.
                    line = stretch_end.min(last) + 1;
                }
                for (i, s) in spans.iter().enumerate() {
                    if first <= s.first && s.last <= last {
                        out[i] = Some(Touch::Wholly);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modified_added_deleted_and_renamed_files() {
        let text = "\
diff --git a/src/billing.py b/src/billing.py
index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644
--- a/src/billing.py
+++ b/src/billing.py
@@ -3 +3 @@ def charge(card):
-    return 1
+    return 2
@@ -10,2 +9,0 @@ def refund():
-    x = 1
-    y = 2
diff --git a/new.py b/new.py
new file mode 100644
index 0000000000000000000000000000000000000000..3333333333333333333333333333333333333333
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+def a():
+    pass
diff --git a/gone.rs b/gone.rs
deleted file mode 100644
index 4444444444444444444444444444444444444444..0000000000000000000000000000000000000000
--- a/gone.rs
+++ /dev/null
@@ -1,3 +0,0 @@
-fn a() {
-}
-
diff --git a/old name.py b/pkg/new name.py
similarity index 90%
rename from old name.py
rename to pkg/new name.py
index 5555555555555555555555555555555555555555..6666666666666666666666666666666666666666 100644
--- a/old name.py
+++ b/pkg/new name.py
@@ -2,0 +3 @@ def f():
+    log()
diff --git a/same.py b/moved/same.py
similarity index 100%
rename from same.py
rename to moved/same.py
diff --git \"a/caf\\303\\251 \\\"x\\\".py\" \"b/caf\\303\\251 \\\"x\\\".py\"
index 7777777777777777777777777777777777777777..8888888888888888888888888888888888888888 100644
--- \"a/caf\\303\\251 \\\"x\\\".py\"
+++ \"b/caf\\303\\251 \\\"x\\\".py\"
@@ -1 +1 @@
-a = 1
+a = 2
";
        let files = parse(text).unwrap();
        let shown: Vec<String> = files
            .iter()
            .map(|f| {
                format!(
                    "{} {:?} -> {:?} blobs {:?}/{:?} added {:?} removed {:?}",
                    f.status.name(),
                    f.old_path,
                    f.new_path,
                    f.old_blob.as_deref().map(|b| &b[..1]),
                    f.new_blob.as_deref().map(|b| &b[..1]),
                    f.added,
                    f.removed
                )
            })
            .collect();
        expect_test::expect![[r#"
            [
                "modified Some(\"src/billing.py\") -> Some(\"src/billing.py\") blobs Some(\"1\")/Some(\"2\") added [Span(3..=3), Gap(9)] removed [Span(3..=3), Span(10..=11)]",
                "added None -> Some(\"new.py\") blobs None/Some(\"3\") added [Span(1..=2)] removed [Gap(0)]",
                "deleted Some(\"gone.rs\") -> None blobs Some(\"4\")/None added [Gap(0)] removed [Span(1..=3)]",
                "renamed Some(\"old name.py\") -> Some(\"pkg/new name.py\") blobs Some(\"5\")/Some(\"6\") added [Span(3..=3)] removed [Gap(2)]",
                "renamed Some(\"same.py\") -> Some(\"moved/same.py\") blobs None/None added [] removed []",
                "modified Some(\"café \\\"x\\\".py\") -> Some(\"café \\\"x\\\".py\") blobs Some(\"7\")/Some(\"8\") added [Span(1..=1)] removed [Span(1..=1)]",
            ]
        "#]]
        .assert_debug_eq(&shown);
    }

    #[test]
    fn bad_hunk_header_is_an_error() {
        let err = parse("diff --git a/x.py b/x.py\n@@ -a +1 @@\n").unwrap_err();
        assert_eq!(err, "unexpected git diff output at line 2: cannot read the hunk header: `@@ -a +1 @@`");
    }

    /// A file of 30 lines: a class (2–20) with methods 3–8 and 10–18, and a function 22–30.
    fn spans() -> Vec<Span> {
        vec![
            Span { first: 1, last: 30, parent: None },
            Span { first: 2, last: 20, parent: Some(0) },
            Span { first: 3, last: 8, parent: Some(1) },
            Span { first: 10, last: 18, parent: Some(1) },
            Span { first: 22, last: 30, parent: Some(0) },
        ]
    }

    fn check(changes: &[Lines]) -> String {
        touched(&spans(), changes)
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|t| format!("{i}:{t:?}")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn lines_go_to_their_innermost_region() {
        assert_eq!(check(&[Lines::Span(5..=5)]), "2:Partly");
        assert_eq!(check(&[Lines::Span(9..=9)]), "1:Partly");
        assert_eq!(check(&[Lines::Span(1..=1)]), "0:Partly");
        // Across the end of one method, the class's own line and into the next method.
        assert_eq!(check(&[Lines::Span(8..=10)]), "1:Partly 2:Partly 3:Partly");
        // A span covering a whole function.
        assert_eq!(check(&[Lines::Span(21..=30)]), "0:Partly 4:Wholly");
        assert_eq!(check(&[Lines::Span(1..=30)]), "0:Wholly 1:Wholly 2:Wholly 3:Wholly 4:Wholly");
    }

    #[test]
    fn gaps_go_to_the_region_around_both_sides() {
        assert_eq!(check(&[Lines::Gap(5)]), "2:Partly");
        // Between the two methods: the class.
        assert_eq!(check(&[Lines::Gap(8)]), "1:Partly");
        // After a function's last line: the file.
        assert_eq!(check(&[Lines::Gap(30)]), "0:Partly");
        assert_eq!(check(&[Lines::Gap(0)]), "0:Partly");
    }
}
