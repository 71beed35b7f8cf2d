//! Unified diffs (`git diff`, `diff -u`): parse them into per-file hunks and apply them to
//! a file's text, so that a proposed patch can be judged as the texts before and after it.

use std::path::PathBuf;

/// The changes to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePatch {
    /// `None` for a file the patch creates.
    pub old_path: Option<PathBuf>,
    /// `None` for a file the patch deletes.
    pub new_path: Option<PathBuf>,
    pub hunks: Vec<Hunk>,
}

impl FilePatch {
    /// The path the patch is about: the new one, or the old one for a deletion.
    pub fn path(&self) -> &PathBuf {
        self.new_path.as_ref().or(self.old_path.as_ref()).expect("a patch names a file")
    }
}

/// One `@@ -a,b +c,d @@` hunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    /// 1-based first line in the old file (0 for an empty old side).
    pub old_start: usize,
    pub new_start: usize,
    /// Lines with their first character (` `, `-` or `+`) and without the newline.
    pub lines: Vec<(char, String)>,
    /// The old or new side ends without a newline (`\ No newline at end of file`).
    pub old_no_newline: bool,
    pub new_no_newline: bool,
}

impl Hunk {
    /// 1-based lines of the new file this hunk adds or changes, as a range.
    pub fn new_lines(&self) -> std::ops::Range<usize> {
        let count = self.lines.iter().filter(|(k, _)| *k != '-').count();
        self.new_start..self.new_start + count
    }
}

/// Parse a unified diff. Text outside file sections (commit messages, `diff --git` and
/// `index` lines) is skipped.
pub fn parse(text: &str) -> Result<Vec<FilePatch>, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut files: Vec<FilePatch> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches(['\n', '\r']);
        if let (Some(old), Some(next)) = (line.strip_prefix("--- "), lines.get(i + 1)) {
            if let Some(new) = next.trim_end_matches(['\n', '\r']).strip_prefix("+++ ") {
                files.push(FilePatch { old_path: diff_path(old), new_path: diff_path(new), hunks: Vec::new() });
                i += 2;
                continue;
            }
        }
        if line.starts_with("@@ ") {
            let file = files.last_mut().ok_or_else(|| format!("line {}: a hunk before any `--- `/`+++ ` header", i + 1))?;
            let (old_start, old_count, new_start, new_count) =
                hunk_header(line).ok_or_else(|| format!("line {}: malformed hunk header `{line}`", i + 1))?;
            let mut hunk = Hunk { old_start, new_start, lines: Vec::new(), old_no_newline: false, new_no_newline: false };
            let (mut old_seen, mut new_seen) = (0, 0);
            i += 1;
            while i < lines.len() && (old_seen < old_count || new_seen < new_count || lines[i].starts_with('\\')) {
                let l = lines[i].trim_end_matches('\n').trim_end_matches('\r');
                if l.starts_with('\\') {
                    match hunk.lines.last().map(|(k, _)| *k) {
                        Some('-') => hunk.old_no_newline = true,
                        Some('+') => hunk.new_no_newline = true,
                        _ => {
                            hunk.old_no_newline = true;
                            hunk.new_no_newline = true;
                        }
                    }
                    i += 1;
                    continue;
                }
                let (kind, body) = match l.chars().next() {
                    Some(c @ (' ' | '-' | '+')) => (c, &l[1..]),
                    // Some tools drop the space of an empty context line.
                    None => (' ', ""),
                    Some(_) => return Err(format!("line {}: expected a hunk line (` `, `-`, `+`), found `{l}`", i + 1)),
                };
                match kind {
                    ' ' => {
                        old_seen += 1;
                        new_seen += 1;
                    }
                    '-' => old_seen += 1,
                    _ => new_seen += 1,
                }
                hunk.lines.push((kind, body.to_string()));
                i += 1;
            }
            if old_seen != old_count || new_seen != new_count {
                return Err(format!("hunk `{line}` ends early: the diff is truncated"));
            }
            file.hunks.push(hunk);
            continue;
        }
        i += 1;
    }
    if files.is_empty() {
        return Err("no file in the diff (expected `--- a/path` and `+++ b/path` lines)".into());
    }
    Ok(files)
}

fn diff_path(header: &str) -> Option<PathBuf> {
    // `--- a/src/x.py\t2026-01-01 ...`: the path ends at a tab.
    let path = header.split('\t').next().unwrap_or("").trim();
    if path == "/dev/null" {
        return None;
    }
    let path = path.strip_prefix("a/").or_else(|| path.strip_prefix("b/")).unwrap_or(path);
    Some(PathBuf::from(path))
}

fn hunk_header(line: &str) -> Option<(usize, usize, usize, usize)> {
    let inner = line.strip_prefix("@@ -")?;
    let (ranges, _) = inner.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let side = |s: &str| -> Option<(usize, usize)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (a, b) = side(old)?;
    let (c, d) = side(new)?;
    Some((a, b, c, d))
}

/// Apply the hunks to `old` (the file as it is). Context and removed lines must match.
pub fn apply(old: &str, patch: &FilePatch) -> Result<String, String> {
    let lines: Vec<&str> = old.split_inclusive('\n').collect();
    let mut out = String::with_capacity(old.len());
    let mut at = 0usize; // Index of the next old line to copy.
    let shown = patch.path().display();
    for h in &patch.hunks {
        let start = h.old_start.saturating_sub(1);
        let start = if h.lines.iter().all(|(k, _)| *k == '+') && h.old_start > 0 { h.old_start } else { start };
        if start < at || start > lines.len() {
            return Err(format!("{shown}: hunk at line {} is out of order or past the end of the file", h.old_start));
        }
        for l in &lines[at..start] {
            out.push_str(l);
        }
        at = start;
        let last_new = h.lines.iter().rposition(|(k, _)| *k != '-');
        for (n, (kind, body)) in h.lines.iter().enumerate() {
            if *kind != '+' {
                let actual = lines.get(at).map(|l| l.trim_end_matches('\n').trim_end_matches('\r'));
                if actual != Some(body.as_str()) {
                    return Err(format!(
                        "{shown}: the patch does not apply at line {}: expected `{body}`, the file has `{}`",
                        at + 1,
                        actual.unwrap_or("<end of file>")
                    ));
                }
            }
            match kind {
                ' ' => {
                    out.push_str(lines[at]);
                    at += 1;
                }
                '-' => at += 1,
                _ => {
                    out.push_str(body);
                    if !(h.new_no_newline && Some(n) == last_new) {
                        out.push('\n');
                    }
                }
            }
        }
    }
    for l in &lines[at..] {
        out.push_str(l);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_applies_a_git_diff() {
        let old = "def a():\n    return 1\n\ndef b():\n    return 2\n";
        let diff = "diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n@@ -3,3 +3,4 @@ def a():\n \n def b():\n-    return 2\n+    shutil.rmtree(path)\n+    return 3\n";
        let files = parse(diff).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path(), &PathBuf::from("x.py"));
        assert_eq!(files[0].hunks[0].new_lines(), 3..7);
        assert_eq!(apply(old, &files[0]).unwrap(), "def a():\n    return 1\n\ndef b():\n    shutil.rmtree(path)\n    return 3\n");
    }

    #[test]
    fn new_files_and_mismatches() {
        let diff = "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+def f():\n+    pass\n";
        let files = parse(diff).unwrap();
        assert_eq!(files[0].old_path, None);
        assert_eq!(apply("", &files[0]).unwrap(), "def f():\n    pass\n");
        let diff = "--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,1 @@\n-nope\n+yes\n";
        assert_eq!(
            apply("other\n", &parse(diff).unwrap()[0]).unwrap_err(),
            "x.py: the patch does not apply at line 1: expected `nope`, the file has `other`"
        );
        assert_eq!(parse("hello\n").unwrap_err(), "no file in the diff (expected `--- a/path` and `+++ b/path` lines)");
        assert_eq!(parse("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n").unwrap_err(), "hunk `@@ -1,2 +1,2 @@` ends early: the diff is truncated");
    }
}
