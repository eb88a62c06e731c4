"""The one import scanner: IPython syntax through IPython's transformer, then ``ast``."""

from notebook_ops.bundle.requirements import imported_modules
from notebook_ops.model.imports import imports, pip_installs, python_source, top_level_modules
from notebook_ops.execution.kernels import setup_imports


def test_magics_become_python_line_for_line():
    src = "%matplotlib inline\nimport numpy as np\nfiles = !ls\nnp?"
    out = python_source(src)
    assert out.count("\n") == src.count("\n")
    assert "import numpy as np" in out.splitlines()[1]
    assert python_source("x = 1\n") == "x = 1\n"  # plain code is returned as it is
    assert python_source("%%bash\nimport nothing") == ""
    assert "y = 2" in python_source("%%time\nimport a\ny = 2")


def test_a_setup_cell_with_a_magic_still_preloads_its_imports():
    setup = [
        "%matplotlib inline\nimport numpy as np\nfrom pandas import DataFrame\ndef f():\n    import json\n"
    ]
    assert setup_imports(setup) == ["numpy", "pandas"]  # top level only
    assert setup_imports(setup, exclude={"pandas"}) == ["numpy"]
    assert top_level_modules(["from . import x\nimport os.path"]) == ["os.path"]


def test_imports_know_relative_nested_and_optional():
    refs = imports(
        "from .pkg import a, b\ntry:\n    import ujson as json\n"
        "except ImportError:\n    import json\nif True:\n    import yaml\n"
    )
    assert [(r.module, r.level, r.names) for r in refs][0] == ("pkg", 1, ("a", "b"))
    by = {r.module: r for r in refs}
    assert by["ujson"].optional and by["json"].optional and not by["yaml"].optional
    assert not by["yaml"].top_level and refs[0].top_level


def test_requirements_scanner_uses_the_same_reader():
    assert imported_modules(["%matplotlib inline\nimport sklearn.linear_model\nimport os"]) == {"sklearn"}


def test_pip_install_lines_are_requirements():
    src = (
        "%pip install -q pandas==2.1.0 'scikit-learn>=1.3'\n!pip install -U seaborn\n"
        "!{sys.executable} -m pip install lightgbm\n!pip install -r requirements.txt\n"
        "!pip list\nx = 1\n"
    )
    assert pip_installs(src) == ["pandas==2.1.0", "scikit-learn>=1.3", "seaborn", "lightgbm"]
    assert pip_installs("print('pip install x')") == []
