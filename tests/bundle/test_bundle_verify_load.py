"""verify and load: a bundle is accepted only as exported; it loads back into a runnable Pipeline."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
import yaml

from notebook_ops.bundle import export_notebook, load_bundle, verify_bundle
from notebook_ops.errors import BundleInvalid
from notebook_ops.model import load_pipeline


@pytest.fixture
def bundle(small_notebook):
    return export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)


def test_verify_accepts_folder_and_archive(bundle):
    assert verify_bundle(bundle.folder).label == "small v1"
    b = verify_bundle(bundle.archive)
    assert b.files == verify_bundle(bundle.folder).files
    assert not b.folder.exists()  # the temporary extraction is gone


@pytest.mark.parametrize(
    "rel",
    ["steps/dump.ipynb", "requirements.txt", "pipeline.yaml", "wheels/notebook_ops-0.1.0-py3-none-any.whl"],
)
def test_one_byte_change_is_caught_and_named(bundle, rel):
    path = bundle.folder / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(BundleInvalid, match="checksum mismatch") as err:
        verify_bundle(bundle.folder)
    assert rel in str(err.value)


def test_extra_and_missing_files(bundle):
    (bundle.folder / "steps" / "evil.ipynb").write_text("{}")
    with pytest.raises(BundleInvalid, match="not in SHA256SUMS") as err:
        verify_bundle(bundle.folder)
    assert "evil.ipynb" in str(err.value)
    (bundle.folder / "steps" / "evil.ipynb").unlink()
    (bundle.folder / "Dockerfile").unlink()
    with pytest.raises(BundleInvalid, match="missing") as err:
        verify_bundle(bundle.folder)
    assert "Dockerfile" in str(err.value)


def test_manifest_schema_is_checked(bundle):
    """A manifest edited consistently (sums updated) but invalid is still refused."""
    from notebook_ops.bundle import checksums

    path = bundle.folder / "pipeline.yaml"
    m = yaml.safe_load(path.read_text())
    m["version"] = "three"
    path.write_text(yaml.safe_dump(m))
    (bundle.folder / "SHA256SUMS").write_text(checksums.render(bundle.folder))
    with pytest.raises(BundleInvalid, match="schema at version"):
        verify_bundle(bundle.folder)


def test_truncated_archive(bundle, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(bundle.archive.read_bytes()[:5000])
    with pytest.raises(BundleInvalid, match="damaged or truncated") as err:
        verify_bundle(cut)
    assert "cut.tar.gz" in str(err.value)


def test_tampered_archive_member_is_named(bundle, tmp_path):
    raw = io.BytesIO()
    with tarfile.open(bundle.archive) as src, tarfile.open(fileobj=raw, mode="w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name.endswith("steps/make.ipynb"):
                data = data.replace(b"range(rows)", b"range(999)")
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(gzip.compress(raw.getvalue()))
    with pytest.raises(BundleInvalid, match="steps/make.ipynb: checksum mismatch"):
        load_bundle(bad)


def test_archive_with_unsafe_paths_is_refused(tmp_path):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    bad = tmp_path / "evil.tar.gz"
    bad.write_bytes(gzip.compress(raw.getvalue()))
    with pytest.raises(BundleInvalid, match="unsafe entry"):
        verify_bundle(bad)
    assert not (tmp_path / "escape.txt").exists()


def test_not_a_bundle(tmp_path):
    with pytest.raises(BundleInvalid, match="no such bundle"):
        verify_bundle(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleInvalid, match="no SHA256SUMS"):
        verify_bundle(tmp_path / "empty")


def test_load_bundle_rebuilds_the_pipeline(bundle, small_notebook):
    original = load_pipeline(small_notebook)
    for source in (bundle.folder, bundle.archive):
        pipeline, notebooks, manifest = load_bundle(source)
        assert manifest["version"] == 1
        assert pipeline.step_names == original.step_names
        for a, b in zip(pipeline.steps, original.steps, strict=True):
            assert (a.after, a.inputs, a.outputs, a.input_sources, a.parameters_read, a.cells) == (
                b.after,
                b.inputs,
                b.outputs,
                b.input_sources,
                b.parameters_read,
                b.cells,
            )
            assert a.options == b.options
        assert [(p.name, p.type, p.default, p.help) for p in pipeline.parameters] == [
            (p.name, p.type, p.default, p.help) for p in original.parameters
        ]
        assert pipeline.setup_cells == original.setup_cells
        for i in original.setup_cells + tuple(c for s in original.steps for c in s.cells):
            assert pipeline.cell(i).source == original.cell(i).source
        assert pipeline.settings["metric_targets"] == {"count": ">= 1"}
        assert set(notebooks) == {"make", "dump", "report"}
        assert notebooks["make"]["cells"][0]["metadata"]["tags"] == ["parameters"]
        assert pipeline.notebook_hash == original.notebook_hash


def test_schema_is_valid_and_jsonschema_agrees(bundle):
    import jsonschema

    from notebook_ops.bundle.manifest import schema

    jsonschema.Draft202012Validator.check_schema(schema())
    m = yaml.safe_load((bundle.folder / "pipeline.yaml").read_text())
    jsonschema.Draft202012Validator(schema()).validate(m)
    m["steps"][0]["resources"]["disk"] = "1Gi"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(m)
