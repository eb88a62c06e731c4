"""Properties of the parameter converter (model/parameters.py).

A parameters cell written from any plain values (and help comments) reads back as those
values, types and help; values render to the command line (``-p name=value``) and convert back
to the same typed value; any text or any Python value given for a typed parameter either
becomes a plain, strict-JSON value of that type or is refused with a ParameterError naming the
parameter, never another exception; and what papermill injects for a resolved value reads back
as that value.
"""

from __future__ import annotations

import json
import keyword
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings, strategies as st
from papermill.translators import PythonTranslator

from notebook_ops.errors import ParameterError
from notebook_ops.model.parameters import (
    BOOLS,
    check_plain,
    convert,
    parse_pairs,
    parse_parameters,
    read_params_file,
    resolve_params,
)
from notebook_ops.model.pipeline import Parameter, Pipeline

FEW = settings(max_examples=60, deadline=None, derandomize=True, database=None)
SOME = settings(max_examples=100, deadline=None, derandomize=True, database=None)

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not n.startswith("_nbo_")
)
# big enough to pass 64 bits, small enough to print (str(int) stops at 4,300 digits)
ints = st.integers() | st.integers(min_value=-(10**300), max_value=10**300)
floats = st.floats(allow_nan=False, allow_infinity=False)
# any unicode, line separators and control characters included; and wide characters (UTF-8's
# multi-byte ones, where ast's byte offsets and str's character offsets part)
texts = st.text(max_size=20) | st.text(alphabet="é日本語😀 '\"#", max_size=6)
scalars = st.none() | st.booleans() | ints | floats | texts
plain = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
TYPED = {
    "int": ints,
    "float": floats,
    "bool": st.booleans(),
    "str": texts,
    "list": st.lists(plain, max_size=4),
    "dict": st.dictionaries(texts, plain, max_size=4),
}
typed_values = st.sampled_from(sorted(TYPED)).flatmap(lambda t: st.tuples(st.just(t), TYPED[t]))
# help text: one line of anything (the comment runs to the end of the line), not "secret..."
helps = texts.filter(lambda h: not {"\n", "\r", "\x00"} & set(h)).map(str.strip)
helps = helps.filter(lambda h: not h.lower().startswith("secret"))


def same(a, b) -> bool:
    """Equal, with the same types all the way down (1 == 1.0 == True in Python)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def pipeline_with(*params: Parameter) -> Pipeline:
    return Pipeline("p", None, (), (), tuple(params), (), 0, {})


@example([("a", "日本", "help")], "\n")  # found: help after wide characters was lost
@example([("A", None, "0\x1e0"), ("b", 1, "hb")], "\n")  # found: a line separator in a comment
@SOME
@given(
    st.lists(
        st.tuples(identifiers, plain | st.tuples(scalars, scalars), helps),
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),  # Unix, Windows and old Mac line ends
)
def test_a_parameters_cell_reads_back_its_values_types_and_help(rows, eol):
    source = eol.join(f"{n} = {v!r}" + (f"  # {h}" if h else "") for n, v, h in rows)
    params, problems = parse_parameters(source, cell=3)
    assert problems == []
    assert [(p.name, p.type, p.help, p.cell) for p in params] == [
        (n, type(v).__name__, h, 3) for n, v, h in rows
    ]
    for p, (_, v, _) in zip(params, rows, strict=True):
        assert same(p.default, v) and not p.secret


@FEW
@given(
    identifiers,
    scalars,
    helps.filter(lambda h: not h[:1] or h[0] not in ":-"),
    st.sampled_from([": ", " - ", " "]),
)
def test_a_secret_comment_marks_the_parameter_and_keeps_its_help(name, value, help_, sep):
    comment = "secret" + (sep + help_ if help_ else "")
    (p,), problems = parse_parameters(f"{name} = {value!r}  # {comment}", cell=0)
    assert problems == [] and p.secret and p.help == help_ and same(p.default, value)


@FEW
@given(identifiers, st.sampled_from(["int", "float", "str", "bool", "list", "dict"]), plain)
def test_an_annotated_default_is_of_its_type_or_a_problem(name, ann, value):
    params, problems = parse_parameters(f"{name}: {ann} = {value!r}", cell=0)
    ok = type(value).__name__ == ann or (ann == "float" and type(value) is int)
    if ok:
        assert problems == [] and params[0].type == ann
        assert params[0].default == (float(value) if ann == "float" else value)
        assert type(params[0].default).__name__ == ann
    else:
        assert params == [] and [p.code for p in problems] == ["parameter-type-mismatch"]


@SOME
@given(typed_values)
def test_a_typed_value_converts_to_itself(case):
    declared, value = case
    assert same(convert("x", declared, value), value)


def cli_forms(declared: str, value) -> st.SearchStrategy[str]:
    """Ways a user may type ``value`` after ``-p x=`` for a parameter of type ``declared``."""
    pad = st.sampled_from(["", " ", "\t"])
    if declared == "bool":
        words = [w for w, b in BOOLS.items() if b is value]
        core = st.sampled_from(words).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()]))
    elif declared == "int":
        core = st.sampled_from([str(value), f"{value:_}"])
    elif declared == "float":
        core = st.sampled_from([repr(value), str(value), f"{value:.17g}"])
    elif declared == "str":
        return st.just(value)  # a string is taken as it is, spaces included
    else:
        core = st.sampled_from([json.dumps(value), json.dumps(value, ensure_ascii=False), repr(value)])
    return st.builds(lambda a, c, b: a + c + b, pad, core, pad)


@SOME
@given(typed_values, st.data())
def test_a_value_typed_on_the_command_line_converts_back(case, data):
    declared, value = case
    text = data.draw(cli_forms(declared, value))
    assert same(convert("x", declared, text), value)
    (pair,) = parse_pairs([f"x={text}"]).items()
    assert pair == ("x", text)


@SOME
@given(
    st.sampled_from(["int", "float", "bool", "str", "list", "tuple", "dict", "NoneType"]),
    st.text(max_size=40),
)
def test_any_text_for_a_typed_parameter_is_a_value_of_its_type_or_a_clear_error(declared, text):
    p = pipeline_with(Parameter("x", declared, None))
    try:
        value = resolve_params(p, {"x": text})["x"]
    except ParameterError as exc:
        assert "'x'" in exc.message and "\n" not in exc.message.replace(text, "")
        return
    want = {"int": int, "float": float, "bool": bool, "str": str, "list": list, "tuple": list, "dict": dict}
    if declared in want:
        assert type(value) is want[declared]
    assert json.loads(json.dumps(value, allow_nan=False)) == value  # strict JSON for run records


wild = st.recursive(
    scalars
    | st.floats()
    | st.binary(max_size=4)
    | st.complex_numbers(max_magnitude=10)
    | st.integers(min_value=0, max_value=400).map(lambda k: 10**k)  # past float's range
    | st.integers(min_value=0, max_value=20_000).map(lambda k: 16**k),  # past str()'s digits
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.frozensets(scalars, max_size=3)
        | st.dictionaries(scalars, inner, max_size=3)
    ),
    max_leaves=8,
)


@example("float", 10**309)  # found: OverflowError converting to float
@example("str", 16**4000)  # found: ValueError printing the number in the error
@example("NoneType", [16**4000])  # found: passed, then no JSON writer could write it
@SOME
@given(st.sampled_from(["int", "float", "bool", "str", "list", "tuple", "dict", "NoneType"]), wild)
def test_any_value_for_a_typed_parameter_is_plain_json_or_a_clear_error(declared, value):
    """Values from YAML files, REST bodies and widgets are not strings."""
    p = pipeline_with(Parameter("x", declared, None))
    try:
        got = resolve_params(p, {"x": value})["x"]
    except ParameterError as exc:
        assert "'x'" in exc.message
        return
    assert json.loads(json.dumps(got, allow_nan=False)) == got


@SOME
@given(plain | st.tuples(plain, plain))
def test_what_papermill_injects_for_a_value_reads_back_as_that_value(value):
    checked = check_plain("x", value)
    params, problems = parse_parameters(f"x = {PythonTranslator.translate(checked)}", cell=0)
    assert problems == [] and same(params[0].default, checked)
    assert same(check_plain("x", checked), checked)  # plain data stays as it is


@SOME
@given(st.text(max_size=60))
def test_a_parameters_file_is_a_mapping_or_a_clear_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "params.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            data = read_params_file(path)
        except ParameterError as exc:
            assert exc.path == str(path) and "\n" not in exc.message
            return
        assert isinstance(data, dict)


YAML_EDGES = [
    "x: " + "9" * 4400,  # an int past str()'s 4,300 digits
    "x: 2001-13-14",  # a timestamp that is no date
    "x: !!float abc",  # explicit tags with values they cannot hold
    "x: !!int 1.5",
    "x: !!bool maybe",
    "x: !!timestamp soon",
    "[" * 1100 + "]" * 1100,  # nested past the recursion limit
    "a: &a [*a]",  # a recursive alias
]


@pytest.mark.parametrize("text", YAML_EDGES)
def test_a_parameters_file_with_odd_yaml_is_a_clear_error(text):
    """The cases the property above does not reach in 60 characters, each once."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "params.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            data = read_params_file(path)
        except ParameterError as exc:
            assert exc.path == str(path) and "\n" not in exc.message
            return
        # it read (a recursive alias): the values are refused when they are used
        with pytest.raises(ParameterError, match="nested more than"):
            resolve_params(pipeline_with(Parameter("a", "list", [])), data)


CLI_EDGES = [
    ("int", "9" * 5000),  # past int()'s 4,300 digits
    ("list", "[" + "9" * 5000 + "]"),
    ("float", "1e400"),  # float() says inf
    ("float", "nan"),
    ("list", "[NaN]"),  # JSON's NaN
    ("list", "[" * 100_000),  # past the recursion limit
    ("dict", "{1: 2}"),  # keys that are not strings
    ("NoneType", "{1, 2}"),  # a set
    ("NoneType", "b'x'"),
    ("NoneType", "..."),
]


@pytest.mark.parametrize(("declared", "text"), CLI_EDGES)
def test_odd_command_line_values_are_clear_errors(declared, text):
    with pytest.raises(ParameterError) as err:
        resolve_params(pipeline_with(Parameter("x", declared, None)), {"x": text})
    assert err.value.message.startswith("parameter 'x'") and len(err.value.message) < 200


@FEW
@given(st.text(max_size=20))
def test_a_pair_without_a_name_is_a_clear_error(value):
    assume("=" not in value or not value.partition("=")[0].strip())
    with pytest.raises(ParameterError) as err:
        parse_pairs([value])
    assert "expected NAME=VALUE" in err.value.message


def test_non_finite_floats_are_refused_with_a_hint():
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ParameterError) as err:
            check_plain("x", [value])
        assert err.value.hint and "finite" in err.value.message
