//! Conversions between the engine's byte offsets and LSP positions, and from engine values
//! to protocol values. The only place that knows both sides.

use std::ops::Range as ByteRange;

use tower_lsp_server::ls_types::{DiagnosticSeverity, Position, PositionEncodingKind, Range};

use crate::line_index::{Encoding, LineCol, LineIndex};

/// The negotiated position encoding.
pub fn encoding_kind(encoding: Encoding) -> PositionEncodingKind {
    match encoding {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
    }
}

/// UTF-8 when the client offers it (tree-sitter's own unit), else UTF-16, the LSP default.
pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

pub fn position(index: &LineIndex, text: &str, offset: usize, encoding: Encoding) -> Position {
    let lc = index.line_col(text, offset, encoding);
    Position { line: lc.line, character: lc.col }
}

pub fn range(index: &LineIndex, text: &str, r: &ByteRange<usize>, encoding: Encoding) -> Range {
    Range { start: position(index, text, r.start, encoding), end: position(index, text, r.end, encoding) }
}

/// Byte offset of an LSP position, clamped into the text (positions past the end of a line
/// or of the file are legal and clamp; negative ones cannot be deserialised).
pub fn offset(index: &LineIndex, text: &str, p: Position, encoding: Encoding) -> usize {
    index.offset(text, LineCol { line: p.line, col: p.character }, encoding)
}

/// Byte range of an LSP range; a reversed range is put in order.
pub fn byte_range(index: &LineIndex, text: &str, r: Range, encoding: Encoding) -> ByteRange<usize> {
    let a = offset(index, text, r.start, encoding);
    let b = offset(index, text, r.end, encoding);
    a.min(b)..a.max(b)
}

/// Severity names accepted in client settings.
pub fn severity(name: &str) -> Option<DiagnosticSeverity> {
    match name.to_ascii_lowercase().as_str() {
        "error" => Some(DiagnosticSeverity::ERROR),
        "warning" => Some(DiagnosticSeverity::WARNING),
        "information" | "info" => Some(DiagnosticSeverity::INFORMATION),
        "hint" => Some(DiagnosticSeverity::HINT),
        _ => None,
    }
}
