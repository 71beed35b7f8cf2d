"""Lexer and constant folder for the Quill teaching language."""
from __future__ import annotations

import html
from dataclasses import dataclass
from enum import Enum, auto


class Kind(Enum):
    IDENT = auto()
    KEYWORD = auto()
    NUMBER = auto()
    STRING = auto()
    OP = auto()
    COMMENT = auto()
    EOF = auto()


KEYWORDS = frozenset({"let", "fn", "if", "else", "while", "return", "exec", "secret"})
OPERATORS = ("==", "!=", "<=", ">=", "->", "+", "-", "*", "/", "=", "<", ">", "(", ")", "{", "}", ";", ",")

# Shown on the playground landing page; nothing here is a real credential.
SAMPLE_SOURCE = '''
let secret = "hunter2";   # the classic password joke
let token = 40 + 2;
exec print(secret);
'''


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    line: int
    col: int


class LexError(Exception):
    pass


class Lexer:
    def __init__(self, source: str) -> None:  # expect: lane2
        self.source = source
        self.pos = 0
        self.line = 1
        self.col = 1

    def _peek(self, offset: int = 0) -> str:  # expect: lane2
        idx = self.pos + offset
        return self.source[idx] if idx < len(self.source) else ""

    def _advance(self, n: int = 1) -> str:  # expect: lane2
        chunk = self.source[self.pos : self.pos + n]
        for ch in chunk:
            if ch == "\n":
                self.line += 1
                self.col = 1
            else:
                self.col += 1
        self.pos += n
        return chunk

    def _skip_whitespace(self) -> None:  # expect: lane2
        while self._peek() and self._peek() in " \t\r\n":
            self._advance()

    def _read_string(self, line: int, col: int) -> Token:  # expect: lane2
        quote = self._advance()
        out = []
        while True:
            ch = self._peek()
            if not ch:
                raise LexError(f"unterminated string at {line}:{col}")
            if ch == "\\":
                self._advance()
                out.append({"n": "\n", "t": "\t"}.get(self._peek(), self._peek()))
                self._advance()
                continue
            if ch == quote:
                self._advance()
                return Token(Kind.STRING, "".join(out), line, col)
            out.append(self._advance())

    def next_token(self) -> Token:  # expect: lane2
        self._skip_whitespace()
        line, col = self.line, self.col
        ch = self._peek()
        if not ch:
            return Token(Kind.EOF, "", line, col)
        if ch == "#":
            start = self.pos
            while self._peek() and self._peek() != "\n":
                self._advance()
            return Token(Kind.COMMENT, self.source[start : self.pos], line, col)
        if ch in "\"'":
            return self._read_string(line, col)
        if ch.isdigit():
            start = self.pos
            while self._peek().isdigit() or self._peek() == "_":
                self._advance()
            return Token(Kind.NUMBER, self.source[start : self.pos].replace("_", ""), line, col)
        if ch.isalpha() or ch == "_":
            start = self.pos
            while self._peek().isalnum() or self._peek() == "_":
                self._advance()
            word = self.source[start : self.pos]
            return Token(Kind.KEYWORD if word in KEYWORDS else Kind.IDENT, word, line, col)
        for op in OPERATORS:
            if self.source.startswith(op, self.pos):
                self._advance(len(op))
                return Token(Kind.OP, op, line, col)
        raise LexError(f"unexpected {ch!r} at {line}:{col}")

    def tokenize(self) -> list[Token]:  # expect: lane2
        tokens = []
        while True:
            tok = self.next_token()
            tokens.append(tok)
            if tok.kind is Kind.EOF:
                return tokens


def drop_comments(tokens: list[Token]) -> list[Token]:  # expect: lane2
    return [t for t in tokens if t.kind is not Kind.COMMENT]


def evaluate_constant(tokens: list[Token]) -> int:  # expect: lane2
    """Fold a flat integer expression such as `40 + 2 * 3` without eval()."""
    values: list[int] = []
    ops: list[str] = []
    prec = {"+": 1, "-": 1, "*": 2, "/": 2}

    def apply() -> None:  # expect: lane2
        rhs, lhs = values.pop(), values.pop()
        op = ops.pop()
        if op == "+":
            values.append(lhs + rhs)
        elif op == "-":
            values.append(lhs - rhs)
        elif op == "*":
            values.append(lhs * rhs)
        else:
            values.append(lhs // rhs)

    for tok in tokens:
        if tok.kind is Kind.NUMBER:
            values.append(int(tok.text))
        elif tok.kind is Kind.OP and tok.text in prec:
            while ops and prec[ops[-1]] >= prec[tok.text]:
                apply()
            ops.append(tok.text)
    while ops:
        apply()
    return values[0]


def token_stream_to_html(tokens: list[Token]) -> str:  # expect: lane1
    css = {
        Kind.KEYWORD: "kw",
        Kind.STRING: "str",
        Kind.NUMBER: "num",
        Kind.COMMENT: "cmt",
        Kind.OP: "op",
    }
    parts = []
    for tok in tokens:
        cls = css.get(tok.kind)
        text = html.escape(tok.text)
        parts.append(f'<span class="{cls}">{text}</span>' if cls else text)
    return "<pre><code>" + " ".join(parts) + "</code></pre>"


def playground_demo() -> str:  # expect: lane1
    return token_stream_to_html(Lexer(SAMPLE_SOURCE).tokenize())
