//! Text conventions of the file being edited: its line ending, its indentation unit, the
//! indentation of a line; and re-indenting a template block.

/// `\r\n` when the file uses it, else `\n`.
pub fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// One level of indentation as the file writes it: a tab when indented lines mostly start
/// with tabs, else the smallest indentation in spaces (2 to 8), else `default`.
pub fn indent_unit(text: &str, default: &str) -> String {
    let (mut tabs, mut spaces, mut smallest) = (0, 0, usize::MAX);
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            tabs += 1;
        } else if line.starts_with(' ') {
            spaces += 1;
            let n = line.len() - line.trim_start_matches(' ').len();
            // Continuation lines of comments (` * `) and odd alignments do not count.
            if n >= 2 && !line.trim_start().starts_with('*') {
                smallest = smallest.min(n);
            }
        }
    }
    if tabs > spaces {
        "\t".to_string()
    } else if (2..=8).contains(&smallest) {
        " ".repeat(smallest)
    } else {
        default.to_string()
    }
}

/// Where the line holding `offset` starts, and its indentation.
pub fn line_of(text: &str, offset: usize) -> (usize, &str) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent_len = text[start..].len() - text[start..].trim_start_matches([' ', '\t']).len();
    (start, &text[start..start + indent_len])
}

/// `block` with every non-empty line prefixed by `indent`, lines ending in `newline`.
pub fn indent_block(block: &str, indent: &str, newline: &str) -> String {
    let mut out = String::new();
    for line in block.lines() {
        if !line.is_empty() {
            out.push_str(indent);
            out.push_str(line);
        }
        out.push_str(newline);
    }
    out
}

/// Template text (written with `\n` and four-space steps via `{indent}`) with `\n` replaced
/// by the file's line ending.
pub fn with_newlines(block: &str, newline: &str) -> String {
    if newline == "\n" {
        block.to_string()
    } else {
        block.replace('\n', newline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_units() {
        assert_eq!(indent_unit("fn f() {\n  x();\n    y();\n}\n", "    "), "  ");
        assert_eq!(indent_unit("def f():\n\treturn 1\n", "    "), "\t");
        assert_eq!(indent_unit("x = 1\n", "    "), "    ");
        assert_eq!(indent_block("a\n\nb", "  ", "\r\n"), "  a\r\n\r\n  b\r\n");
    }
}
