"""``nbo.log_model``: a trained model saved in MLflow's own format for its library, to be
registered as a new version in the MLflow Model Registry with its lineage.

In a pipeline or bundle step the kernel only saves the model (MLflow's ``save_model`` for the
flavour) into the step's folder of the data store and lists it in ``_models.json``; the runner,
outside the kernel, logs it with the step's MLflow run and registers the version, tagged with the
run, step, parameters, git commit and bundle (``tracking/registry.py``). Interactively (no run)
the model is logged and registered at once in the default store (``.notebook_ops/mlflow.db`` or
``MLFLOW_TRACKING_URI``).

MLflow is imported only when ``log_model`` is called.
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path

from notebook_ops.kernel_side import helpers
from notebook_ops.kernel_side.library_serializers import _PREFERENCES, SAFE_SKLEARN, _instance_of
from notebook_ops.model.logged_models import NAME_RE, NAME_RULE
from notebook_ops.tracking.registry import register_interactive

MODELS = "_models"  # the step's folder of saved models in the data store
MODELS_JSON = "_models.json"  # [{"name", "flavor", "files": [...], "signature": bool}]

# (flavour, library module, classes), first match wins: the libraries' scikit-learn wrappers
# are scikit-learn estimators too, so they come first
_FLAVORS = (
    ("xgboost", "xgboost", ("Booster", "XGBModel")),
    ("lightgbm", "lightgbm", ("Booster", "LGBMModel")),
    ("sklearn", "sklearn.base", ("BaseEstimator",)),
    ("pytorch", "torch.nn", ("Module",)),
    ("keras", "keras", ("Model",)),
)


def preload_for(sources, imported) -> list[str]:
    """MLflow modules a forked kernel's zygote imports ahead when the pipeline's code calls
    ``log_model`` (``imported``: the setup cells' modules): MLflow's import is then paid once per
    run, not in every step that logs a model."""
    if not any("log_model(" in s for s in sources):
        return []
    tops = {m.split(".")[0] for m in imported}
    libs = {
        "xgboost": "xgboost",
        "lightgbm": "lightgbm",
        "sklearn": "sklearn",
        "torch": "pytorch",
        "keras": "keras",
    }
    return ["mlflow.models", "mlflow.pyfunc", *(f"mlflow.{f}" for lib, f in libs.items() if lib in tops)]


def flavor_of(obj) -> str:
    """MLflow's flavour for ``obj`` ("pyfunc" when no library flavour fits)."""
    for flavor, module, classes in _FLAVORS:
        if _instance_of(obj, module, *classes):
            return flavor
    return "pyfunc"


def _signature(obj, example):
    """The model signature inferred from ``example`` and the model's prediction on it."""
    if example is None:
        return None
    from mlflow.models import infer_signature  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

    predict = getattr(obj, "predict", None) or (obj if callable(obj) else None)
    try:
        output = predict(example) if predict is not None else None
    except Exception:  # a model that cannot predict on its example: inputs only
        output = None
    return infer_signature(example, output)


class _Predicts:
    """A pyfunc model around any object with ``predict`` (or a callable)."""

    def __init__(self, obj):
        self.obj = obj

    def predict(self, context, model_input, params=None):
        fn = getattr(self.obj, "predict", None) or self.obj
        return fn(model_input)


def save(obj, path: str, *, input_example=None) -> dict:
    """Save ``obj`` with its MLflow flavour under ``path``; returns {"flavor", "signature"}."""

    flavor = flavor_of(obj)
    signature = _signature(obj, input_example)
    kw: dict = {"signature": signature, "input_example": input_example}
    if flavor == "pyfunc":
        import mlflow.pyfunc  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

        base = type("NotebookOpsModel", (_Predicts, mlflow.pyfunc.PythonModel), {})
        mlflow.pyfunc.save_model(path, python_model=base(obj), **kw)
    else:
        mod = importlib.import_module(f"mlflow.{flavor}")
        defaults = getattr(mod, "get_default_pip_requirements", None)
        if defaults is not None:  # MLflow would otherwise load the model in a subprocess to infer them
            kw["pip_requirements"] = defaults()
        if flavor == "sklearn":  # skops only when the pipeline asks for safe loading, as between steps:
            # importing skops.io lists every estimator (torch included): 5 s of a step here
            kw["serialization_format"] = (
                "skops" if _PREFERENCES.get("sklearn") == SAFE_SKLEARN else "cloudpickle"
            )
        mod.save_model(obj, path, **kw)
    return {"flavor": flavor, "signature": signature is not None}


def log_model(obj, name: str, input_example=None) -> str:
    """Save ``obj`` in MLflow's format for its library and register it as a new version of the
    registered model ``name``, with its lineage. Returns ``models:/NAME`` in a run (the version
    is numbered when the run is logged), ``models:/NAME/VERSION`` interactively."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(f"log_model: model name {name!r} must {NAME_RULE}")
    if obj is None:
        raise TypeError(f"log_model: no model given for {name!r}")
    store, ctx = helpers.current_store(), helpers.context()
    with tempfile.TemporaryDirectory(prefix="nbo-model-") as tmp:
        folder = Path(tmp) / name
        info = save(obj, str(folder), input_example=input_example)
        if store is None or not ctx.step:
            version = register_interactive(str(folder), name, info["flavor"])
            return f"models:/{name}/{version}"
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        for rel in files:
            store.write_bytes((ctx.step, MODELS, name, *rel.split("/")), (folder / rel).read_bytes())
    listed = [m for m in store.read_json((ctx.step, MODELS_JSON), default=[]) or [] if m.get("name") != name]
    listed.append({"name": name, "files": files, **info})
    store.write_json((ctx.step, MODELS_JSON), listed)
    return f"models:/{name}"
