"""The catalogue of error messages the app can show: ``python resources/i18n/errors.py [--check]``.

Errors a user can cause are ``MojiyomiError``s raised in ``core/`` and ``training/`` with English
messages (the CLI prints them as they are). The app shows them translated: this script reads every
message those modules can raise, with the ``ast`` module, and keeps ``errors_ja.json``
(``{"terms": {English template: Japanese template}, "messages": {...}}``) in step with them;
``desktop/i18n.py`` matches an error's text against the templates and fills the Japanese one.

A template is the message with each f-string field written ``{expression}`` (``{path}``,
``{len(text):,}``) and literal braces doubled. The Japanese template must use the same fields; a
field's text is kept as it is (a path, a number), except that a field whose text is itself in the
catalogue (a nested error, a ``what`` such as "picture") is translated too. So the catalogue also
holds the *terms*, under ``"terms"``: the words passed as ``what`` to the ``core.safeio`` readers, the
phrases kept in a variable that a message shows (``left_out``, "" or " (the samples of ... were left
out ...)"), and the words returned by a module's helpers that a message calls (``_kind(mode)`` → "a
FIFO"). The app tries the terms first where a message says ``{what}`` (so "samples database" is read
as one term), and a field right after another field (``{count}{left_out}``) can only be a term or
nothing.

Run without options after changing a message: new templates are added with an empty translation
(fill them in), templates no longer raised are dropped, translations already there are kept.
``--check`` writes nothing and fails (exit 1) when a template has no translation, a translation's
fields differ from its template's, an entry is no longer raised, or a message cannot be read.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CATALOGUE = HERE / "errors_ja.json"
#: The packages whose errors reach the app (the desktop only shows their text).
SOURCES = ("core", "training")
#: Classes besides the errors whose first argument the app shows: a training job's end, as the child reports it.
SHOWN = ("Cancelled", "ErrorEvent", "CancelledEvent")
#: Parameters whose argument is a word that goes inside a message ("the {what} {path} ...").
TERM_PARAMETERS = ("what",)
#: A field of a template: ``{expression}``; ``{{`` and ``}}`` are literal braces.
FIELD = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")
#: Text in a variable that is words to translate (not a file name such as "metadata.json").
_PHRASE = re.compile(r"[a-z]+|.*[A-Za-z]{2,} [A-Za-z]{2,}.*", re.DOTALL)


@dataclass
class Catalogue:
    """What the sources can raise.

    Attributes:
        templates: Every message and term template, in the order first met (file by file).
        terms: The templates that name or describe a value inside a message: ``what`` arguments, phrases
            kept in a variable, the words a helper returns.
        problems: Messages that cannot be read as templates, as ``file:line: why``.
    """

    templates: list[str] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def add(self, template: str, term: bool = False) -> None:
        if not FIELD.sub("", template):
            return  # only fields: nothing to translate ("{path}: {exc}" is kept: its fields may be)
        if template not in self.templates:
            self.templates.append(template)
        if term:
            self.terms.add(template)

    def sections(self, translations: dict[str, str]) -> dict[str, dict[str, str]]:
        """The catalogue file's content: ``translations`` of the terms and of the messages."""
        return {"terms": {t: translations.get(t, "") for t in self.templates if t in self.terms},
                "messages": {t: translations.get(t, "") for t in self.templates if t not in self.terms}}


def fields(template: str) -> list[str]:
    """The field expressions of ``template``, in order."""
    return [m.group(1) for m in FIELD.finditer(template) if m.group(1)]


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _field(node: ast.expr, conversion: int = -1, spec: ast.expr | None = None) -> str:
    label = ast.unparse(node) + (f"!{chr(conversion)}" if conversion != -1 else "")
    if spec is not None:
        label += ":" + "".join(str(v.value) if isinstance(v, ast.Constant) else "{" + ast.unparse(v) + "}"
                               for v in getattr(spec, "values", []))
    # A field's label is only a name for the translator: braces in it (a set, a dict) would end it.
    return "{" + label.replace("{", "(").replace("}", ")") + "}"


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """``MojiyomiError``, the ``SHOWN`` classes and every class in the sources derived from them (by name)."""
    names = {"MojiyomiError", *SHOWN}
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        _name(base) in names for base in node.bases):
                    names.add(node.name)
                    grown = True
    return names


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_text(node: ast.expr) -> bool:
    """A string literal, an f-string, or a sum with one of them."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


class _Reader(ast.NodeVisitor):
    """Collects the message templates and terms of one module."""

    def __init__(self, where: str, tree: ast.Module, errors: set[str], own_init: set[str], term_calls: dict[str, int],
                 catalogue: Catalogue) -> None:
        self.where, self.tree, self.errors, self.term_calls, self.catalogue = where, tree, errors, term_calls, catalogue
        self.own_init = own_init
        self.scopes: list[ast.AST] = [tree]
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def problem(self, node: ast.AST, why: str) -> None:
        self.catalogue.problems.append(f"{self.where}:{getattr(node, 'lineno', 0)}: {why}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.scopes.append(node)
        for arg, default in zip(node.args.args[::-1], node.args.defaults[::-1]):
            if arg.arg in TERM_PARAMETERS:
                self.term(default)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if self.raises(node):
            if node.args:
                self.message(node.args[0])
            else:
                self.problem(node, "an error raised without a message")
        position = self.term_calls.get(_name(node.func) or "")
        if position is not None:
            term = [k.value for k in node.keywords if k.arg in TERM_PARAMETERS]
            self.term(term[0] if term else node.args[position] if len(node.args) > position else None)
        self.generic_visit(node)

    def raises(self, node: ast.Call) -> bool:
        """An error made here: ``SomeError(...)``, ``error(...)`` (a class passed in) or ``super().__init__``."""
        name = _name(node.func)
        if name in self.errors:
            return name not in self.own_init  # its arguments are data; its __init__ words the message
        function = next((s for s in reversed(self.scopes) if isinstance(s, ast.FunctionDef)), None)
        if isinstance(node.func, ast.Name) and function is not None and any(
                a.arg == name and a.annotation is not None and "Error" in ast.unparse(a.annotation)
                for a in function.args.args):
            return True
        owner = next((s for s in reversed(self.scopes) if isinstance(s, ast.ClassDef)), None)
        return (name == "__init__" and isinstance(node.func, ast.Attribute) and owner is not None
                and owner.name in self.errors and ast.unparse(node.func.value) == "super()")

    def term(self, node: ast.expr | None) -> None:
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return
        if isinstance(node, ast.Name):
            return  # passed on from a caller, whose own argument is read there
        for template in self.templates(node):
            self.catalogue.add(template, term=True)

    def message(self, node: ast.expr) -> None:
        if isinstance(node, ast.IfExp):
            self.message(node.body)
            self.message(node.orelse)
            return
        if isinstance(node, ast.Call) and _name(node.func) == "str":
            return  # another error's text, passed on: its own site is read
        for template in self.templates(node):
            if FIELD.sub("", template).strip():
                self.catalogue.add(template)
            else:
                self.problem(node, f"the message {template} has no text of its own: write it where it is raised")

    def templates(self, node: ast.expr) -> list[str]:
        """The templates an expression can evaluate to."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [_escape(node.value)]
        if isinstance(node, ast.JoinedStr):
            text = ""
            for value in node.values:
                if isinstance(value, ast.Constant):
                    text += _escape(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    inline = self.inline(value)
                    if inline is None:
                        text += _field(value.value, value.conversion, value.format_spec)
                        self.helper_terms(value.value)
                    else:
                        text += inline
            return [text]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return [a + b for a in self.templates(node.left, ) for b in self.templates(node.right)]
        if isinstance(node, ast.IfExp):
            return self.templates(node.body) + self.templates(node.orelse)
        if isinstance(node, ast.Name):
            values = self.assigned(node.id)
            if values:
                return [t for v in values for t in self.templates(v)]
            self.problem(node, f"the message {node.id} is not assigned in this function or module")
            return []
        if isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
            self.helper_terms(node)
            return [_field(node)]
        self.problem(node, f"cannot read the message {ast.unparse(node)[:60]!r}")
        return []

    def inline(self, value: ast.FormattedValue) -> str | None:
        """The template of a field that shows a text assigned once (``ONNX_MISSING``), to write in its place."""
        if not isinstance(value.value, ast.Name) or value.conversion != -1 or value.format_spec is not None:
            return None
        assigned = self.assigned(value.value.id)
        found = self.templates(assigned[0]) if len(assigned) == 1 and _is_text(assigned[0]) else []
        return found[0] if len(found) == 1 else None

    def assigned(self, name: str) -> list[ast.expr]:
        """The values assigned to ``name`` in the innermost function, else at module level (not a parameter's)."""
        for scope in reversed(self.scopes):
            if isinstance(scope, ast.FunctionDef) and name in {a.arg for a in scope.args.args + scope.args.kwonlyargs}:
                return []
            if isinstance(scope, (ast.FunctionDef, ast.Module)):
                body = ast.walk(scope) if isinstance(scope, ast.FunctionDef) else iter(scope.body)
                found = [n.value for n in body if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None
                         and any(isinstance(t, ast.Name) and t.id == name
                                 for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
                if found:
                    return found
        return []

    def helper_terms(self, node: ast.expr) -> None:
        """The words a field shows: a phrase kept in a variable, or returned by a helper of this module."""
        if isinstance(node, ast.Name):
            values = self.assigned(node.id)
            while any(isinstance(v, ast.IfExp) for v in values):
                values = [b for v in values for b in ((v.body, v.orelse) if isinstance(v, ast.IfExp) else (v,))]
            for value in values:
                if _is_text(value):
                    for template in self.templates(value):
                        if _PHRASE.fullmatch(FIELD.sub("", template)):
                            self.catalogue.add(template, term=True)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
            for ret in ast.walk(self.functions[node.func.id]):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Constant) and isinstance(
                        ret.value.value, str):
                    self.catalogue.add(_escape(ret.value.value), term=True)


def _term_calls(trees: dict[Path, ast.Module]) -> dict[str, int]:
    """Functions with a term parameter: name → its position."""
    found = {}
    for tree in trees.values():
        methods = {id(f) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.args]
                for term in TERM_PARAMETERS:
                    if term in names:
                        found[node.name] = names.index(term) - (1 if id(node) in methods else 0)
    return found


def read_sources(repo: Path = REPO) -> Catalogue:
    """Every message template and term the sources can raise."""
    paths = sorted(p for folder in SOURCES for p in (repo / folder).rglob("*.py") if "__pycache__" not in p.parts)
    trees = {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in paths}
    errors, term_calls = _error_classes(trees), _term_calls(trees)
    own_init = {c.name for tree in trees.values() for c in ast.walk(tree) if isinstance(c, ast.ClassDef)
                and c.name in errors and any(isinstance(f, ast.FunctionDef) and f.name == "__init__" for f in c.body)}
    catalogue = Catalogue()
    for path, tree in trees.items():
        _Reader(path.relative_to(repo).as_posix(), tree, errors, own_init, term_calls, catalogue).visit(tree)
    return catalogue


def load(path: Path = CATALOGUE) -> dict[str, str]:
    """The catalogue file's terms and messages together: ``{English template: Japanese template}``."""
    sections = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {**sections.get("messages", {}), **sections.get("terms", {})}


def check(catalogue: Catalogue, translations: dict[str, str]) -> list[str]:
    """What is wrong with ``translations`` for the templates in ``catalogue``, one line each."""
    wrong = list(catalogue.problems)
    for template in catalogue.templates:
        japanese = translations.get(template, "")
        if not japanese.strip():
            wrong.append(f"untranslated: {template!r}")
        elif sorted(set(fields(japanese))) != sorted(set(fields(template))):
            wrong.append(f"fields differ: {template!r} → {japanese!r}")
    wrong += [f"no longer raised: {t!r}" for t in translations if t not in catalogue.templates]
    return wrong


def main(argv: list[str]) -> int:
    catalogue = read_sources()
    translations = load()
    if "--check" not in argv:
        sections = catalogue.sections(translations)
        CATALOGUE.write_text(json.dumps(sections, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        translations = {**sections["messages"], **sections["terms"]}
    wrong = check(catalogue, translations)
    for line in wrong:
        print(line)
    print(f"{len(catalogue.templates)} templates, {len(wrong)} to fix")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
