"""Cell source as Python, and what it imports: the one place that reads IPython syntax.

``python_source`` turns a cell into plain Python with IPython's own input transformer
(``TransformerManager``, imported on first need: about 0.1 s, paid only by cells that hold
IPython syntax), so ``%matplotlib inline``, ``x = !ls`` and ``df?`` parse exactly as the kernel
reads them, line for line. A cell magic whose body is Python (``%%time``) keeps its body; any
other cell magic (``%%bash``) has no Python. ``imports`` lists a cell's imports (absolute and
relative, top level or nested, and whether a ``try/except ImportError`` makes them optional);
``pip_installs`` reads ``%pip install`` / ``!pip install`` lines as requirements (``pip_lines``).
Every scanner (data flow, kernel preloading, requirements, local code) goes through here, and
``cell_tree`` parses a cell once per ``one_parse()`` block (a pipeline's build): the data flow,
the files and the imports passes share the tree (parsing is most of a big notebook's cost).
"""

from __future__ import annotations

import ast
import gc
import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from notebook_ops.model.pip_lines import install_requirements

# Cell magics whose body is still Python.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_HINT = re.compile(r"^\s*[%!]|\?\s*$|=\s*[%!]", re.MULTILINE)
_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_OPTIONAL_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}

_manager = None


def _transform(source: str) -> str:
    global _manager
    if _manager is None:
        from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415 - IPython.core.inputtransformer2 costs 97 ms CPU to import, loaded on first use

        _manager = TransformerManager()
    try:
        return _manager.transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython gives up on some broken input: leave it to ast
        return source


@lru_cache(maxsize=4096)
def python_source(source: str) -> str:
    """The cell as Python the ``ast`` module parses (IPython syntax made into calls)."""
    if not _HINT.search(source):
        return source
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].lstrip()[2:].split(None, 1)
        if not words or words[0] not in PYTHON_CELL_MAGICS:
            return ""
        lines[first] = ""
        source = "\n".join(lines)
        if not _HINT.search(source):
            return source
    out = _transform(source)
    # the transformer ends the cell with a newline; keep the caller's line count
    return out[:-1] if out.endswith("\n") and not source.endswith("\n") else out


@dataclass(frozen=True)
class ImportRef:
    """One imported module: ``import a.b`` -> ``a.b``; ``from .x import y`` -> level 1, ``x``."""

    module: str  # dotted name as written ("" for ``from . import x``)
    level: int = 0  # leading dots of a relative import
    names: tuple[str, ...] = ()  # what ``from`` imports (may be submodules)
    line: int = 0
    top_level: bool = True  # at module level (not inside a function, class, or block)
    optional: bool = False  # inside ``try`` with an ``except ImportError`` (or broader)

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


def _catches_import_error(node: ast.Try) -> bool:
    for h in node.handlers:
        if h.type is None:
            return True
        kinds = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        if any(isinstance(k, ast.Name) and k.id in _OPTIONAL_ERRORS for k in kinds):
            return True
    return False


def _walk(body, out: list[ImportRef], top: bool, optional: bool) -> None:
    for node in body:
        if isinstance(node, ast.Import):
            out += [ImportRef(a.name, 0, (), node.lineno, top, optional) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append(
                ImportRef(
                    node.module or "",
                    node.level or 0,
                    tuple(a.name for a in node.names),
                    node.lineno,
                    top,
                    optional,
                )
            )
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":  # try / try-except*
            _walk(node.body, out, False, optional or _catches_import_error(node))
            for part in [h.body for h in node.handlers] + [node.orelse, node.finalbody]:
                _walk(part, out, False, True if part is not node.finalbody else optional)
        else:
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                child = getattr(node, name, None)
                if isinstance(child, list):
                    _walk([c for c in child if isinstance(c, ast.AST)], out, False, optional)


_IMPORT_RE = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import|import\s+([\w., ]+))", re.M)


def _scan_text(code: str) -> list[ImportRef]:
    """Code that does not parse: its import lines, read with a regex (nothing is lost)."""
    out = []
    for m in _IMPORT_RE.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        names = (
            [m.group(1)]
            if m.group(1)
            else [p.strip().split(" ")[0] for p in m.group(2).split(",") if p.strip()]
        )
        out += [ImportRef(n, 0, (), line) for n in names if _MODULE_RE.match(n)]
    return out


def parse_imports(code: str) -> list[ImportRef]:
    """Imports of plain Python ``code`` (a module file), in order (a regex if it won't parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _scan_text(code)
    out: list[ImportRef] = []
    _walk(tree.body, out, True, False)
    return out


_TREES: ContextVar[dict | None] = ContextVar("notebook_ops_cell_trees", default=None)
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)  # null bytes, absurd nesting


@contextmanager
def one_parse():
    """Within this block (and the blocks it holds) ``cell_tree`` parses each source once. The
    cycle collector waits meanwhile (cycles made then are collected after): the trees are many
    long-lived objects it would scan again and again. Measured (issue 29, benchmarks/bench_inspect.py's
    10,000-cell notebook, best of 3, CPU): 2.35 s with the collector paused, 3.92 s without."""
    if _TREES.get() is not None:
        yield
        return
    token, collecting = _TREES.set({}), gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _TREES.reset(token)
        if collecting:
            gc.enable()


def cell_tree(source: str) -> ast.Module:
    """The cell's tree (IPython syntax made Python); raises one of ``PARSE_ERRORS``. The tree is
    shared: read it, never change it."""
    trees = _TREES.get()
    if trees is None:
        return ast.parse(python_source(source))
    got = trees.get(source)
    if got is None:
        try:
            got = ast.parse(python_source(source))
        except PARSE_ERRORS as exc:
            got = exc
        trees[source] = got
    if isinstance(got, BaseException):
        raise got
    return got


@lru_cache(maxsize=4096)
def _cell_imports(source: str) -> tuple[ImportRef, ...]:
    try:
        tree = cell_tree(source)
    except PARSE_ERRORS:
        return tuple(_scan_text(python_source(source)))
    out: list[ImportRef] = []
    _walk(tree.body, out, True, False)
    return tuple(out)


def imports(source: str) -> list[ImportRef]:
    """Imports of a notebook cell (IPython syntax allowed)."""
    return list(_cell_imports(source))


def top_level_modules(sources) -> list[str]:
    """Absolute modules imported at the top level of these cells, in first-seen order
    (``import a.b`` -> ``a.b``; ``from a.b import c`` -> ``a.b``): what a kernel can preload."""
    mods: list[str] = []
    for src in sources:
        for ref in _cell_imports(src):
            if ref.top_level and not ref.level and _MODULE_RE.match(ref.module) and ref.module not in mods:
                mods.append(ref.module)
    return mods


def third_party_modules(sources) -> set[str]:
    """Top-level names of every absolute import in these cells and of the IPython extensions
    they load (``%load_ext``), without the standard library."""
    found = {ref.top for src in sources for ref in _cell_imports(src) if not ref.level and ref.top}
    found |= {m for src in sources for m in loaded_extensions(src)}
    return found - set(sys.stdlib_module_names) - {"__future__"}


def pip_installs(source: str, base=None) -> list[str]:
    """Requirements a cell installs with ``%pip install`` / ``!pip install`` lines, read as pip
    reads them (``pip_lines``); ``base``: the folder ``-r FILE`` is read from (the notebook's)."""
    if "pip" not in source:
        return []

    reqs: list[str] = []
    for attr, args in _magic_calls(source):
        if attr == "run_line_magic" and len(args) == 2 and args[0] == "pip":
            reqs += install_requirements("pip " + args[1], base)
        elif attr in ("system", "getoutput") and len(args) == 1:
            reqs += install_requirements(args[0], base)
    return reqs


# IPython's own extensions: ``%load_ext autoreload`` needs no distribution
IPYTHON_EXTENSIONS = frozenset({"autoreload", "storemagic"})


def loaded_extensions(source: str) -> list[str]:
    """Top-level modules a cell loads as IPython extensions (``%load_ext line_profiler``): they
    must be installed like an import."""
    if "load_ext" not in source:
        return []
    out: list[str] = []
    for attr, args in _magic_calls(source):
        if attr == "run_line_magic" and len(args) == 2 and args[0] in ("load_ext", "reload_ext"):
            for name in args[1].split():
                top = name.split(".")[0]
                if _MODULE_RE.match(name) and top not in IPYTHON_EXTENSIONS and top not in out:
                    out.append(top)
    return out


def _magic_calls(source: str) -> list[tuple[str, list[str]]]:
    """``(method, literal string arguments)`` of the cell's ``get_ipython().X(...)`` calls."""
    try:
        tree = cell_tree(source)
    except PARSE_ERRORS:
        return []
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.args
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
        ):
            out.append((node.func.attr, [str(a.value) for a in node.args if isinstance(a, ast.Constant)]))
    return out
