from notebook_ops.model import build_pipeline
from notebook_ops.model.tags import parse_cell_tags, slug, valid_name
from nbfactory import make_notebook


def test_role_tags_and_kale_aliases():
    assert parse_cell_tags(["parameters"]).role == "parameters"
    assert parse_cell_tags(["pipeline-parameters"]).role == "parameters"
    assert parse_cell_tags(["imports"]).role == "setup"
    assert parse_cell_tags(["functions"]).role == "setup"
    assert parse_cell_tags(["skip"]).role == "skip"
    assert parse_cell_tags(["pipeline-metrics"]).role == "metrics"
    assert parse_cell_tags(["some-other-tag"]).role is None


def test_step_after_prev_block():
    t = parse_cell_tags(["step:train", "after:load", "prev:clean", "after:load"])
    assert t.step == "train" and t.after == ["load", "clean"]
    legacy = parse_cell_tags(["block:load"])
    assert legacy.step == "load"
    assert [i[1] for i in legacy.issues] == ["legacy-tag"]


def test_kale_options():
    t = parse_cell_tags(["image:python:3.11", "cache:disabled", "limit:nvidia.com/gpu:2", "limit:memory:4Gi"])
    assert t.options == {
        "image": "python:3.11",
        "cache": False,
        "resources": {"gpu": 2, "gpu_vendor": "nvidia.com", "memory": "4Gi"},
    }
    bad = parse_cell_tags(["limit:gpu:many", "cache:maybe"])
    assert {i[1] for i in bad.issues} == {"bad-tag"}


def test_names():
    assert valid_name("train_2-x") and valid_name("_a")
    assert not valid_name("Train") and not valid_name("2a")
    assert not valid_name("a" * 64) and not valid_name("")
    assert valid_name(slug("My Notebook (v2)")) and valid_name(slug("123")) and valid_name(slug(""))


def test_untagged_notebook_is_one_step_main():
    p = build_pipeline(make_notebook(["x = 1", "y = x + 1"]))
    assert p.step_names == ["main"] and p.steps[0].cells == (0, 1) and p.ok


def test_cells_before_first_step_join_it_and_untagged_cells_join_step_above():
    p = build_pipeline(
        make_notebook(["a = 1", ("b = a", ["step:one"]), "c = b", ("d = c", ["step:two"]), "e = d"])
    )
    assert [s.cells for s in p.steps] == [(0, 1, 2), (3, 4)]
    assert p.step("two").after == ("one",)  # implicit: the previous step
    assert p.step("two").inputs == ("c",)


def test_setup_skip_parameters_roles_excluded_from_steps():
    p = build_pipeline(
        make_notebook(
            [
                ("import math", ["setup"]),
                ("n = 3", ["parameters"]),
                ("x = math.sqrt(n)", ["step:s"]),
                ("print(undefined_thing)", ["skip"]),
            ]
        )
    )
    assert p.steps[0].cells == (2,) and p.setup_cells == (0,) and p.parameters_cell == 1
    assert p.steps[0].inputs == () and p.steps[0].parameters_read == ("n",)
    assert p.ok and not p.problems  # the skipped cell's undefined name is not analysed


def test_markdown_cells_belong_to_steps_and_can_start_them():
    p = build_pipeline(
        make_notebook(
            [
                ("# Load", ["step:load"], "markdown"),
                "x = 1",
                ("## Use", [], "markdown"),
                ("y = x", ["step:use"]),
            ]
        )
    )
    assert p.step("load").cells == (0, 1, 2) and p.step("use").inputs == ("x",)


def test_kale_notebook_reads_as_is(corpus):
    from notebook_ops.model import load_pipeline

    p = load_pipeline(corpus / "kale.ipynb")
    assert p.step_names == ["load_data", "transform", "summarise"]
    assert p.setup_cells == (0, 1) and [x.name for x in p.parameters] == ["n"]
    assert p.step("transform").after == ("load_data",)
    assert p.step("transform").options["image"] == "python:3.11-slim"
    assert p.step("transform").options["cache"] is False
    assert p.step("summarise").options["resources"] == {"memory": "2Gi"}
    assert p.step("summarise").metrics == ("total", "root")
    assert p.step("transform").inputs == ("values",)  # double() comes from the functions cell
    assert [pr.code for pr in p.problems] == ["legacy-tag"] and p.ok


def test_kale_pipeline_name_and_description_are_read():
    from nbfactory import make_notebook
    from notebook_ops.model.build import build_pipeline

    kale = {"kubeflow_notebook": {"pipeline_name": "Titanic ML", "pipeline_description": "Predict survival"}}
    p = build_pipeline(make_notebook([("x = 1", ["block:load"])], kale), path="nb.ipynb")
    assert p.name == "titanic-ml" and p.settings["objective"] == "Predict survival"
    ours = {**kale, "notebook_ops": {"name": "mine", "objective": "ours"}}
    p = build_pipeline(make_notebook([("x = 1", ["block:load"])], ours), path="nb.ipynb")
    assert p.name == "mine" and p.settings["objective"] == "ours"  # notebook-ops settings win
