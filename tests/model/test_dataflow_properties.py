"""Properties of the data flow between steps (model/analysis.py folded by model/build.py).

Generated straight-line programs (assignments, ``+=``, ``del``, bare expressions over a few
names), split into cells and steps, are built into a pipeline; a reference computed by really
running the program step by step, each step in its own namespace that fetches a name it lacks
from the steps upstream (then the parameters and setup names), says what each step's inputs
(and their sources) and outputs must be and which reads are hidden state or undefined. Steps
rebind parameters and setup names too: a later step reads the rebound value, as top to bottom.
Adding skip or markdown cells, or an assignment nobody reads, changes none of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import given, settings, strategies as st

from nbfactory import make_notebook
from notebook_ops.model import build_pipeline
from notebook_ops.model.pipeline import Pipeline

FEW = settings(max_examples=50, deadline=None, derandomize=True, database=None)
SOME = settings(max_examples=120, deadline=None, derandomize=True, database=None)

POOL = ["a", "b", "c", "d", "e"]  # names the steps assign, reassign and delete
PARAMS = {"p": 10}  # the parameters cell; steps read and rebind these
SETUP = {"k": 20}  # the setup cell's names, likewise
FLOW_CODES = ("hidden-state", "undefined-name")


@dataclass
class Program:
    """Steps of cells of statements; ``after[i]``: explicit after: tags of step i (None: none)."""

    steps: list[list[list[str]]]
    after: list[list[int] | None]
    extras: bool = False  # a parameters cell and a setup cell first

    def cells(self) -> list:
        out: list = []
        if self.extras:
            out += [("p = 10  # a parameter", ["parameters"]), ("k = 20", ["setup"])]
        for i, (cells, after) in enumerate(zip(self.steps, self.after, strict=True)):
            tags = [f"step:s{i}"] + [f"after:s{j}" for j in after or []]
            for n, stmts in enumerate(cells):
                out.append(("\n".join(stmts), tags if n == 0 else []))
        return out

    def upstream(self) -> list[set[int]]:
        """Reference graph: explicit after: tags, else the step above; transitive."""
        ups: list[set[int]] = []
        for i, after in enumerate(self.after):
            direct = after if after else ([i - 1] if i else [])
            ups.append(set(direct).union(*(ups[j] for j in direct)))
        return ups


class Namespace(dict):
    """A step's kernel namespace: a name it lacks comes from an upstream step (an input), a
    parameter or setup name, or nowhere (recorded, read as 0 so the program runs on)."""

    def __init__(self, fetch):
        super().__init__()
        self.fetch = fetch
        self.assigned: set[str] = set()

    def __missing__(self, name):
        value, bind = self.fetch(name)
        if bind:
            dict.__setitem__(self, name, value)
        return value

    def __setitem__(self, name, value):
        self.assigned.add(name)
        super().__setitem__(name, value)

    def __delitem__(self, name):
        self.assigned.discard(name)
        super().__delitem__(name)


@dataclass
class Expected:
    sources: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # step -> inputs
    reads: dict[str, set[str]] = field(default_factory=dict)  # step -> names read before bound
    outputs: dict[str, set[str]] = field(default_factory=dict)
    flow_problems: set[tuple[str, str, str]] = field(default_factory=set)  # (code, step, name)


def reference(prog: Program) -> Expected:
    """Run the program as the pipeline runs it: steps in notebook order (a topological order:
    after: tags name steps above), each in its own namespace."""
    ups = prog.upstream()
    defines: list[dict[str, int]] = []  # per step: the names it leaves bound, with their values
    exp = Expected()
    unresolved: list[tuple[int, str]] = []
    available = {**PARAMS, **SETUP} if prog.extras else {}
    for i, cells in enumerate(prog.steps):
        name = f"s{i}"
        exp.sources[name] = []
        exp.reads[name] = set()

        def fetch(var, i=i, name=name):
            exp.reads[name].add(var)
            providers = [j for j in sorted(ups[i]) if var in defines[j]]
            if providers:
                j = providers[-1]  # the latest step upstream that left it bound
                exp.sources[name].append((var, f"s{j}"))
                return defines[j][var], True
            if var in available:  # no step upstream rebound it: the kernel's own value
                return available[var], True
            unresolved.append((i, var))
            return 0, False

        ns = Namespace(fetch)
        exec("\n".join(s for cell in cells for s in cell), {"__builtins__": {}}, ns)  # noqa: S102
        defines.append({v: ns[v] for v in ns.assigned})
    for i, var in unresolved:  # once every step ran: does a step that is not upstream define it?
        code = "hidden-state" if any(var in d for j, d in enumerate(defines) if j != i) else "undefined-name"
        exp.flow_problems.add((code, f"s{i}", var))
    exp.outputs = {f"s{i}": set() for i in range(len(prog.steps))}
    for sources in exp.sources.values():
        for var, producer in sources:
            exp.outputs[producer].add(var)
    return exp


def expression(names: list[str]) -> str:
    return " + ".join(names) or "1"


@st.composite
def chain_programs(draw) -> Program:
    """Steps one after the other; names (parameters and setup names too) reassigned,
    augmented and deleted at will."""
    extras = draw(st.booleans())
    assignable = POOL + (list(PARAMS) + list(SETUP) if extras else [])
    readable = assignable + ["undefined_x"]
    steps = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        bound: set[str] = set()
        dead: set[str] = set()  # deleted in this step: not read again here
        cells = []
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            stmts = []
            for _ in range(draw(st.integers(min_value=1, max_value=3))):
                reads = draw(st.lists(st.sampled_from([n for n in readable if n not in dead]), max_size=3))
                kind = draw(st.sampled_from(["=", "=", "+=", "expr", "del"]))
                target = draw(st.sampled_from(assignable))
                if kind == "del" and bound - dead:
                    target = draw(st.sampled_from(sorted(bound - dead)))
                    stmts.append(f"del {target}")
                    bound.discard(target)
                    dead.add(target)
                elif kind == "expr" or (kind == "+=" and target in dead):
                    stmts.append(expression(reads))
                else:
                    stmts.append(f"{target} {'+=' if kind == '+=' else '='} {expression(reads)}")
                    bound.add(target)
                    dead.discard(target)
            cells.append(stmts)
        steps.append(cells)
    return Program(steps, [None] * len(steps), extras)


@st.composite
def dag_programs(draw) -> Program:
    """Steps with after: tags naming steps above; every name assigned once in the notebook
    (so which step a reader's value comes from is never a matter of order), except the
    parameters and setup names, which steps in parallel branches may each rebind (the reader
    takes the version of the latest of them, in notebook order)."""
    n = draw(st.integers(min_value=1, max_value=6))
    extras = draw(st.booleans())
    shared = list(PARAMS) + list(SETUP) if extras else []
    per_step = [draw(st.integers(min_value=1, max_value=3)) for _ in range(n)]
    names = [f"v{i}" for i in range(sum(per_step))]
    steps, after, k = [], [], 0
    for i, count in enumerate(per_step):
        stmts = []
        for _ in range(count):
            reads = draw(st.lists(st.sampled_from(names + shared + ["undefined_x"]), max_size=3))
            target = names[k]
            if shared and draw(st.integers(0, 3)) == 0:
                target = draw(st.sampled_from(shared))
            stmts.append(f"{target} = {expression(reads)}")
            k += 1
        split = draw(st.integers(min_value=1, max_value=len(stmts)))
        steps.append([stmts[:split], stmts[split:]] if split < len(stmts) else [stmts])
        after.append(
            draw(st.none() | st.lists(st.integers(min_value=0, max_value=i - 1), max_size=2)) if i else None
        )
    return Program(steps, after, extras)


READ = re.compile(r"reads '([^']+)'")


def flow_problems(p: Pipeline) -> set[tuple[str, str, str]]:
    out = set()
    for pr in p.problems:
        if pr.code in FLOW_CODES:
            m = READ.match(pr.message)
            assert m and pr.step and pr.cell is not None and pr.hint, pr
            out.add((pr.code, pr.step, m.group(1)))
    return out


def check_against_reference(prog: Program) -> Pipeline:
    p = build_pipeline(make_notebook(prog.cells()))
    exp = reference(prog)
    assert [s.name for s in p.steps] == [f"s{i}" for i in range(len(prog.steps))]
    for s in p.steps:
        assert list(s.input_sources) == exp.sources[s.name], f"inputs of {s.name}"
        assert s.inputs == tuple(v for v, _ in exp.sources[s.name])
        assert set(s.outputs) == exp.outputs[s.name], f"outputs of {s.name}"
    assert flow_problems(p) == exp.flow_problems
    assert {pr.code for pr in p.problems} <= set(FLOW_CODES), p.problems
    return p


@SOME
@given(chain_programs())
def test_a_chain_of_steps_passes_what_running_it_passes(prog):
    p = check_against_reference(prog)
    if prog.extras:
        reads = reference(prog).reads
        for s in p.steps:
            assert set(s.parameters_read) == reads[s.name] & set(PARAMS), s.name


@SOME
@given(dag_programs())
def test_a_graph_of_steps_passes_what_running_it_passes(prog):
    p = check_against_reference(prog)
    ups = prog.upstream()
    for i, s in enumerate(p.steps):
        assert p.upstream(s.name) == {f"s{j}" for j in ups[i]}
        for var, producer in s.input_sources:  # every edge: a name read from a step upstream
            assert producer in p.upstream(s.name) and var in p.step(producer).outputs


def without_positions(p: Pipeline):
    """What the data flow says, cell numbers left out."""
    steps = [(s.name, s.after, s.input_sources, s.outputs, s.parameters_read) for s in p.steps]
    return steps, sorted((pr.code, pr.step, pr.message) for pr in p.problems if pr.code in FLOW_CODES)


noise = st.lists(st.sampled_from(POOL + ["undefined_x", "zz"]), max_size=3).flatmap(
    lambda reads: st.sampled_from(
        [f"a = {expression(reads)}", f"zz = {expression(reads)}", f"del {reads[0]}" if reads else "pass"]
    )
)


@SOME
@given(chain_programs() | dag_programs(), st.data())
def test_skip_and_markdown_cells_change_nothing(prog, data):
    cells = prog.cells()
    before = without_positions(build_pipeline(make_notebook(cells)))
    extra = data.draw(
        st.lists(st.tuples(st.integers(0, len(cells)), noise, st.booleans()), min_size=1, max_size=3)
    )
    for at, code, markdown in sorted(extra, reverse=True):
        cells.insert(at, (code, ["skip"]) if not markdown else (code, [], "markdown"))
    assert without_positions(build_pipeline(make_notebook(cells))) == before


@FEW
@given(chain_programs() | dag_programs(), st.data())
def test_a_name_nobody_reads_makes_no_edge(prog, data):
    before = without_positions(build_pipeline(make_notebook(prog.cells())))
    step = data.draw(st.integers(0, len(prog.steps) - 1))
    cell = data.draw(st.integers(0, len(prog.steps[step]) - 1))
    at = data.draw(st.integers(0, len(prog.steps[step][cell])))
    prog.steps[step][cell].insert(at, "unused_name = 1")
    assert without_positions(build_pipeline(make_notebook(prog.cells()))) == before


def test_an_augmented_assignment_reads_its_target_first():
    """The order the property above found wrong: Python loads ``d`` before it evaluates ``a``."""
    from notebook_ops.model.analysis import analyze_cell

    assert analyze_cell("d += a").events == [("read", "d"), ("read", "a"), ("def", "d")]
    assert analyze_cell("d[i] += a").events[:3] == [("read", "d"), ("read", "i"), ("read", "a")]
