"""What a step's code really does, seen from inside its kernel (issue 23, part 1).

Static analysis guesses what a step reads, writes and imports; this records it. One audit hook
(``sys.addaudithook``, which cannot be removed) per kernel process appends the raw events of
interest to the current step's buffer; ``finish`` turns them into an ``Observed`` record at the
end of the step. Native code (pyarrow's Parquet, HDF5...) opens files without audit events, so
a before/after look at the project's files (size and mtime) catches what it writes; its reads
are left to the static analysis.

Kept cheap because the hook sees every audit event of the process: it tests the event name
against a frozen set first and only appends a reference to the arguments; paths are resolved
at the end. The runtime's own I/O (data store, staging files) runs inside ``paused()``. A
forked kernel starts with an empty buffer (``os.register_at_fork``). ``NOTEBOOK_OPS_OBSERVE=0``
turns observation off (for measuring its cost; see benchmarks/bench_observe.py).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from types import FrameType

from notebook_ops.kernel_side.module_origins import (
    INFRA_MODULES,
    STDLIB_MODULES,
    distributions,
    namespace_modules,
)
from notebook_ops.kernel_side.project_scan import SKIP_DIRS, scan

ENV_SWITCH = "NOTEBOOK_OPS_OBSERVE"
EVENT_CAP = 100_000  # raw events kept per step; past it ``truncated``
LIST_CAP = 2_000  # entries per list in the record
# SQLite's side files come and go with every transaction
_SIDE_SUFFIXES = ("-journal", "-wal", "-shm")
_WATCHED = frozenset(
    {
        "open",
        "os.mkdir",
        "os.rename",
        "os.remove",
        "os.rmdir",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "sqlite3.connect",
        "import",
        "subprocess.Popen",
        "os.system",
    }
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

# the current step's buffer and switches (module globals: the hook reads them on every event)
_events: list = []
_recording = False
_paused = 0
_installed = False
_step: _Step | None = None
# the run's ledger of writes (one file per step, appended by the hook as files are opened for
# writing): steps running at the same time in one project see each other's files appear in their
# before/after scans; a file another step's hook saw it write is that step's, not this one's
_ledger_fd: int | None = None
LEDGER_DIR = "observe-ledger"  # in the run folder


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def _hook(event, args, _watched=_WATCHED, _cap=EVENT_CAP):
    if event not in _watched or not _recording or _paused:
        return
    if _ledger_fd is not None and event in _LEDGERED:
        _ledger(event, args)
    if len(_events) < _cap:
        if event == "import":  # who imports: the code's own, or a library's inner import
            args = (args[0], _importer())
        _events.append((event, args))
    elif _step is not None:
        _step.overflow = True


_LEDGERED = frozenset({"open", "os.rename", "shutil.move", "shutil.copyfile", "shutil.copytree"})


def _ledger(event, args) -> None:
    """Append the path this event writes to the step's ledger file (before the write happens)."""
    try:
        if event == "open":
            if not _is_write(args[1], args[2] if len(args) > 2 else None) or isinstance(args[0], int):
                return
            raw = args[0]
        else:
            raw = args[1]
        p = os.fsdecode(raw)
        if p and p[0] != "/":
            p = os.path.join(os.getcwd(), p)
        if _ledger_fd is not None:
            os.write(_ledger_fd, os.fsencode(os.path.normpath(p)) + b"\n")
    except Exception:  # never fail the code's own I/O
        pass


def _importer() -> str:
    """Whose import this is: the nearest cell (``"__main__"``) or module body (its file) above
    it. A library's import-time imports are its own requirements' business; an import made
    inside a library's function called by the code (pandas' ``to_parquet`` importing pyarrow)
    belongs to the code, like the cell's own."""
    f: FrameType | None
    try:
        f = sys._getframe(2)
        while f is not None:
            if f.f_globals.get("__name__") == "__main__":
                return "__main__"
            code = f.f_code
            if code.co_name == "<module>" and not code.co_filename.startswith("<frozen"):
                return code.co_filename
            f = f.f_back
    except Exception:  # an exception here would fail the import itself
        return ""
    return ""


def _after_fork() -> None:
    global _recording, _paused, _step, _ledger_fd
    _events.clear()
    _recording, _paused, _step, _ledger_fd = False, 0, None, None


def install() -> None:
    """Add the process's one audit hook (once)."""
    global _installed
    if _installed:
        return
    sys.addaudithook(_hook)
    os.register_at_fork(after_in_child=_after_fork)
    _installed = True
    _wrap_shell()


def _wrap_shell() -> None:
    """``!cmd``, ``x = !cmd`` and ``%pip`` run through the shell's ``system`` / ``getoutput``
    (pexpect: a fork and exec, no ``subprocess.Popen`` event): note their commands there."""
    shell = _shell()
    if shell is None:
        return
    for name in ("system", "getoutput"):
        original = getattr(shell, name, None)
        if original is None:
            continue

        def noted(cmd, *args, _original=original, **kwargs):
            if _recording and not _paused:
                _events.append(("shell", (cmd,)))
            return _original(cmd, *args, **kwargs)

        setattr(shell, name, noted)


@contextlib.contextmanager
def paused():
    """The runtime's own I/O (data store, staged files): not the step's doing."""
    global _paused
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1


class _Step:
    """One step's observation in progress."""

    def __init__(self, step: str, root: str, ignore: tuple[str, ...]):
        self.step = step
        self.root = os.path.abspath(root)
        self.root_sep = self.root.rstrip(os.sep) + os.sep
        # a folder holding the whole project (a bundle's workspace inside its run folder) is
        # not the runtime's own
        ignore = tuple(p for p in ignore if p and not self.root_sep.startswith(os.path.abspath(p) + os.sep))
        self.cwd = os.getcwd()
        self._memo: dict = {}
        self.ignore = tuple(os.path.abspath(p) + os.sep for p in ignore if p)
        self.overflow = False
        self.ledger = ""  # the run's ledger folder (``start``)
        self.before, self.dirs_before, self.scan_truncated = scan(self.root, ignore=ignore)
        self.extensions_before = _loaded_extensions()

    def rel(self, raw) -> tuple[str | None, str | None]:
        """(project-relative path, absolute path) of an event's path argument (None, None: not
        a path we record). Memoised: a step opens the same files again and again."""
        try:
            return self._memo[raw]
        except KeyError:
            out = self._memo[raw] = self._rel(raw)
            return out
        except TypeError:  # unhashable: not a path
            return None, None

    def _rel(self, raw) -> tuple[str | None, str | None]:
        if isinstance(raw, int) or raw is None:
            return None, None
        try:
            p = os.fsdecode(raw)
        except TypeError:
            return None, None
        if p.startswith("file:"):  # sqlite URI
            p = p[5:].split("?", 1)[0]
        if not p or p == ":memory:":
            return None, None
        if p[0] == "~":
            p = os.path.expanduser(p)
        full = os.path.normpath(p if p[0] == "/" else os.path.join(self.cwd, p))
        if (full + os.sep).startswith(self.ignore):
            return None, None
        if not full.startswith(self.root_sep):
            return None, full
        rel = full[len(self.root_sep) :].replace(os.sep, "/")
        parts = rel.split("/")
        if any(part in SKIP_DIRS for part in parts[:-1]) or rel.endswith(_SIDE_SUFFIXES):
            return None, None
        return rel, full

    def restat(self, paths) -> None:
        """Files the runtime put in place (staged inputs): part of the 'before' picture."""
        for p in paths:
            rel, full = self.rel(p)
            if rel is None or full is None:
                continue
            try:
                st = os.stat(full)
            except OSError:
                continue
            self.before[rel] = (st.st_size, st.st_mtime_ns)


def _shell():
    """The IPython shell running this code, if any (IPython is never imported for it)."""
    ipython = sys.modules.get("IPython")
    try:
        return ipython.get_ipython() if ipython is not None else None
    except Exception:
        return None


def _loaded_extensions() -> set:
    shell = _shell()
    if shell is None:
        return set()
    return set(getattr(shell.extension_manager, "loaded", ()) or ())


def start(step: str, *, root: str = ".", ignore=(), ledger: str = "") -> None:
    """Begin observing ``step`` (ending the one before, in a single-kernel run, unrecorded).
    ``ledger``: the run's folder of write ledgers (``LEDGER_DIR``), "" for none (a step alone)."""
    global _recording, _step, _ledger_fd
    if not enabled():
        return
    install()
    _recording = False
    _events.clear()
    _close_ledger()
    with paused():
        _step = _Step(step, root, tuple(ignore))
        if ledger:
            try:
                os.makedirs(ledger, exist_ok=True)
                _step.ledger = ledger
                name = os.path.join(ledger, _ledger_name(step))
                _ledger_fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)
            except OSError:
                _ledger_fd = None
    _recording = True


def note_write(ledger: str, writer: str, path: str) -> None:
    """Enter in the run's ledger a file written outside any observed kernel (the runner's)."""
    os.makedirs(ledger, exist_ok=True)
    with open(os.path.join(ledger, _ledger_name(writer)), "ab") as f:
        f.write(os.fsencode(os.path.normpath(os.path.abspath(path))) + b"\n")


def _ledger_name(step: str) -> str:
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in step) + ".writes"


def _close_ledger() -> None:
    global _ledger_fd
    if _ledger_fd is not None:
        try:
            os.close(_ledger_fd)
        except OSError:
            pass
        _ledger_fd = None


def _others_wrote(st: _Step) -> set[str]:
    """Project-relative paths the other steps' ledgers say they wrote (their hooks saw it)."""
    out: set[str] = set()
    if not st.ledger:
        return out
    mine = _ledger_name(st.step)
    try:
        names = [n for n in os.listdir(st.ledger) if n.endswith(".writes") and n != mine]
    except OSError:
        return out
    for n in names:
        try:
            with open(os.path.join(st.ledger, n), "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            rel, _ = st.rel(line)
            if rel is not None:
                out.add(rel)
    return out


def restat(paths) -> None:
    if _step is not None:
        with paused():
            _step.restat(paths)


def _outside_ignored(full: str) -> bool:
    home = os.path.expanduser("~")
    prefixes = ["/dev/", "/proc/", "/sys/", os.path.join(home, ".ipython") + os.sep]
    prefixes += [os.path.join(home, ".cache") + os.sep, os.path.join(home, ".local") + os.sep]
    ipd = os.environ.get("IPYTHONDIR")
    if ipd:
        prefixes.append(os.path.abspath(ipd) + os.sep)
    return full.startswith(tuple(prefixes))


def _is_write(mode, flags) -> bool:
    if isinstance(mode, str) and mode:
        return "w" in mode or "a" in mode or "x" in mode or "+" in mode
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def _text(value) -> str:
    return os.fsdecode(value) if isinstance(value, (str, bytes, os.PathLike)) else str(value)


def _command(args) -> str:
    if isinstance(args, (list, tuple)):
        return shlex.join(_text(a) for a in args)
    return _text(args)


def finish(ns=None) -> dict | None:
    """End the current step's observation: the ``Observed`` fields (a dict; ``code_sha256``
    left for the caller), or None when nothing was observed."""
    global _recording, _step
    st = _step
    _recording = False
    if st is None:
        return None
    events = list(_events)
    _events.clear()
    _step = None
    _close_ledger()
    with paused():
        return _summarise(st, events, ns)


def _summarise(st: _Step, events: list, ns) -> dict:
    reads, writes, removed, dirs, dbs, outside = set(), set(), set(), set(), set(), set()
    modules, commands = set(), []
    written_first: set = set()

    def path_write(raw):
        rel, full = st.rel(raw)
        if rel is not None:
            writes.add(rel)
            if rel not in reads:
                written_first.add(rel)
        elif full is not None and not _outside_ignored(full):
            outside.add(full)

    def path_read(raw):
        rel, _ = st.rel(raw)
        if rel is not None:
            reads.add(rel)

    for event, args in events:
        try:
            if event == "open":
                if _is_write(args[1], args[2] if len(args) > 2 else None):
                    path_write(args[0])
                else:
                    path_read(args[0])
            elif event == "import":
                who = args[1]
                if who == "__main__" or st.rel(who)[0] is not None:  # cells, the project's code
                    modules.add(str(args[0]).split(".", 1)[0])
            elif event == "os.mkdir":
                rel, _ = st.rel(args[0])
                if rel is not None:
                    dirs.add(rel)
            elif event in ("os.remove", "os.rmdir"):
                rel, _ = st.rel(args[0])
                if rel is not None:
                    removed.add(rel)
            elif event in ("os.rename", "shutil.move"):
                rel, _ = st.rel(args[0])
                if rel is not None:
                    removed.add(rel)
                path_write(args[1])
            elif event in ("shutil.copyfile", "shutil.copytree"):
                path_read(args[0])
                path_write(args[1])
            elif event == "sqlite3.connect":
                rel, _ = st.rel(args[0])
                if rel is not None:
                    dbs.add(rel)
                    if rel in st.before:
                        reads.add(rel)
            elif event == "subprocess.Popen":
                commands.append(_command(args[1] if len(args) > 1 and args[1] else args[0]))
            elif event == "shell":
                commands.append(_command(args[0]).strip())
            elif event == "os.system":
                commands.append(_command(args[0]))
        except Exception:  # an event shaped unlike the docs say: skip it, never fail a step
            continue

    after, dirs_after, truncated_after = scan(st.root, ignore=[p.rstrip(os.sep) for p in st.ignore])
    scanned = {rel for rel, sig in after.items() if st.before.get(rel) != sig and rel not in writes}
    if scanned:  # seen only by the scan: native code's writes, or another step's running meanwhile
        scanned -= _others_wrote(st)
    writes |= scanned
    if not (st.scan_truncated or truncated_after):
        removed |= set(st.before) - set(after)
    dirs |= dirs_after - st.dirs_before
    exists = set(after)
    writes = {w for w in writes if w in exists or _exists(st.root, w)}
    removed = {r for r in removed if r not in exists and not _exists(st.root, r)}
    dirs = {d for d in dirs if os.path.isdir(os.path.join(st.root, d))}
    # a file the step made and read back is its own business, not an input; a module's source
    # read by the import system is code (``modules``), not data
    reads = {r for r in reads if r not in written_first and (r in st.before or _exists(st.root, r))}
    if reads:
        reads -= _module_files(st)
    modules |= namespace_modules(ns)
    modules = {
        m
        for m in modules
        if m and m not in STDLIB_MODULES and m not in INFRA_MODULES and not m.startswith("_")
    }
    extensions = _loaded_extensions() - st.extensions_before
    for ext in extensions:
        top = ext.split(".", 1)[0]
        if top not in STDLIB_MODULES and top not in INFRA_MODULES:
            modules.add(top)
    commands = list(dict.fromkeys(commands))  # in order, no repeats
    truncated = st.overflow or st.scan_truncated or truncated_after
    lists = {
        "reads": reads,
        "writes": writes,
        "removed": removed,
        "dirs": dirs,
        "databases": dbs,
        "modules": modules,
        "extensions": extensions,
        "outside": outside,
    }
    out: dict = {}
    for key, values in lists.items():
        items = sorted(values)
        if len(items) > LIST_CAP:
            items, truncated = items[:LIST_CAP], True
        out[key] = items
    out["commands"] = commands[:LIST_CAP]
    out["distributions"] = distributions(out["modules"])
    out["truncated"] = bool(truncated or len(commands) > LIST_CAP)
    return out


def _module_files(st: _Step) -> set[str]:
    """Project-relative source files of the modules loaded in this process."""
    out = set()
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if isinstance(f, str) and f.startswith(st.root_sep):
            out.add(f[len(st.root_sep) :].replace(os.sep, "/"))
    return out


def _exists(root: str, rel: str) -> bool:
    return os.path.isfile(os.path.join(root, rel))
