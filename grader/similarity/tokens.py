"""Source text to a normalised token stream: what a copy keeps when it is disguised.

Python's own :mod:`tokenize` splits the text; then comments, blank lines and docstrings are
dropped, every number becomes ``0`` and every string ``S``, and every name the submission
*binds* (a variable, parameter, function, class, attribute it assigns, import alias) becomes
``N``. Names it only *uses* (``torch``'s ``exp``, ``sum``, ``range``) stay as written: a
renamed variable is invisible, yet two honest solutions that call different APIs differ.
Keywords, operators and the block structure (``NEWLINE``, ``INDENT``, ``DEDENT``) are kept.

Bound names come from :mod:`ast` over the whole submission (so ``from mlp import activate``
and ``def activate`` agree); a file that does not parse is parsed again with the offending
line blanked, a few times, then a token-level rule takes over (a name before ``=``, after
``def``/``class``/``as``/``for``/``import``). A text :mod:`tokenize` rejects is split by a
small regular expression instead, so no submission is left out for a syntax error.

Notebook code cells are tokenised one by one (a broken cell spoils only itself) after their
IPython magics (``%``, ``!``) are blanked. Each token keeps its line number in the text the
pages show. Nothing here runs student code.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator

__all__ = ["Tokens", "bound_names", "tokenize_source", "token_id"]

NAME, NUMBER, STRING = "N", "0", "S"
_DROP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER, tokenize.ERRORTOKEN}
_STRUCTURE = {tokenize.NEWLINE: "<nl>", tokenize.INDENT: "<in>", tokenize.DEDENT: "<de>"}
_KEYWORDS = frozenset(keyword.kwlist)
_AST_RETRIES = 20
_MAGIC = re.compile(r"^\s*[%!]")
_FALLBACK = re.compile(r"""(?P<comment>\#.*)|(?P<string>[rbfuRBFU]{0,2}('[^'\n]*'?|"[^"\n]*"?))"""
                       r"""|(?P<number>\d[\w.]*)|(?P<name>[^\W\d]\w*)"""
                       r"""|(?P<op>\*\*=?|//=?|->|<<=?|>>=?|[-+*/%@&|^<>!=:]=|\S)""")
_ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=", "<<=", "**=", ":="}


def token_id(text: str) -> int:
    """A stable id for a normalised token (the same in every process, unlike ``hash``)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Tokens:
    """A file's normalised tokens (as ids) and the line (1-based, in the shown text) of each."""

    ids: tuple[int, ...]
    lines: tuple[int, ...]


def blank_magics(source: str) -> str:
    """IPython's ``%magic`` and ``!shell`` lines become empty (line numbers are kept)."""
    return "\n".join("" if _MAGIC.match(line) else line for line in source.split("\n"))


def bound_names(sources: Iterable[str]) -> frozenset[str]:
    """Every name the given texts bind (assign, define, import, take as a parameter)."""
    names: set[str] = set()
    for source in sources:
        tree = _parse_forgiving(source)
        if tree is None:
            names.update(_bound_by_tokens(source))
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.attr)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
    return frozenset(names)


def _parse_forgiving(source: str) -> ast.Module | None:
    """``ast.parse``, blanking the line a syntax error names and trying again (a few times)."""
    lines = source.split("\n")
    for _ in range(_AST_RETRIES):
        try:
            return ast.parse("\n".join(lines))
        except SyntaxError as exc:
            where = (exc.lineno or 0) - 1
            if not 0 <= where < len(lines) or not lines[where].strip():
                return None
            lines[where] = ""
        except (ValueError, RecursionError, MemoryError):  # NUL bytes, absurd nesting
            return None
    return None


def _bound_by_tokens(source: str) -> set[str]:
    """A token-level guess at bound names, for text that never parses."""
    found: set[str] = set()
    raw = [(kind, text) for kind, text, _ in _raw_tokens(source)]
    for n, (kind, text) in enumerate(raw):
        if kind != "name" or text in _KEYWORDS:
            continue
        before = raw[n - 1][1] if n else ""
        after = raw[n + 1][1] if n + 1 < len(raw) else ""
        if before in ("def", "class", "as", "for", "import", "global", "nonlocal") or after in _ASSIGN_OPS:
            found.add(text)
        if before == "def":
            found.update(_parameters(raw, n + 1))
    return found


def _parameters(raw: list[tuple[str, str]], start: int) -> set[str]:
    """The parameter names of ``def f(...)`` whose ``(`` is at ``start``."""
    names: set[str] = set()
    depth = 0
    for n in range(start, min(len(raw), start + 400)):
        kind, text = raw[n]
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
            if depth <= 0:
                break
        elif kind == "name" and depth == 1 and raw[n - 1][1] in ("(", ",", "*", "**"):
            names.add(text)
    return names


def _raw_tokens(source: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, line) from :mod:`tokenize`, or from the fallback expression when it refuses."""
    try:
        yield from list(_python_tokens(source))
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError, RecursionError):
        yield from _regex_tokens(source)


def _python_tokens(source: str) -> Iterator[tuple[str, str, int]]:
    previous = "<nl>"
    last_line = 1
    pending: list[tuple[str, str, int]] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in _DROP:
            continue
        if tok.type in _STRUCTURE:
            kind = _STRUCTURE[tok.type]
            if tok.type == tokenize.NEWLINE and pending and pending[0][0] == "string" and all(
                    p[0] == "string" for p in pending):
                pending = []  # a statement that is only a string: a docstring, as good as a comment
                previous = kind
                continue
            yield from pending
            pending = []
            # an INDENT or DEDENT belongs to the line before it (else a docstring line would count)
            yield kind, kind, tok.start[0] if tok.type == tokenize.NEWLINE else last_line
            previous = kind
            continue
        last_line = tok.end[0]
        if tok.type == tokenize.NAME:
            item = ("name", tok.string, tok.start[0])
        elif tok.type == tokenize.NUMBER:
            item = ("number", tok.string, tok.start[0])
        elif tok.type == tokenize.STRING:
            item = ("string", tok.string, tok.start[0])
        else:
            item = ("op", tok.string, tok.start[0])
        if previous in ("<nl>", "<in>", "<de>") or pending:
            pending.append(item)  # the start of a statement: held until we know it is not a docstring
            previous = item[0]
            if item[0] != "string":
                yield from pending
                pending = []
            continue
        yield item
        previous = item[0]
    yield from pending


def _regex_tokens(source: str) -> Iterator[tuple[str, str, int]]:
    for number, line in enumerate(source.split("\n"), start=1):
        seen = False
        for match in _FALLBACK.finditer(line):
            kind = match.lastgroup or "op"
            if kind == "comment":
                break
            seen = True
            yield kind, match.group(), number
        if seen:
            yield "<nl>", "<nl>", number


def tokenize_source(source: str, bound: frozenset[str], *, first_line: int = 1) -> Tokens:
    """The normalised tokens of one text; ``first_line`` is the shown line of its line 1."""
    ids: list[int] = []
    lines: list[int] = []
    offset = first_line - 1
    for kind, text, line in _raw_tokens(source):
        if kind == "name":
            norm = text if text in _KEYWORDS else NAME if text in bound else text
        elif kind == "number":
            norm = NUMBER
        elif kind == "string":
            norm = STRING
        else:
            norm = text
        ids.append(token_id(norm))
        lines.append(line + offset)
    return Tokens(tuple(ids), tuple(lines))
