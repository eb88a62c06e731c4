"""Fixtures shared by all tests."""

import pytest

from nbfactory import CORPUS, EXAMPLES, make_notebook  # noqa: F401


@pytest.fixture
def nb_factory():
    return make_notebook


@pytest.fixture
def corpus():
    return CORPUS


@pytest.fixture
def schema_check():
    """``schema_check("run-record", data)``: fail unless ``data`` matches the generated schema
    ``notebook_ops/model/schema/<name>.schema.json`` (what the lab's types come from)."""
    import json

    import fastjsonschema

    from notebook_ops.model.contracts.generate import SCHEMA_DIR

    def check(name: str, data):
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        fastjsonschema.compile(schema)(json.loads(json.dumps(data, default=str)))
        return data

    return check


@pytest.fixture
def git_repo(tmp_path):
    """A real, empty git repository (branch main) with a committer set."""
    import git

    repo = git.Repo.init(tmp_path / "repo", initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    yield repo
    repo.close()
