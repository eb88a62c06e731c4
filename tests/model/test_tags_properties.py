"""Properties of the tag grammar (model/tags.py, model/editing.py; DESIGN.md "Tag grammar").

A cell's tags, rendered by a reference renderer written here from what ``parse_cell_tags``
returns, parse back to the same value for any valid names, after-lists, roles and Kale options;
tag order, repeats and unrelated tags change nothing; any text at all parses without raising,
and every problem a bad tag causes names its cell and says how to fix it.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings, strategies as st

from nbfactory import make_notebook
from notebook_ops.errors import NotebookOpsError
from notebook_ops.model import build_pipeline
from notebook_ops.model.editing import is_pipeline_tag, pipeline_tags, retag_cell
from notebook_ops.model.tags import NAME_RE, CellTags, parse_cell_tags, slug, valid_name

# deterministic and database-less: the shared CI sees the same examples every run
FEW = settings(max_examples=60, deadline=None, derandomize=True, database=None)
SOME = settings(max_examples=100, deadline=None, derandomize=True, database=None)

KEYS = ("step", "block", "after", "prev", "image", "cache", "limit", "annotation", "label", "notebook")
ROLE_SPELLINGS = {
    "parameters": ("parameters", "pipeline-parameters"),
    "setup": ("setup", "imports", "functions"),
    "skip": ("skip",),
    "metrics": ("pipeline-metrics",),
}
KEBAB = re.compile(r"[a-z]+(-[a-z]+)*")

names = st.from_regex(NAME_RE, fullmatch=True)
# text with the characters tags hold in practice plus some that are not (space, ':', unicode)
tag_text = st.text(alphabet=string.ascii_letters + string.digits + "_-.:/ éü\u00a0", max_size=20)
# a value written after a key: the grammar strips the whole tag, so it has no trailing whitespace
values = tag_text.map(str.rstrip)
no_colon = st.text(alphabet=string.ascii_letters + string.digits + "_-./ é", min_size=1, max_size=12)
invalid_names = st.text(min_size=1, max_size=70).filter(
    lambda s: not valid_name(s) and s == s.rstrip() and s.strip() not in ("", *ROLE_SPELLINGS)
)


def unrelated(tag: str) -> bool:
    """A tag the grammar leaves alone (a user's own tag)."""
    t = tag.strip()
    return not is_pipeline_tag(t) and t not in ("pipeline-metrics",) and t.partition(":")[0] not in KEYS


other_tags = st.lists(tag_text.filter(unrelated), max_size=3)


@st.composite
def resources(draw) -> dict:
    res: dict = {}
    if draw(st.booleans()):
        res["gpu"] = draw(st.integers(min_value=0, max_value=10**6))
        vendor = draw(st.none() | no_colon)
        if vendor is not None:
            res["gpu_vendor"] = vendor
    for key in draw(
        st.lists(no_colon.filter(lambda k: not k.endswith("gpu") and k != "gpu_vendor"), max_size=2)
    ):
        res[key] = draw(no_colon.map(str.rstrip).filter(bool))
    return res


@st.composite
def cell_tags(draw) -> CellTags:
    """A valid CellTags: what some list of well-formed tags declares (no issues)."""
    options: dict = {}
    if draw(st.booleans()):
        options["image"] = draw(values)
    if draw(st.booleans()):
        options["cache"] = draw(st.booleans())
    res = draw(resources())
    if res:
        options["resources"] = res
    for kind in ("annotations", "labels"):
        meta = draw(st.dictionaries(no_colon, values, max_size=2))
        if meta:
            options[kind] = meta
    return CellTags(
        step=draw(st.none() | names),
        continues=draw(st.booleans()),
        notebook=draw(st.none() | values.filter(bool)),
        after=draw(st.lists(names, unique=True, max_size=4)),
        roles=draw(st.lists(st.sampled_from(list(ROLE_SPELLINGS)), unique=True, max_size=2)),
        options=options,
    )


def render(t: CellTags, spell=lambda role: ROLE_SPELLINGS[role][0]) -> list[str]:
    """The reference renderer: tags that declare exactly ``t``."""
    tags = [spell(r) for r in t.roles]
    if t.continues:
        tags.append("step:")
    if t.step is not None:
        tags.append(f"step:{t.step}")
    tags += [f"after:{a}" for a in t.after]
    opts = t.options
    if "image" in opts:
        tags.append(f"image:{opts['image']}")
    if "cache" in opts:
        tags.append("cache:" + ("enabled" if opts["cache"] else "disabled"))
    res = dict(opts.get("resources", {}))
    if "gpu" in res:
        vendor = res.pop("gpu_vendor", None)
        tags.append(f"limit:{vendor + '/' if vendor is not None else ''}gpu:{res.pop('gpu')}")
    tags += [f"limit:{k}:{v}" for k, v in res.items()]
    for kind in ("annotation", "label"):
        tags += [f"{kind}:{k}:{v}" for k, v in opts.get(kind + "s", {}).items()]
    if t.notebook is not None:
        tags.append(f"notebook:{t.notebook}")
    return tags


@SOME
@given(cell_tags(), st.data())
def test_rendered_tags_parse_back_to_the_same_value(t, data):
    spell = lambda role: data.draw(st.sampled_from(ROLE_SPELLINGS[role]))  # noqa: E731 (Kale aliases too)
    tags = render(t, spell)
    assert parse_cell_tags(tags) == t
    assert render(parse_cell_tags(tags)) == render(t)


@SOME
@given(cell_tags(), st.randoms(use_true_random=False), other_tags)
def test_order_repeats_and_other_tags_change_nothing(t, rnd, others):
    tags = render(t) + others
    shuffled = tags + tags
    rnd.shuffle(shuffled)
    got = parse_cell_tags(shuffled)
    assert (got.step, got.continues, got.notebook, got.options) == (
        t.step,
        t.continues,
        t.notebook,
        t.options,
    )
    assert sorted(got.after) == sorted(t.after) and sorted(got.roles) == sorted(t.roles)
    assert got.issues == []


@FEW
@given(names, st.lists(names, max_size=4))
def test_legacy_block_reads_as_step_with_a_notice(name, after):
    got = parse_cell_tags([f"block:{name}"] + [f"prev:{a}" for a in after])
    assert got.step == name and got.after == list(dict.fromkeys(after))
    assert [(sev, code, hint) for sev, code, _, hint in got.issues] == [
        ("info", "legacy-tag", f"retag the cell as step:{name}")
    ]


keyed_tags = st.sampled_from(KEYS).flatmap(lambda k: tag_text.map(lambda v: f"{k}:{v}"))
limit_tags = st.builds(
    "limit:{}{}".format, st.sampled_from(["gpu:", "nvidia.com/gpu:", "memory:", "", ":"]), tag_text
)


@SOME
@given(st.lists(st.one_of(st.text(max_size=30), keyed_tags, limit_tags), max_size=8))
def test_any_text_parses_and_every_issue_says_how_to_fix_it(tags):
    got = parse_cell_tags(tags)
    for severity, code, message, hint in got.issues:
        assert severity in ("info", "warning", "error") and KEBAB.fullmatch(code)
        assert message and isinstance(message, str)
        if severity != "info" or code == "legacy-tag":
            assert hint, f"{code}: {message} has no hint"
    assert all(r in ROLE_SPELLINGS for r in got.roles)


@FEW
@given(invalid_names)
def test_an_invalid_step_name_is_an_error_on_its_cell_with_a_valid_name_to_use(bad):
    p = build_pipeline(make_notebook(["x = 1", ("y = 2", [f"step:{bad}"])]))
    found = [pr for pr in p.problems if pr.code == "bad-step-name"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].cell == 1
    assert found[0].hint == f"rename it, e.g. step:{slug(bad)}" and valid_name(slug(bad))


@SOME
@given(st.text(max_size=80))
def test_slug_is_always_a_valid_name_and_stable(text):
    s = slug(text)
    assert valid_name(s) and slug(s) == s


@SOME
@given(names, st.lists(names, max_size=4), other_tags, st.sampled_from(["code", "markdown"]))
def test_tagging_a_cell_round_trips_and_keeps_the_users_tags(step, after, others, ctype):
    nb = make_notebook(["a = 1", ("b = 2", others + ["skip", "step:old", "after:zz"], ctype)])
    retag_cell(nb, 1, pipeline_tags(step=step, after=after))
    tags = nb["cells"][1]["metadata"]["tags"]
    assert [t for t in tags if not is_pipeline_tag(t)] == others  # as they were, in order
    got = parse_cell_tags(tags)
    assert (got.step, got.after, got.roles, got.issues) == (step, list(dict.fromkeys(after)), [], [])


@FEW
@given(
    st.one_of(
        invalid_names.map(lambda b: (b, [])),
        st.tuples(names, st.lists(invalid_names, min_size=1, max_size=2)),
    )
)
def test_tagging_with_an_invalid_name_is_a_clear_error(case):
    step, after = case
    with pytest.raises(NotebookOpsError) as err:
        pipeline_tags(step=step, after=after)
    assert "is not valid" in err.value.message and err.value.hint and "\n" not in err.value.hint
    assert valid_name(err.value.hint.rsplit(" ", 1)[-1])  # the hint's example name is one to use


@st.composite
def tagged_notebooks(draw):
    """Notebooks whose step cells carry random after: tags: known names, unknown names,
    themselves, later steps (cycles)."""
    n = draw(st.integers(min_value=1, max_value=6))
    steps = [f"s{i}" for i in range(n)]
    cells = []
    for s in steps:
        after = draw(st.lists(st.sampled_from(steps + ["nope"]), max_size=3))
        cells.append((f"{s}_v = 1", [f"step:{s}"] + [f"after:{a}" for a in after]))
    return cells


@SOME
@given(tagged_notebooks())
def test_steps_come_in_a_topological_order_whatever_the_after_tags(cells):
    p = build_pipeline(make_notebook(cells))
    assert sorted(p.step_names) == sorted(t[1][0][5:] for t in cells)  # each step once
    seen: set[str] = set()
    for s in p.steps:
        assert set(s.after) <= seen, f"{s.name} runs before {set(s.after) - seen}"
        seen.add(s.name)
    for pr in p.problems:
        if pr.code in ("cyclic-after", "unknown-after"):
            assert pr.severity == "error" and pr.cell is not None and pr.hint
    has_cycle = any(pr.code == "cyclic-after" for pr in p.problems)
    after = {}
    for i, (_, tags) in enumerate(cells):  # a step without after: tags follows the one above
        after[tags[0][5:]] = [t[6:] for t in tags[1:]] or [cells[i - 1][1][0][5:]] * (i > 0)
    assert has_cycle == _has_cycle(after)


def _has_cycle(after: dict[str, list[str]]) -> bool:
    """Reference: a depth-first search over the after: tags (unknown names ignored)."""
    state: dict[str, int] = {}

    def visit(n: str) -> bool:
        if state.get(n) == 1:
            return True
        if state.get(n) == 2 or n not in after:
            return False
        state[n] = 1
        if any(visit(d) for d in after[n]):
            return True
        state[n] = 2
        return False

    return any(visit(n) for n in after)


any_tag = st.one_of(
    st.sampled_from(["parameters", "setup", "skip", "imports", "functions", "pipeline-parameters"]),
    st.sampled_from(["pipeline-metrics", "injected-parameters", "other", "step:", "block:"]),
    st.builds("{}:{}".format, st.sampled_from(["image", "cache", "limit", "annotation", "label"]), tag_text),
)
sources = st.sampled_from(
    ["x = 1", "y = x + 1", "print(y)", "n = 3", "def f():\n    return x", "x.append(1)", "(", ""]
)


@st.composite
def any_notebook(draw) -> list:
    """Cells with step tags (unique, repeated or invalid names, notebook-ops' or Kale's
    spelling), after:/prev: tags naming steps above, below, themselves or nothing, and
    any other tag of either grammar."""
    n = draw(st.integers(min_value=1, max_value=7))
    pool = [f"s{i}" for i in range(n)] + ["", "B", "1x"]
    cells = []
    for i in range(n):
        tags = []
        if draw(st.integers(0, 3)):  # most cells start a step
            key = draw(st.sampled_from(["step", "step", "step", "block"]))
            tags.append(f"{key}:" + draw(st.sampled_from([f"s{i}", f"s{i}", *pool])))
        tags += [
            draw(st.sampled_from(["after:", "prev:"])) + name
            for name in draw(st.lists(st.sampled_from(pool), max_size=2))
        ]
        tags += draw(st.lists(any_tag, max_size=2))
        cells.append(
            (draw(sources), tags, draw(st.sampled_from(["code", "code", "code", "markdown", "raw"])))
        )
    return cells


@SOME
@given(any_notebook())
def test_any_tags_on_any_cells_build_a_pipeline_and_never_raise(cells):
    """Notebook-ops' and Kale's grammars mixed, valid or not: problems, never an exception."""
    p = build_pipeline(make_notebook(cells))
    assert p.steps, "a notebook always has at least one step"
    seen: set[str] = set()
    for s in p.steps:  # a topological order, each cell in at most one step
        assert set(s.after) <= seen
        seen.add(s.name)
        assert all(0 <= i < len(cells) for i in s.cells)
    owned = [i for s in p.steps for i in s.cells]
    assert len(owned) == len(set(owned))
    for pr in p.problems:
        assert pr.severity in ("error", "warning", "info") and KEBAB.fullmatch(pr.code)
        assert pr.cell is None or 0 <= pr.cell < len(cells)
        if pr.severity == "error":
            assert pr.hint, pr
