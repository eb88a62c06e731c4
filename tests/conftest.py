"""Fixtures shared by all tests."""
import pytest

from nbfactory import CORPUS, EXAMPLES, make_notebook  # noqa: F401


@pytest.fixture
def nb_factory():
    return make_notebook


@pytest.fixture
def corpus():
    return CORPUS
