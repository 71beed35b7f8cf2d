//! Lexer for the `tern` configuration language, plus a tiny lint pass.

use std::iter::Peekable;
use std::str::CharIndices;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Ident,
    Int,
    Str,
    Let,
    Fn,
    Unsafe,
    Drop,
    Exec,
    Op,
    Comment,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

pub struct Lexer<'a> {
    src: &'a str,
    chars: Peekable<CharIndices<'a>>,
    done: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self { // expect: lane2
        Self { src, chars: src.char_indices().peekable(), done: false }
    }

    fn offset(&mut self) -> usize { // expect: lane2
        self.chars.peek().map_or(self.src.len(), |&(i, _)| i)
    }

    fn eat_while(&mut self, pred: impl Fn(char) -> bool) -> usize { // expect: lane2
        while let Some(&(_, c)) = self.chars.peek() {
            if !pred(c) {
                break;
            }
            self.chars.next();
        }
        self.offset()
    }

    fn keyword_or_ident(word: &str) -> TokenKind { // expect: lane2
        match word {
            "let" => TokenKind::Let,
            "fn" => TokenKind::Fn,
            "unsafe" => TokenKind::Unsafe,
            "drop" => TokenKind::Drop,
            "exec" => TokenKind::Exec,
            _ => TokenKind::Ident,
        }
    }

    pub fn next_token(&mut self) -> Token { // expect: lane2
        self.eat_while(char::is_whitespace);
        let start = self.offset();
        let Some((_, c)) = self.chars.next() else {
            return Token { kind: TokenKind::Eof, span: Span { start, end: start } };
        };
        let (kind, end) = match c {
            '#' => (TokenKind::Comment, self.eat_while(|c| c != '\n')),
            '"' => {
                let end = self.eat_while(|c| c != '"');
                self.chars.next();
                (TokenKind::Str, end + 1)
            }
            c if c.is_ascii_digit() => (TokenKind::Int, self.eat_while(|c| c.is_ascii_digit() || c == '_')),
            c if c.is_alphabetic() || c == '_' => {
                let end = self.eat_while(|c| c.is_alphanumeric() || c == '_');
                (Self::keyword_or_ident(&self.src[start..end]), end)
            }
            _ => (TokenKind::Op, self.offset()),
        };
        Token { kind, span: Span { start, end } }
    }

    pub fn text(&self, tok: &Token) -> &'a str { // expect: lane2
        &self.src[tok.span.start..tok.span.end]
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> { // expect: lane2
        if self.done {
            return None;
        }
        let tok = self.next_token();
        self.done = tok.kind == TokenKind::Eof;
        Some(tok)
    }
}

/// Lint: flag `unsafe` and `exec` blocks in user configs so reviewers see them.
pub fn find_unsafe_blocks(src: &str) -> Vec<Span> { // expect: lane2
    Lexer::new(src)
        .filter(|t| matches!(t.kind, TokenKind::Unsafe | TokenKind::Exec))
        .map(|t| t.span)
        .collect()
}

pub fn strip_comments(tokens: &[Token]) -> Vec<Token> { // expect: lane2
    tokens.iter().copied().filter(|t| t.kind != TokenKind::Comment).collect()
}

pub fn eval_const(src: &str) -> Option<i64> { // expect: lane2
    let mut lexer = Lexer::new(src);
    let mut acc: i64 = 0;
    let mut sign = 1;
    while let Some(tok) = lexer.next() {
        match tok.kind {
            TokenKind::Int => {
                let n: i64 = lexer.text(&tok).replace('_', "").parse().ok()?;
                acc = acc.checked_add(sign * n)?;
            }
            TokenKind::Op if lexer.text(&tok) == "-" => sign = -1,
            TokenKind::Op if lexer.text(&tok) == "+" => sign = 1,
            TokenKind::Eof => break,
            _ => return None,
        }
    }
    Some(acc)
}

pub fn highlight_html(src: &str) -> String { // expect: lane1
    let mut out = String::from("<pre class=\"tern\">");
    for tok in Lexer::new(src) {
        let text = &src[tok.span.start..tok.span.end];
        let class = match tok.kind {
            TokenKind::Let | TokenKind::Fn | TokenKind::Unsafe | TokenKind::Drop | TokenKind::Exec => "kw",
            TokenKind::Str => "str",
            TokenKind::Int => "num",
            TokenKind::Comment => "cmt",
            _ => "",
        };
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
        if class.is_empty() {
            out.push_str(&escaped);
        } else {
            out.push_str(&format!("<span class=\"{class}\">{escaped}</span> "));
        }
    }
    out.push_str("</pre>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> { // expect: lane1
        Lexer::new(src).map(|t| t.kind).collect()
    }

    #[test]
    fn keywords_are_recognised() { // expect: lane1
        assert_eq!(
            kinds("let x unsafe drop"),
            vec![TokenKind::Let, TokenKind::Ident, TokenKind::Unsafe, TokenKind::Drop, TokenKind::Eof]
        );
    }

    #[test]
    fn const_folding() { // expect: lane1
        assert_eq!(eval_const("40 + 2"), Some(42));
        assert_eq!(eval_const("1_000 - 1"), Some(999));
        assert_eq!(eval_const("secret"), None);
    }
}
