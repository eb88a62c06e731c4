"""File paths a cell names literally, and whether it reads or writes them (``ast``).

A path is literal when it is built from string literals only: ``"data/train.csv"``,
``f"data/{'x'}.csv"`` without names, ``os.path.join("data", "x.csv")``, ``Path("data") / "x"``,
``str(...)``, ``.resolve()``, ``os.path.abspath(...)``, or a name bound once, earlier in the
notebook, to such a value (``DATA = Path("data")``). A call is a read or a write by its name
(``pd.read_csv``, ``np.load``, ``open(p)`` / ``open(p, "w")``, ``df.to_parquet``,
``joblib.dump``, ``plt.savefig``, ``Path.read_text``...); every literal path among its
arguments (or its receiver, for ``Path`` methods) is what it reads or writes. A SQLite file
(``sqlite3.connect(path)``, ``create_engine("sqlite:///path")``) is read and written: ``update``.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass

READERS = frozenset(
    {
        "read_csv",
        "read_table",
        "read_parquet",
        "read_json",
        "read_excel",
        "read_feather",
        "read_pickle",
        "read_hdf",
        "read_orc",
        "read_sas",
        "read_stata",
        "read_spss",
        "read_fwf",
        "read_xml",
        "read_html",
        "load",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "imread",
        "load_workbook",
        "read_text",
        "read_bytes",
        "read_file",
        "read_sql",
        "load_dataset",
        "read_image",
        "ExcelFile",
        "load_npz",
        "read_csv_auto",
        "scan_csv",
        "scan_parquet",
        "loadmat",
        "TextFileReader",
    }
)
WRITERS = frozenset(
    {
        "to_csv",
        "to_parquet",
        "to_json",
        "to_excel",
        "to_pickle",
        "to_feather",
        "to_hdf",
        "to_orc",
        "to_stata",
        "to_html",
        "to_xml",
        "savefig",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "dump",
        "write_text",
        "write_bytes",
        "imwrite",
        "imsave",
        "save_model",
        "to_file",
        "write_csv",
        "write_parquet",
        "tofile",
        "savemat",
    }
)
# calls that name a path without reading it
NOT_READS = frozenset(
    {
        "makedirs",
        "mkdir",
        "exists",
        "isfile",
        "isdir",
        "islink",
        "remove",
        "unlink",
        "rmtree",
        "rmdir",
        "chdir",
        "join",
        "print",
        "listdir",
        "getsize",
        "stat",
        "rename",
        "replace",
        "touch",
        "log_artifact",
        "Path",
        "PurePath",
        "str",
        "abspath",
        "realpath",
        "normpath",
        "dirname",
        "basename",
        "splitext",
        "expanduser",
        "format",
        "startswith",
        "endswith",
        # str methods whose argument is a separator or a piece of text, not a file
        "split",
        "rsplit",
        "partition",
        "rpartition",
        "strip",
        "lstrip",
        "rstrip",
        "removeprefix",
        "removesuffix",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
    }
)
# modules whose connect(path) opens a database file; calls that take a SQLite URL (mode)
DATABASE_MODULES = frozenset({"sqlite3", "sqlite", "duckdb", "dbapi2"})
DATABASE_CALLS = {
    "create_engine": "update",
    "to_sql": "update",
    "read_sql": "read",
    "read_sql_query": "read",
    "read_sql_table": "read",
    "read_database": "read",
}
_PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"})
_PATH_CTORS = frozenset({"Path", "PurePath", "PosixPath", "PurePosixPath"})
_OS_WRAPPERS = frozenset({"abspath", "realpath", "normpath", "expanduser", "fspath", "str"})


@dataclass(frozen=True)
class PathUse:
    path: str  # as the code names it, normalised (relative to the kernel's folder, or absolute)
    # "read" | "write" | "maybe" (a read if the file exists) | "update" (read if it exists, then
    # written: a database file) | "syspath"
    mode: str
    line: int


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def literal_path(node: ast.AST, env: dict) -> str | None:
    """The path ``node`` evaluates to when built from literals only, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                inner = literal_path(v.value, env)
                if inner is None:
                    return None
                parts.append(inner)
            else:
                return None
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        left, right = literal_path(node.left, env), literal_path(node.right, env)
        if left is None or right is None:
            return None
        return posixpath.join(left, right) if isinstance(node.op, ast.Div) else left + right
    if isinstance(node, ast.Call):
        fn = _name(node.func)
        if (
            isinstance(node.func, ast.Attribute)
            and fn in ("resolve", "absolute", "expanduser")
            and not node.args
        ):
            return literal_path(node.func.value, env)
        found = [literal_path(a, env) for a in node.args]
        args = [a for a in found if a is not None]
        if node.keywords or len(args) < len(found) or not args:
            return None
        if fn == "join" or fn in _PATH_CTORS:
            return posixpath.join(*args)
        if fn in _OS_WRAPPERS and len(args) == 1:
            return args[0]
    return None


def _keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def _open_mode(mode) -> str:
    text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
    return "write" if any(c in text for c in "wax") else "read"


def _uses_of_call(call: ast.Call, env: dict) -> list[tuple[str, str]]:
    fn = _name(call.func)
    if fn is None:
        return []
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if fn in _PATH_METHODS and isinstance(receiver, (ast.Call, ast.BinOp, ast.Name)):
        p = literal_path(receiver, env)  # Path("x").read_text(), (DATA / "y").open("w")
        if p is not None and _plausible(p):
            if fn == "open":
                return [(p, _open_mode(call.args[0] if call.args else _keyword(call, "mode")))]
            return [(p, "read" if fn.startswith("read") else "write")]
    if fn in ("glob", "iglob", "rglob"):  # glob.glob("data/*.csv"), Path("data").glob("*")
        if fn != "rglob" and (receiver is None or _name(receiver) == "glob") and call.args:
            pattern = literal_path(call.args[0], env)
            folder = _glob_folder(pattern) if pattern else None
        else:
            folder = literal_path(receiver, env) if receiver is not None else None
        return [(folder, "read")] if folder else []
    if fn == "open" and (receiver is None or _name(receiver) in ("io", "gzip", "bz2", "lzma")):
        p = literal_path(call.args[0], env) if call.args else None
        mode = call.args[1] if len(call.args) > 1 else _keyword(call, "mode")
        return [(p, _open_mode(mode))] if p is not None else []
    db = _database_uses(call, fn, receiver, env)
    if db is not None:
        return db
    # any other call given an existing file reads it, maybe (a helper such as load(path))
    mode = "read" if fn in READERS else "write" if fn in WRITERS else None if fn in NOT_READS else "maybe"
    if mode is None:
        return []
    values = [literal_path(a, env) for a in call.args]
    values += [literal_path(k.value, env) for k in call.keywords if k.arg]
    return [(v, mode) for v in values if v is not None and _plausible(v)]


def _sqlite_url_path(value: str | None) -> str | None:
    """``sqlite:///logs/logs.db`` -> ``logs/logs.db`` (SQLAlchemy's URL: three slashes and a
    relative path, four for an absolute one); None for any other value or an in-memory one."""
    if not value or not value.startswith("sqlite") or ":///" not in value:
        return None
    path = value.split(":///", 1)[1].split("?", 1)[0]
    return path if path and path != ":memory:" else None


def _database_uses(call: ast.Call, fn: str, receiver, env: dict) -> list[tuple[str, str]] | None:
    """A SQLite file a call opens: read and written by the step that opens it (``update``).
    ``sqlite3.connect("logs/logs.db")``, ``create_engine("sqlite:///logs/logs.db")``,
    ``df.to_sql(name, "sqlite:///x.db")``, ``pd.read_sql(q, "sqlite:///x.db")``. None: not one."""
    if fn == "connect" and (receiver is None or _name(receiver) in DATABASE_MODULES) and call.args:
        p = literal_path(call.args[0], env)
        if p is None or p == ":memory:" or p.startswith("file:") or _keyword(call, "uri") is not None:
            return []
        return [(p, "update")]
    if fn in DATABASE_CALLS:
        values = [literal_path(a, env) for a in call.args]
        values += [literal_path(k.value, env) for k in call.keywords if k.arg in ("con", "url")]
        found = [p for p in map(_sqlite_url_path, values) if p]
        # a query, a table name, another database's URL: no file
        return [(p, DATABASE_CALLS[fn]) for p in found]
    return None


def _sys_path_entry(node: ast.Call, env: dict) -> list[tuple[str, str]]:
    """``sys.path.insert(i, X)`` / ``sys.path.append(X)`` with a literal folder X."""
    f = node.func
    if (
        isinstance(f, ast.Attribute)
        and f.attr in ("insert", "append")
        and node.args
        and isinstance(f.value, ast.Attribute)
        and f.value.attr == "path"
        and isinstance(f.value.value, ast.Name)
        and f.value.value.id == "sys"
    ):
        p = literal_path(node.args[-1], env)
        return [(p, "syspath")] if p is not None else []
    return []


def _glob_folder(pattern: str) -> str | None:
    """The folder a glob pattern lists: its path before the first wildcard."""
    parts = pattern.replace("\\", "/").split("/")
    fixed = []
    for part in parts:
        if any(c in part for c in "*?["):
            break
        fixed.append(part)
    else:
        return None
    return "/".join(fixed) or "."


def _plausible(value: str) -> bool:
    """A string that names a file: not empty, one line, not a URL, not a format or a mode."""
    if not value or "\n" in value or "://" in value or len(value) > 400:
        return False
    if not value.strip("/.\\ "):  # "/", "./", "..": a separator or a folder marker, no file
        return False
    return "/" in value or "." in posixpath.basename(value)


def normalise(path: str) -> str:
    """``./data//x.csv`` -> ``data/x.csv``; ``~`` kept; absolute paths stay absolute."""
    return posixpath.normpath(path.replace("\\", "/")) if path else path


def scan(tree: ast.Module, env: dict) -> list[PathUse]:
    """Literal paths read and written by ``tree`` (a parsed cell), in order, updating ``env``:
    a name bound at the top level to a literal path maps to it, any other binding to None."""
    uses: list[PathUse] = []
    for stmt in tree.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                for p, mode in _sys_path_entry(node, env) or _uses_of_call(node, env):
                    uses.append(PathUse(normalise(p), mode, node.lineno))
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = (
                literal_path(stmt.value, env)
                if isinstance(stmt, ast.Assign) and len(targets) == 1 and isinstance(targets[0], ast.Name)
                else None
            )
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        env[n.id] = value  # None: no longer a literal path
    return uses
