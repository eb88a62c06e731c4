"""Objects changed in place are new versions of their names (issue: data flow follows the code)."""

import pytest

from nbfactory import CORPUS, EXAMPLES, make_notebook
from notebook_ops.model.analysis import Aliases, analyze_cell, step_flow
from notebook_ops.model.build import build_pipeline, load_pipeline


def changes(*sources):
    aliases = Aliases()  # carried from cell to cell, as the model does
    sf = step_flow([(i, analyze_cell(s, aliases)) for i, s in enumerate(sources)])
    return sf.changed


@pytest.mark.parametrize(
    "src",
    [
        "model.fit(X, y)",
        "model.partial_fit(X, y)",
        "model.set_params(C=2)",
        "scaler.fit_transform(X)",
        "history.append(acc)",
        "history.extend([1, 2])",
        "d.update(x=1)",
        "seen.add(3)",
        "df['b'] = df['a'] * 2",
        "df.loc[df.a > 0, 'c'] = 1",
        "df.iloc[0, 0] = 1",
        "df.at[0, 'a'] = 5",
        "df.dropna(inplace=True)",
        "df['a'].fillna(0, inplace=True)",
        "del df['a']",
        "model.coef_ = w",
        "df['a'] += 1",
        "net.train()",
        "weights.add_(1)",
        "random.shuffle(df)",
        "np.random.shuffle(df)",
        "setattr(model, 'x', 1)",
    ],
)
def test_mutating_statements(src):
    receiver = {"model", "scaler", "history", "d", "seen", "df", "net", "weights"}
    assert changes(src) & receiver, src


@pytest.mark.parametrize(
    "src",
    [
        "df.head()",
        "print(df.shape)",
        "df.describe()",
        "df2 = df.sort_values('a')",
        "y = model.predict(X)",
        "s = model.score(X, y)",
        "df.groupby('a').sum()",
        "x = df['a'].mean()",
        "df.plot()",
        "len(history)",
        "import numpy as np\nnp.append(arr, 1)",
    ],
)
def test_reads_are_not_changes(src):
    assert not changes(src), src


def test_rebinding_is_not_a_change_and_local_objects_do_not_count():
    assert not changes("df = df.dropna()")
    assert not changes("df = load()\ndf['b'] = 1")  # bound by the step itself
    assert changes("df['b'] = 1\ndf = df.copy()") == set()  # rebound after: the new binding wins


def test_aliases_through_containers_and_loops():
    assert changes("data = [train_df, test_df]\nfor dataset in data:\n    dataset['x'] = 1") >= {
        "train_df",
        "test_df",
    }
    assert changes("data = [train_df, test_df]", "for dataset in data:\n    dataset['x'] = 1") >= {
        "train_df",
        "test_df",
    }
    assert changes("a = b\na.append(1)") >= {"b"}
    assert changes("for i, ds in enumerate([train, test]):\n    ds.fillna(0, inplace=True)") >= {
        "train",
        "test",
    }
    assert changes("data = [train_df, test_df]\ndata[0]['x'] = 1") == {"train_df", "test_df"}
    assert changes("data = [train_df, test_df]\ndata.append(1)") == set()  # data is the step's own


def _pipeline(cells, **meta):
    return build_pipeline(make_notebook(cells, {"notebook_ops": meta} if meta else None))


def test_fit_in_one_step_reaches_the_step_after():
    p = _pipeline(
        [
            ("from sklearn.linear_model import LogisticRegression\nimport numpy as np", ["setup"]),
            (
                "X = np.arange(20).reshape(10, 2)\ny = np.arange(10) % 2\nmodel = LogisticRegression()",
                ["step:prepare"],
            ),
            ("model.fit(X, y)", ["step:train"]),
            ("score = model.score(X, y)", ["step:evaluate"]),
        ]
    )
    assert not p.errors
    train, evaluate = p.step("train"), p.step("evaluate")
    assert train.outputs == ("model",) and train.changed == ("model",)
    assert dict(evaluate.input_sources)["model"] == "train"
    assert dict(evaluate.input_sources)["X"] == "prepare"


def test_function_defined_in_the_notebook_that_changes_its_argument():
    p = _pipeline(
        [
            (
                "import pandas as pd\ndef add_ratio(frame):\n    frame['ratio'] = frame.a / frame.b\n"
                "    return None",
                ["setup"],
            ),
            ("df = pd.DataFrame({'a': [1], 'b': [2]})", ["step:load"]),
            ("add_ratio(df)", ["step:features"]),
            ("total = df['ratio'].sum()", ["step:report"]),
        ]
    )
    assert p.step("features").changed == ("df",)
    assert dict(p.step("report").input_sources)["df"] == "features"


def test_function_that_changes_a_global():
    p = _pipeline(
        [
            ("history = []", ["step:init"]),
            ("def record(x):\n    history.append(x)\nrecord(1)", ["step:one"]),
            ("n = len(history)", ["step:two"]),
        ]
    )
    assert dict(p.step("two").input_sources)["history"] == "one"


def test_copying_helper_is_not_a_change():
    p = _pipeline(
        [
            ("def clean(frame):\n    frame = frame.copy()\n    frame['x'] = 1\n    return frame", ["setup"]),
            ("df = make()", ["step:load"]),
            ("out = clean(df)", ["step:features"]),
            ("print(df, out)", ["step:report"]),
        ]
    )
    assert dict(p.step("report").input_sources)["df"] == "load"


def test_conflicting_change_on_a_diamond():
    p = _pipeline(
        [
            ("import pandas as pd", ["setup"]),
            ("df = pd.DataFrame({'a': [1, 2]})", ["step:load"]),
            ("df['b'] = df['a'] * 2", ["step:left", "after:load"]),
            ("df['c'] = df['a'] * 3", ["step:right", "after:load"]),
            ("print(df[['b', 'c']])", ["step:join", "after:left", "after:right"]),
        ]
    )
    codes = [(x.code, x.step, x.cell) for x in p.problems]
    assert ("conflicting-change", "join", 4) in codes
    msg = next(x for x in p.problems if x.code == "conflicting-change")
    assert "after:left to cell 4" in msg.hint  # index 3


def test_hidden_state_for_a_change_by_a_step_that_is_not_upstream():
    p = _pipeline(
        [
            ("model = make()", ["step:prepare"]),
            ("model.fit(X, y)", ["step:train", "after:prepare"]),
            ("print(model.score(X, y))", ["step:evaluate", "after:prepare"]),
            ("X, y = 1, 2", ["parameters"]),
        ]
    )
    hs = [x for x in p.problems if x.code == "hidden-state"]
    assert len(hs) == 1 and hs[0].step == "evaluate" and "after:train to cell 3" in hs[0].hint


def test_setup_object_changed_in_a_step_travels():
    p = _pipeline(
        [
            ("config = {'lr': 0.1}", ["setup"]),
            ("config['lr'] = 0.5", ["step:tune"]),
            ("print(config)", ["step:train"]),
        ]
    )
    assert dict(p.step("train").input_sources) == {"config": "tune"}


def test_imported_modules_changed_in_place_do_not_travel():
    p = _pipeline(
        [
            ("import os\nimport sys", ["setup"]),
            ("os.environ['X'] = '1'\nsys.path.insert(0, 'src')", ["step:one"]),
            ("print(os.environ['X'])", ["step:two"]),
        ]
    )
    assert p.step("one").outputs == () and p.step("two").inputs == ()


def test_runtime_candidates_for_steps_that_received_the_object():
    p = _pipeline(
        [
            ("df = make()", ["step:load"]),
            ("helper.transform(df)", ["step:clean"]),  # a helper module: unseen by the analysis
            ("print(df)", ["step:report"]),
        ]
    )
    assert p.step("clean").watch == ("df",)
    assert dict(p.step("report").input_candidates) == {"df": ("clean", "load")}


@pytest.mark.parametrize("path", [EXAMPLES / "churn.ipynb", *sorted(CORPUS.glob("*.ipynb"))])
def test_corpus_graphs_keep_their_outputs(path):
    """No spurious outputs: the example and the corpus read as before (no changes found)."""
    p = load_pipeline(path)
    assert all(not s.changed for s in p.steps), [(s.name, s.changed) for s in p.steps]
    assert not [x for x in p.problems if x.code == "conflicting-change"]
