"""Write the contracts' JSON Schemas into ``notebook_ops/model/schema/`` (or check them), and
the REST API's OpenAPI document made of them (``openapi.json``, see ``contracts.openapi``).

    python -m notebook_ops.model.contracts.generate          # write
    python -m notebook_ops.model.contracts.generate --check  # exit 1 naming stale files

pydantic (a development tool here; the package itself never imports it) reads the dataclasses'
type hints and writes JSON Schema 2020-12; one file per top-level contract, nested ones in
``$defs``. The output is sorted and stable, so a diff shows every contract change.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from pydantic import TypeAdapter

from notebook_ops.model.contracts.base import Contract
from notebook_ops.model.contracts.openapi import document
from notebook_ops.model.contracts.route_table import OPENAPI_FILE

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
# file name -> "module:Class" (module under notebook_ops.model.contracts)
SCHEMAS = {
    "run-record": "runs:RunRecord",
    "run-listing": "runs:RunListing",
    "run-progress": "runs:RunProgress",
    "run-comparison": "runs:RunComparison",
    "pipeline-view": "pipeline_view:PipelineView",
    "folder-view": "folder_view:FolderView",
    "staleness-view": "stale_view:StalenessView",
    "schedule-spec": "schedules:ScheduleSpec",
    "schedule-view": "schedules:ScheduleView",
    "scheduled-run-view": "schedules:ScheduledRunView",
    "event-data": "events:EventData",
    "rest-features-response": "rest:FeaturesResponse",
    "rest-inspect-pipeline": "rest:InspectPipeline",
    "rest-inspect-stale-steps": "rest:InspectStaleSteps",
    "rest-create-pipeline-file": "rest:CreatePipelineFile",
    "rest-pipeline-file-response": "rest:PipelineFileResponse",
    "rest-edit-elyra-pipeline": "rest:EditElyraPipeline",
    "rest-elyra-edit-response": "rest:ElyraEditResponse",
    "rest-create-run": "rest:CreateRun",
    "rest-run-view": "rest:RunView",
    "rest-runs-response": "rest:RunsResponse",
    "rest-cancel-response": "rest:CancelResponse",
    "rest-step-notebook-response": "rest:StepNotebookResponse",
    "rest-create-export": "rest:CreateExport",
    "rest-export-response": "rest:ExportResponse",
    "rest-proof-progress": "rest:ProofProgress",
    "rest-proofs-response": "rest:ProofsResponse",
    "rest-create-schedule": "rest:CreateSchedule",
    "rest-update-schedule": "rest:UpdateSchedule",
    "rest-schedules-response": "rest:SchedulesResponse",
    "rest-host-scheduler": "rest:HostScheduler",
    "rest-scheduler-state": "rest:SchedulerState",
    "rest-remote-runs-response": "rest:RemoteRunsResponse",
    "rest-models-response": "models:ModelsResponse",
    "rest-promote-model": "models:PromoteModel",
    "rest-promote-response": "models:PromoteResponse",
    "rest-check-alerts": "alerts:CheckAlerts",
    "rest-alert-checks-response": "alerts:AlertChecksResponse",
    "rest-send-test-alert": "alerts:SendTestAlert",
    "rest-test-alert-response": "alerts:TestAlertResponse",
    "rest-error": "rest:ErrorResponse",
    "proof-record": "proofs:ProofRecord",
}


def _load(ref: str):
    module, name = ref.split(":")
    return getattr(importlib.import_module(f"notebook_ops.model.contracts.{module}"), name)


# what clients send (fields with a default may be left out); everything else is what we write,
# where every field is always present (so generated client types mark none optional)
REQUESTS = (
    "schedule-spec",
    "rest-inspect-pipeline",
    "rest-inspect-stale-steps",
    "rest-create-pipeline-file",
    "rest-edit-elyra-pipeline",
    "rest-create-run",
    "rest-create-export",
    "rest-create-schedule",
    "rest-update-schedule",
    "rest-host-scheduler",
)


def _classes() -> dict[str, type]:
    """Every contract class by name (a schema's $defs name them)."""

    out: dict[str, type] = {}
    for ref in SCHEMAS.values():
        module = sys.modules[_load(ref).__module__]
        out.update({k: v for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, Contract)})
    return out


def schema_of(cls, request: bool = False) -> dict:

    body = TypeAdapter(cls).json_schema(ref_template="#/$defs/{model}")
    if not request:
        classes = _classes()
        for name, obj in [(cls.__name__, body), *body.get("$defs", {}).items()]:
            omitted = getattr(classes.get(name), "OMITTED_WHEN_NONE", ())
            if "properties" in obj:
                obj["required"] = sorted(set(obj["properties"]) - set(omitted))
    doc = (cls.__doc__ or "").strip()
    if doc.startswith(f"{cls.__name__}("):  # dataclass' generated signature: not a description
        body.pop("description", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://notebook-ops.dev/schemas/{cls.__name__}.json",
        **body,
    }


def _dump(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected() -> dict[Path, str]:

    schemas = {name: schema_of(_load(ref), name in REQUESTS) for name, ref in SCHEMAS.items()}
    out = {SCHEMA_DIR / f"{name}.schema.json": _dump(schema) for name, schema in schemas.items()}
    out[SCHEMA_DIR / OPENAPI_FILE.name] = _dump(document(schemas))
    return out


def stale() -> list[Path]:
    return [p for p, text in expected().items() if not p.is_file() or p.read_text(encoding="utf-8") != text]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        bad = stale()
        for p in bad:
            print(f"{p}: stale; run python -m notebook_ops.model.contracts.generate", file=sys.stderr)
        return 1 if bad else 0
    for path, text in expected().items():
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
