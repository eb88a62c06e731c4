"""Kale notebooks read as Kale reads them; Kale's own expected compiler output is the golden
check of the graph (steps, edges, parameters, metrics).

The notebooks here are written in the shapes of Kale's test notebooks and examples (our own
cells); each expected value names the Kale file it was read from.
"""

from __future__ import annotations

from nbfactory import make_notebook, write_notebook
from notebook_ops.model.build import build_pipeline
from notebook_ops.model.multi import load_pipeline


def _graph(p):
    return {s.name: sorted(s.after) for s in p.steps}


def _errors(p):
    return [(pr.code, pr.cell, pr.message) for pr in p.problems if pr.severity == "error"]


def _codes(p):
    return {pr.code for pr in p.problems}


# Kale's test notebook backend/kale/tests/assets/notebooks/pipeline_parameters_and_metrics.ipynb
PARAMS_AND_METRICS = [
    ("import numpy as np", ["imports"]),
    ("d1 = 5\nd2 = 6\nbooltest = True\nstrtest = 'test'", ["pipeline-parameters"]),
    ("rnd_matrix = np.random.rand(d1, d2)", ["limit:nvidia.com/gpu:2", "step:create_matrix"]),
    ("sum_result = rnd_matrix.sum()", ["prev:create_matrix", "step:sum_matrix"]),
    ("print(d1)\nprint(d2)\nprint(sum_result)", ["pipeline-metrics"]),
]
KALE_META = {
    "kubeflow_notebook": {
        "docker_image": "",
        "experiment_name": "hp-tuning",
        "katib_run": False,
        "pipeline_description": "",
        "pipeline_name": "hp-test",
        "volumes": [],
    }
}


def test_parameters_and_metrics_match_kales_expected_dsl():
    # expected: backend/kale/tests/assets/kfp_dsl/pipeline_parameters_and_metrics.py
    p = build_pipeline(make_notebook(PARAMS_AND_METRICS, metadata=KALE_META))
    assert _errors(p) == []
    assert p.name == "hp-test"
    assert _graph(p) == {"create_matrix": [], "sum_matrix": ["create_matrix"]}
    assert {x.name: x.default for x in p.parameters} == {
        "d1": 5,
        "d2": 6,
        "booltest": True,
        "strtest": "test",
    }
    # "d1"/"d2" are reported by create_matrix (the step that reads them), "sum-result" by sum_matrix
    assert {s.name: s.metrics for s in p.steps} == {
        "create_matrix": ("d1", "d2"),
        "sum_matrix": ("sum_result",),
    }
    assert p.step("create_matrix").outputs == ("rnd_matrix",)
    assert p.step("create_matrix").options["resources"]["gpu"] == 2
    assert p.step("create_matrix").options["resources"]["gpu_vendor"] == "nvidia.com"


# Kale's titanic example (examples/titanic-ml-dataset/titanic_dataset_ml.ipynb) in its old
# block:/prev: tags, with bare block: cells continuing a step, as Kale's examples have them
TITANIC = [
    ("# Titanic: predict who survived", [], "markdown"),
    ("print('exploring before the first tag')", []),
    ("import math\nimport statistics", ["imports"]),
    ("PREDICTION_LABEL = 'survived'", ["functions"]),
    (
        "raw = [(22, 7.2), (38, 71.3), (26, 7.9), (35, 53.1), (54, 51.9), (2, 21.1)]\n"
        "rows = [{'age': a, 'fare': f, 'survived': int(a < 30)} for a, f in raw]",
        ["block:loaddata"],
    ),
    ("train = rows[:4]\ntest = rows[4:]", ["block:datapreprocessing", "prev:loaddata"]),
    ("for r in train + test:\n    r['age_band'] = min(r['age'] // 15, 3)", ["block:"]),
    (
        "train_df = [[r['age_band'], math.floor(r['fare'])] for r in train]",
        ["block:featureengineering", "prev:datapreprocessing"],
    ),
    ("train_labels = [r[PREDICTION_LABEL] for r in train]", []),
    (
        "acc_decision_tree = round(100 * statistics.mean(train_labels), 2)",
        ["block:decisiontree", "prev:featureengineering"],
    ),
    ("acc_svm = round(100 * len(train_df) / 5, 2)", ["block:svm", "prev:featureengineering"]),
    (
        "acc_random_forest = round(100 * sum(train_labels) / len(train_df), 2)",
        ["block:randomforest", "prev:featureengineering"],
    ),
    ("print('a plot')", ["skip"]),
    (
        "best = max(acc_decision_tree, acc_svm, acc_random_forest)",
        ["block:results", "prev:decisiontree", "prev:svm", "prev:randomforest"],
    ),
]


def test_titanic_shape_matches_kales_expected_graph():
    # expected: backend/kale/tests/assets/kfp_dsl/titanic.py (steps, .after() edges, and the
    # marshalled names each step loads and saves)
    p = build_pipeline(make_notebook(TITANIC))
    assert _errors(p) == []
    assert _graph(p) == {
        "loaddata": [],
        "datapreprocessing": ["loaddata"],
        "featureengineering": ["datapreprocessing"],
        "decisiontree": ["featureengineering"],
        "svm": ["featureengineering"],
        "randomforest": ["featureengineering"],
        "results": ["decisiontree", "randomforest", "svm"],
    }
    # the bare block: cell and the untagged cell after it join the step before them
    assert p.step("datapreprocessing").cells == (5, 6)
    assert p.step("featureengineering").cells == (7, 8)
    assert set(p.step("featureengineering").outputs) == {"train_df", "train_labels"}
    assert set(p.step("results").inputs) == {"acc_decision_tree", "acc_svm", "acc_random_forest"}
    # Kale runs no untagged cell before the first tag; the legacy tags are noted, not errors
    assert p.cell(1).role == "skip"
    assert {"kale-untagged-start", "legacy-tag"} <= _codes(p)
    assert "bad-step-name" not in _codes(p)
    assert p.setup_cells == (2, 3)


# Kale's open-vaccine example (examples/openvaccine-kaggle-competition): functions, a
# parameters cell, skip cells among the steps, bare block: cells continuing a step, a metrics
# cell at the end. Issue 24: the bare block: became a step named '' (bad-step-name).
OPEN_VACCINE = [
    ("import json", ["imports"]),
    ("def mse(a, b):\n    return sum((x - y) ** 2 for x, y in zip(a, b)) / len(a)", ["functions"]),
    ("LR = 0.001\nEPOCHS = 3\nBATCH_SIZE = 2", ["pipeline-parameters"]),
    ("print('peek at the raw data')", ["skip"]),
    ("train = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]", ["block:load_data"]),
    ("targets = [0.3, 0.7, 1.1]", ["block:"]),
    ("X = [sum(r) for r in train]", ["block:preprocess_data", "prev:load_data"]),
    ("print(json.dumps(X))", ["skip"]),
    ("weights = [LR * EPOCHS * BATCH_SIZE]", ["block:model_training", "prev:preprocess_data"]),
    ("preds = [x * weights[0] for x in X]", ["block:"]),
    ("validation_loss = mse(preds, targets)", ["block:model_evaluation", "prev:model_training"]),
    ("print(validation_loss)", ["pipeline-metrics"]),
]


def test_open_vaccine_shape_bare_blocks_continue_their_steps():
    p = build_pipeline(make_notebook(OPEN_VACCINE))
    assert _errors(p) == []
    assert "bad-step-name" not in _codes(p)
    assert _graph(p) == {
        "load_data": [],
        "preprocess_data": ["load_data"],
        "model_training": ["preprocess_data"],
        "model_evaluation": ["model_training"],
    }
    assert p.step("load_data").cells == (4, 5)
    assert p.step("model_training").cells == (8, 9)
    assert dict(p.step("model_evaluation").input_sources) == {
        "preds": "model_training",
        "targets": "load_data",
    }
    assert p.step("model_evaluation").metrics == ("validation_loss",)
    assert {x.name for x in p.parameters} == {"LR", "EPOCHS", "BATCH_SIZE"}


# Kale's dog-breed example (examples/dog-breed-classification): a step name repeated on cells
# that are not adjacent merges into one step (Kale's merge_code); untagged cells after
# functions are functions
DOG_BREED = [
    ("import random", ["imports"]),
    ("def load(n):\n    return list(range(n))", ["functions"]),
    ("def mean(xs):\n    return sum(xs) / len(xs)", []),  # untagged: still functions (setup)
    ("n_images = 8", ["pipeline-parameters"]),
    ("images = load(n_images)", ["block:load_data"]),
    ("random.seed(0)", ["block:"]),
    ("features = [x * 2 for x in images]", ["block:feature_extraction", "prev:load_data"]),
    ("print(len(features))", ["skip"]),
    ("features = features + [1]", ["block:feature_extraction"]),  # repeated: merges
    ("model_score = mean(features)", ["block:train", "prev:feature_extraction"]),
    ("print(model_score)", ["pipeline-metrics"]),
]


def test_dog_breed_shape_repeated_blocks_merge_as_in_kale():
    p = build_pipeline(make_notebook(DOG_BREED))
    assert [s.name for s in p.steps] == ["load_data", "feature_extraction", "train"]
    assert p.step("load_data").cells == (4, 5)
    assert p.step("feature_extraction").cells == (6, 8)
    assert p.setup_cells == (0, 1, 2)
    assert p.parameters_cell == 3
    assert _graph(p) == {
        "load_data": [],
        "feature_extraction": ["load_data"],
        "train": ["feature_extraction"],
    }
    assert p.step("train").metrics == ("model_score",)
    assert p.step("train").inputs == ("features",)
    assert _errors(p) == []


def test_repeated_step_keeps_the_first_cells_prev_and_options():
    # Kale reads prev:/limit: only on the cell that creates the step
    cells = [
        ("a = 1", ["step:one"]),
        ("b = a", ["step:two", "prev:one", "limit:memory:1Gi"]),
        ("c = 2", ["step:three"]),
        ("b = b + c", ["step:two", "prev:three", "limit:memory:9Gi"]),
    ]
    p = build_pipeline(make_notebook(cells, metadata={"kubeflow_notebook": {}}))
    assert _graph(p) == {"one": [], "two": ["one"], "three": []}
    assert p.step("two").options["resources"]["memory"] == "1Gi"
    # 'c' comes from 'three', which is not upstream of 'two': an error, as Kale's run would fail
    assert [(code, cell) for code, cell, _ in _errors(p)] == [("hidden-state", 3)]


def test_metrics_cell_follows_kales_rule():
    cells = [
        ("import statistics", ["imports"]),
        ("X_test = [1, 2, 3]\naccuracy = statistics.mean(X_test)", ["step:evaluate"]),
        ("print(accuracy)", ["pipeline-metrics"]),
        ("print(X_test)", []),  # continues the metrics cell, but breaks Kale's name rule
    ]
    p = build_pipeline(make_notebook(cells))
    assert p.step("evaluate").metrics == ("accuracy",)
    bad = [pr for pr in p.problems if pr.code == "bad-metrics-cell"]
    assert [(pr.severity, pr.cell) for pr in bad] == [("error", 3)]
    ok = build_pipeline(make_notebook(cells[:3]))
    assert _errors(ok) == [] and ok.step("evaluate").metrics == ("accuracy",)


def test_annotation_label_and_notebook_metadata_become_options():
    cells = [
        (
            "x = 1",
            ["step:one", "annotation:example.com/dashboard:http://grafana:3000/d", "label:team:vision"],
        ),
        ("y = x + 1", ["step:two", "prev:one"]),
    ]
    meta = {
        "kubeflow_notebook": {
            "pipeline_name": "My Pipeline",
            "pipeline_description": "counts",
            "docker_image": "python:3.11-slim",
            "experiment_name": "exp",
            "volumes": [{"mount_point": "/data", "name": "pvc", "type": "pvc", "size": 1, "size_type": "Gi"}],
            "steps_defaults": ["label:owner:ml"],
        }
    }
    p = build_pipeline(make_notebook(cells, metadata=meta))
    assert _errors(p) == []
    one = p.step("one").options
    assert one["annotations"] == {"example.com/dashboard": "http://grafana:3000/d"}
    assert one["labels"] == {"team": "vision"}
    assert one["image"] == "python:3.11-slim" and p.step("two").options["image"] == "python:3.11-slim"
    assert p.step("two").options["labels"] == {"owner": "ml"}
    assert p.name == "my-pipeline" and p.settings["objective"] == "counts"
    assert "kale-volumes" in _codes(p)


def test_our_own_notebooks_keep_our_grammar():
    # no Kale tag: an untagged first cell belongs to the first step, steps follow each other
    cells = [("a = 1", []), ("b = a + 1", ["step:one"]), ("c = b + 1", ["step:two"])]
    p = build_pipeline(make_notebook(cells))
    assert _graph(p) == {"one": [], "two": ["one"]}
    assert p.step("one").cells == (0, 1)
    dup = build_pipeline(make_notebook(cells + [("d = 1", ["step:one"])]))
    assert "duplicate-step" in {c for c, _, _ in _errors(dup)}


def _ref(name, path):
    return ("# references a notebook", [f"notebook:{name}"], "code", path)


def write_composition(folder, root_cells):
    """Kale's composition example (docs/source/concepts/composition.md): preprocessing defines
    ``dataset``, training reads it, the root references both and reports."""
    write_notebook(folder / "preprocessing.ipynb", make_notebook([("dataset = [1, 2, 3, 4]", ["step:load"])]))
    write_notebook(
        folder / "training.ipynb", make_notebook([("model = sum(dataset) / len(dataset)", ["step:train"])])
    )
    write_notebook(folder / "other.ipynb", make_notebook([("unrelated = 7", ["step:side"])]))
    cells = [c[:3] for c in root_cells]
    nb = make_notebook(cells)
    for i, c in enumerate(root_cells):
        if len(c) > 3:
            nb["cells"][i]["metadata"]["notebook_path"] = c[3]
    return write_notebook(folder / "root.ipynb", nb)


def test_kale_composition_links_units_as_kale_does(tmp_path):
    # expected: kale/processors/nbprocessor.py link_composition_units and the docs' example:
    # training after preprocessing (it reads 'dataset'), the root step after every unit above,
    # two references sharing no name in parallel
    root = write_composition(
        tmp_path,
        [
            _ref("preprocessing", "./preprocessing.ipynb"),
            _ref("training", "./training.ipynb"),
            _ref("other", "./other.ipynb"),
            ("print(model, unrelated)", ["step:report"]),
        ],
    )
    p = load_pipeline(root)
    assert _errors(p) == []
    assert _graph(p) == {
        "preprocessing-load": [],
        "training-train": ["preprocessing-load"],
        "other-side": [],
        "report": ["other-side", "preprocessing-load", "training-train"],
    }
    assert dict(p.step("training-train").input_sources) == {"dataset": "preprocessing-load"}
    assert dict(p.step("report").input_sources) == {"model": "training-train", "unrelated": "other-side"}


def test_kale_composition_root_step_feeds_a_notebook_below_it(tmp_path):
    write_notebook(tmp_path / "use.ipynb", make_notebook([("total = sum(raw)", ["step:add"])]))
    nb = make_notebook([("raw = [5, 6]", ["step:make"]), ("", ["notebook:use"])])
    nb["cells"][1]["metadata"]["notebook_path"] = "use.ipynb"
    p = load_pipeline(write_notebook(tmp_path / "root.ipynb", nb))
    assert _errors(p) == []
    assert _graph(p) == {"make": [], "use-add": ["make"]}


def test_kale_composition_errors_name_the_cell(tmp_path):
    # Kale refuses these too (nbprocessor.py): code in a reference cell, no path, a missing file
    nb = make_notebook([("x = 1", ["notebook:a"]), ("", ["notebook:b"]), ("", ["notebook:c"])])
    nb["cells"][0]["metadata"]["notebook_path"] = "a.ipynb"
    nb["cells"][2]["metadata"]["notebook_path"] = "missing.ipynb"
    p = load_pipeline(write_notebook(tmp_path / "root.ipynb", nb))
    assert [(c, cell) for c, cell, _ in _errors(p)] == [
        ("kale-composition", 0),
        ("kale-composition", 1),
        ("missing-notebook", 2),
    ]


def test_step_options_alone_keep_our_grammar():
    # image:, cache:, limit:, annotation:, label: are options in both grammars: no Kale grouping
    cells = [("a = 1", ["step:one", "label:team:ml"]), ("b = a + 1", ["step:two", "limit:memory:1Gi"])]
    p = build_pipeline(make_notebook(cells))
    assert _graph(p) == {"one": [], "two": ["one"]}
    assert p.step("one").options["labels"] == {"team": "ml"}
