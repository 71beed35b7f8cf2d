//! Byte offsets ↔ lines and columns, in UTF-8 or UTF-16 code units. The one place that
//! converts positions: the CLI (1-based lines) and the language server (0-based LSP
//! positions) both use it. Lines end at `\n`, `\r\n` or a lone `\r`, as the LSP specifies.

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// A zero-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(line_starts(text.as_bytes(), 0, text.len()));
        LineIndex { starts, len: text.len() }
    }

    /// Update the index after `text[start..old_end]` was replaced by `new_len` bytes (`text`
    /// is the text after the edit). Only the lines around the edit are rescanned.
    pub fn apply_edit(&mut self, text: &str, start: usize, old_end: usize, new_len: usize) {
        let delta = new_len as isize - (old_end - start) as isize;
        // A line start at `s` depends on the bytes at `s - 1` and `s` (for `\r\n`), so the
        // starts in (start - 1, old_end + 1] may change; those after only move.
        let lo = start.saturating_sub(1);
        let hi_old = old_end + 1;
        let keep_before = self.starts.partition_point(|&s| s <= lo);
        let keep_after = self.starts.partition_point(|&s| s <= hi_old);
        let hi_new = ((hi_old as isize + delta) as usize).min(text.len());
        let middle: Vec<usize> = line_starts(text.as_bytes(), lo, hi_new).collect();
        let after: Vec<usize> = self.starts[keep_after..].iter().map(|&s| (s as isize + delta) as usize).collect();
        self.starts.truncate(keep_before);
        self.starts.extend(middle.into_iter().filter(|&s| s > lo && s <= hi_new));
        self.starts.extend(after);
        self.len = text.len();
    }

    /// Number of lines as editors and `wc -l` count them: a final line break does not start
    /// another line.
    pub fn line_count(&self) -> usize {
        if self.len > 0 && self.starts.last() == Some(&self.len) {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }

    /// Zero-based line of a byte offset (offsets past the end land on the last line).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Byte offset where a zero-based line starts, if the line exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// Byte range of a line's text, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line)?;
        let mut end = self.starts.get(line + 1).map_or(self.len, |&s| s);
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(start..end)
    }

    /// Line and column of a byte offset. The offset is clamped to the text and moved back
    /// to a character boundary.
    pub fn line_col(&self, text: &str, offset: usize, encoding: Encoding) -> LineCol {
        let mut offset = offset.min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line(offset);
        let prefix = &text[self.starts[line]..offset];
        let col = match encoding {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
        };
        LineCol { line: line as u32, col: col as u32 }
    }

    /// Byte offset of a line and column. Columns past the end of the line clamp to its end;
    /// lines past the end clamp to the end of the text.
    pub fn offset(&self, text: &str, pos: LineCol, encoding: Encoding) -> usize {
        let Some(range) = self.line_range(text, pos.line as usize) else {
            return self.len;
        };
        let line = &text[range.clone()];
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            if units >= pos.col {
                return range.start + i;
            }
            units += match encoding {
                Encoding::Utf8 => c.len_utf8() as u32,
                Encoding::Utf16 => c.len_utf16() as u32,
            };
        }
        range.end
    }
}

/// Line starts (offsets just after a line break) for breaks ending in `from..to`.
fn line_starts(bytes: &[u8], from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
    let to = to.min(bytes.len());
    (from.min(to)..to).filter_map(move |i| match bytes[i] {
        b'\n' => Some(i + 1),
        b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i + 1),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_of_every_kind() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.starts, vec![0, 2, 5, 7]);
        assert_eq!(index.line_range(text, 1), Some(2..3));
        assert_eq!(index.line_range(text, 2), Some(5..6));
        assert_eq!(index.line_count(), 4);
    }

    #[test]
    fn incremental_updates_match_a_fresh_index() {
        // A small deterministic generator: edits of every kind of line break, at every place.
        let pieces = ["", "x", "\n", "\r", "\r\n", "é\n", "ab\rcd", "\n\n"];
        let base = "ab\r\ncd\ne\rf\n";
        for start in 0..=base.len() {
            for end in start..=base.len() {
                for piece in pieces {
                    if !base.is_char_boundary(start) || !base.is_char_boundary(end) {
                        continue;
                    }
                    let mut index = LineIndex::new(base);
                    let mut text = base.to_string();
                    text.replace_range(start..end, piece);
                    index.apply_edit(&text, start, end, piece.len());
                    assert_eq!(index, LineIndex::new(&text), "{base:?} [{start}..{end}] <- {piece:?}");
                }
            }
        }
    }

    #[test]
    fn multibyte_columns() {
        let text = "a\né中🙂x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.line_col(text, x, Encoding::Utf8), LineCol { line: 1, col: 9 });
        assert_eq!(index.line_col(text, x, Encoding::Utf16), LineCol { line: 1, col: 4 });
        assert_eq!(index.offset(text, LineCol { line: 1, col: 4 }, Encoding::Utf16), x);
        assert_eq!(index.offset(text, LineCol { line: 1, col: 99 }, Encoding::Utf16), text.len() - 1);
        assert_eq!(index.offset(text, LineCol { line: 7, col: 0 }, Encoding::Utf8), text.len());
    }
}
