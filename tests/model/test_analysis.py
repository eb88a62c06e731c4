"""Data flow of cells: reads before defines, nested scopes, magics."""

import keyword

from hypothesis import given, settings, strategies as st

from notebook_ops.model.analysis import BUILTINS, analyze_cell, step_flow, strip_magics


def ext(*sources):
    sf = step_flow([(i, analyze_cell(s)) for i, s in enumerate(sources)])
    return [n for n in sf.external_reads if n not in BUILTINS], sf.late_reads, sf.defines


def test_read_before_define_in_order_across_cells():
    reads, late, defs = ext("a = b + 1", "b = 2\nc = a + b")
    assert reads == ["b"] and defs == {"a", "b", "c"}


def test_imports_def_class():
    reads, late, defs = ext(
        "import os.path\nimport numpy as np\nfrom math import sqrt as root, pi\n"
        "def f(x, y=default):\n    return x + helper(y) + gvar\n"
        "def helper(v):\n    return v\n"
        "@decorate\nclass K(Base, metaclass=Meta):\n    attr = classconst\n"
        "    def m(self):\n        return method_global\n"
    )
    assert set(reads) == {"default", "decorate", "Base", "Meta", "classconst"}
    assert late == {"gvar", "method_global"}  # helper is defined in the step: not external
    assert {"os", "np", "root", "pi", "f", "helper", "K"} <= defs


def test_comprehension_scopes_and_walrus():
    reads, late, defs = ext(
        "xs = [i * k for i in range(n) if (m := i) > t]\n"
        "d = {a: b for a, b in pairs}\ng = (z for z in zs)\nprint(i)"
    )
    assert reads == ["n", "k", "t", "pairs", "zs", "i"]  # i of the comprehension does not leak
    assert "m" in defs and "a" not in defs and "z" not in defs


def test_global_augmented_del_for_with_except_match():
    reads, late, defs = ext(
        "def setg():\n    global counter\n    counter = 1\n",
        "total += 1\n",
        "del scratch\n",
        "for i, (j, k) in enumerate(rows):\n    pass\n",
        "with open(path) as fh, lock:\n    pass\n",
        "try:\n    pass\nexcept ValueError as err:\n    e2 = err\n",
        "match point:\n    case (px, *rest):\n        pass\n    case {'k': kv, **others}:\n        pass\n",
    )
    assert reads == ["total", "scratch", "rows", "path", "lock", "point"]
    assert {"counter", "setg", "total", "i", "j", "k", "fh", "e2", "px", "rest", "kv", "others"} <= defs
    assert "scratch" not in defs and "err" not in defs  # deleted / cleared after the handler


def test_lambda_and_annotations():
    reads, late, defs = ext("f = lambda v, w=wd: v + outer\nx: int = 3\ny: SomeType\n")
    assert reads == ["wd"] and late == {"outer"}
    assert "x" in defs and "y" not in defs


def test_nested_function_free_names_and_nonlocal():
    reads, late, defs = ext(
        "def outer():\n    a = 1\n    def inner():\n        nonlocal a\n        a += b\n    return inner\n"
    )
    assert reads == [] and late == {"b"}


def test_magics_and_shell_lines_still_parse():
    src = "%matplotlib inline\n!pip list\nfiles = !ls\nt = %time compute(x)\nnp?\nz = x != 1\ny = x % 2\n"
    flow = analyze_cell(src)
    assert flow.syntax_error is None
    # IPython's transformer turns magics into get_ipython() calls (a builtin for the analysis)
    reads = [n for k, n in flow.events if k == "read" and n not in BUILTINS]
    assert reads == ["x", "x"] and {"files", "t", "z", "y"} <= flow.defines
    assert strip_magics("%%bash\necho hi") == ""
    assert analyze_cell("%%time\nq = r + 1").reads == {"r"}


def test_syntax_error_reported_with_line():
    flow = analyze_cell("x = 1\ny = (\n")
    assert flow.syntax_error and flow.syntax_error[1] >= 2


def test_star_import_flagged():
    assert analyze_cell("from os import *").star_import


names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and n not in BUILTINS
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, st.lists(names, max_size=3)), min_size=1, max_size=8))
def test_straight_line_assignments_match_a_reference(program):
    """For straight-line ``t = a + b`` code, external reads are exactly the names read before any
    assignment."""
    lines, bound, expected = [], set(), []
    for target, used in program:
        lines.append(f"{target} = " + (" + ".join(used) if used else "0"))
        for u in used:
            if u not in bound and u not in expected:
                expected.append(u)
        bound.add(target)
    reads, _, defs = ext("\n".join(lines))
    assert reads == expected and defs == bound


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_never_crashes_on_arbitrary_text(text):
    flow = analyze_cell(text)
    assert flow.syntax_error is not None or isinstance(flow.events, list)
