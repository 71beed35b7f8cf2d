//! Lexer for the merchandising rule DSL, e.g.
//! `when qty >= 10 then discount 5%  # bulk tier`.

use std::iter::Peekable;
use std::str::CharIndices;

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Ident(String),
    Keyword(Keyword),
    Number(f64),
    Str(String),
    Percent,
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Comment(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    When,
    Then,
    And,
    Or,
    Discount,
    Price,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LexError {
    #[error("unexpected character {ch:?} at byte {at}")]
    Unexpected { ch: char, at: usize },
    #[error("unterminated string starting at byte {0}")]
    UnterminatedString(usize),
}

pub struct Tokenizer<'a> {
    src: &'a str,
    chars: Peekable<CharIndices<'a>>,
}

impl<'a> Tokenizer<'a> {
    pub fn new(src: &'a str) -> Self { // expect: lane2
        Self {
            src,
            chars: src.char_indices().peekable(),
        }
    }

    fn peek_char(&mut self) -> Option<char> { // expect: lane2
        self.chars.peek().map(|&(_, c)| c)
    }

    fn offset(&mut self) -> usize { // expect: lane2
        self.chars.peek().map_or(self.src.len(), |&(i, _)| i)
    }

    fn eat_while(&mut self, pred: impl Fn(char) -> bool) -> &'a str { // expect: lane2
        let start = self.offset();
        while self.peek_char().is_some_and(&pred) {
            self.chars.next();
        }
        &self.src[start..self.offset()]
    }

    fn keyword(word: &str) -> Option<Keyword> { // expect: lane2
        match word.to_ascii_lowercase().as_str() {
            "when" => Some(Keyword::When),
            "then" => Some(Keyword::Then),
            "and" => Some(Keyword::And),
            "or" => Some(Keyword::Or),
            "discount" => Some(Keyword::Discount),
            "price" => Some(Keyword::Price),
            _ => None,
        }
    }

    fn lex_string(&mut self, start: usize) -> Result<TokenKind, LexError> { // expect: lane2
        self.chars.next(); // opening quote
        let mut out = String::new();
        while let Some((_, c)) = self.chars.next() {
            match c {
                '"' => return Ok(TokenKind::Str(out)),
                '\\' => {
                    if let Some((_, escaped)) = self.chars.next() {
                        out.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    }
                }
                _ => out.push(c),
            }
        }
        Err(LexError::UnterminatedString(start))
    }

    fn lex_operator(&mut self, start: usize) -> Result<TokenKind, LexError> { // expect: lane2
        let (_, first) = self.chars.next().expect("caller peeked an operator char");
        let followed_by_eq = self.peek_char() == Some('=');
        if followed_by_eq {
            self.chars.next();
        }
        let op = match (first, followed_by_eq) {
            ('>', false) => ">",
            ('>', true) => ">=",
            ('<', false) => "<",
            ('<', true) => "<=",
            ('=', true) => "==",
            ('!', true) => "!=",
            (ch, _) => return Err(LexError::Unexpected { ch, at: start }),
        };
        Ok(TokenKind::Op(op))
    }

    pub fn tokenize(mut self) -> Result<Vec<Token>, LexError> { // expect: lane2
        let mut tokens = Vec::new();
        loop {
            self.eat_while(char::is_whitespace);
            let start = self.offset();
            let Some(c) = self.peek_char() else { break };
            let kind = match c {
                '#' => {
                    let text = self.eat_while(|c| c != '\n');
                    TokenKind::Comment(text[1..].trim().to_string())
                }
                '"' => self.lex_string(start)?,
                '0'..='9' => {
                    let digits = self.eat_while(|c| c.is_ascii_digit() || c == '.');
                    let value = digits
                        .parse()
                        .map_err(|_| LexError::Unexpected { ch: c, at: start })?;
                    TokenKind::Number(value)
                }
                c if c.is_alphabetic() || c == '_' => {
                    let word = self.eat_while(|c| c.is_alphanumeric() || c == '_');
                    Self::keyword(word)
                        .map_or_else(|| TokenKind::Ident(word.to_string()), TokenKind::Keyword)
                }
                '%' | '(' | ')' | ',' => {
                    self.chars.next();
                    match c {
                        '%' => TokenKind::Percent,
                        '(' => TokenKind::LParen,
                        ')' => TokenKind::RParen,
                        _ => TokenKind::Comma,
                    }
                }
                '>' | '<' | '=' | '!' => self.lex_operator(start)?,
                other => return Err(LexError::Unexpected { ch: other, at: start }),
            };
            let end = self.offset();
            tokens.push(Token { kind, start, end });
        }
        Ok(tokens)
    }
}

/// Number of meaningful tokens, ignoring comments. The rule editor uses the
/// token count to enforce its size limit.
pub fn token_count(src: &str) -> Result<usize, LexError> { // expect: lane2
    let tokens = Tokenizer::new(src).tokenize()?;
    Ok(tokens
        .iter()
        .filter(|t| !matches!(t.kind, TokenKind::Comment(_)))
        .count())
}

/// Pulls comments out of the stream so the parser never sees them; the
/// removed comments are handed back for the rule documentation view.
pub fn split_comments(tokens: &mut Vec<Token>) -> Vec<Token> { // expect: lane2
    let (comments, code): (Vec<Token>, Vec<Token>) = tokens
        .drain(..)
        .partition(|t| matches!(t.kind, TokenKind::Comment(_)));
    *tokens = code;
    comments
}

/// Accepts `price in (a, b,)` by removing a comma right before `)` and a
/// dangling comma at the end of input.
pub fn strip_trailing_commas(tokens: &mut Vec<Token>) { // expect: lane2
    let mut i = 0;
    while i + 1 < tokens.len() {
        if tokens[i].kind == TokenKind::Comma && tokens[i + 1].kind == TokenKind::RParen {
            tokens.remove(i);
        } else {
            i += 1;
        }
    }
    if tokens.last().is_some_and(|t| t.kind == TokenKind::Comma) {
        tokens.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> { // expect: lane1
        Tokenizer::new(src)
            .tokenize()
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn tokenizes_simple_rule() { // expect: lane1
        assert_eq!(
            kinds("when qty >= 10 then discount 5%"),
            vec![
                TokenKind::Keyword(Keyword::When),
                TokenKind::Ident("qty".into()),
                TokenKind::Op(">="),
                TokenKind::Number(10.0),
                TokenKind::Keyword(Keyword::Then),
                TokenKind::Keyword(Keyword::Discount),
                TokenKind::Number(5.0),
                TokenKind::Percent,
            ]
        );
    }

    #[test]
    fn token_count_skips_comments() { // expect: lane1
        assert_eq!(token_count("# bulk rule\nwhen qty > 3").unwrap(), 4);
    }

    #[test]
    fn reports_unterminated_string() { // expect: lane1
        assert_eq!(
            Tokenizer::new("price \"abc").tokenize(),
            Err(LexError::UnterminatedString(6))
        );
    }
}
