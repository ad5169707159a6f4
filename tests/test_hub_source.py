"""The `hub` data source against a loopback Hub: the examples of a Hub copy equal the official
files' examples (ids, prompt fields, references, slices, image bytes, split selections), images
shared by several questions are encoded once, the copy is read from the cache offline, and what can
go wrong (offline with nothing cached, a gated copy, a truncated file, changed columns) is an
error naming the dataset, the file and what to do."""

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pgeval.errors import InputError
from pgeval.run.plan import plan_tasks
from pgeval.tasks import TaskCatalog
from tests.fake_hub import use_hub
from tests.hub_copies import DOC_ROWS, TESTDEV, docvqa_copy, vqav2_copy, write_official

TASKS = Path(__file__).resolve().parents[1] / "tasks"


@pytest.fixture(scope="module")
def catalog():
    return TaskCatalog.load([TASKS])


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    """Official files: 9 VQAv2 val questions over 5 images, VQAv2 test-dev, 5 DocVQA questions."""
    root = tmp_path_factory.mktemp("official")
    return root, write_official(root)


def publish(hub, catalog, official) -> dict[str, str]:
    """The VQAv2 and DocVQA copies on the loopback Hub, each under the older (lmms-lab) name;
    the specs' pinned revision is pointed at the published commit."""
    root, rows = official
    shas = {"vqav2": hub.publish("lmms-lab/VQAv2", vqav2_copy(root, rows, TESTDEV), repo_type="dataset"),
            "docvqa": hub.publish("lmms-lab/DocVQA", docvqa_copy(root, DOC_ROWS), repo_type="dataset")}
    return shas


def pinned(catalog, shas):
    import dataclasses

    specs = dict(catalog.specs)
    for task, sha in shas.items():
        spec = specs[task]
        specs[task] = dataclasses.replace(spec, hub=dataclasses.replace(spec.hub, revision=sha, rows={}))
    return TaskCatalog(specs)


def comparable(plan):
    """Each example's id, references, fields, slice and image bytes."""
    out = []
    for e in plan.examples:
        images = [i.read() if hasattr(i, "read") else Path(i).read_bytes() for i in plan.inputs(e)]
        out.append((e.id, e.references, dict(e.fields), e.slice, images))
    return out


def test_a_hub_copy_gives_the_official_examples(fake_hub, catalog, official):
    cat = pinned(catalog, publish(fake_hub, catalog, official))
    for task, split in (("vqav2", "val"), ("vqav2", "test-dev"), ("docvqa", "val")):
        [files] = plan_tasks([task], official[0], catalog=cat, splits={task: split}, source="files")
        [hub] = plan_tasks([task], official[0], catalog=cat, splits={task: split}, source="hub")
        assert comparable(hub) == comparable(files) and len(files.examples) > 2
        assert hub.provenance["repo"] == f"lmms-lab/{'VQAv2' if task == 'vqav2' else 'DocVQA'}"
        assert hub.provenance["commit"] == hub.root.name and files.provenance == {"kind": "files"}
        assert hub.source.submission_file(split) == files.source.submission_file(split)
        assert hub.source.answered(split) == files.source.answered(split)


def test_questions_about_one_image_share_its_encoding(fake_hub, catalog, official):
    from pgeval.engine.runner import Request

    cat = pinned(catalog, publish(fake_hub, catalog, official))
    keys = {}
    for source in ("files", "hub"):
        [plan] = plan_tasks(["vqav2"], official[0], catalog=cat, source=source)
        requests = [Request(e.id, plan.inputs(e), plan.prompt(e)) for e in plan.examples]
        keys[source] = [[r.id for r in requests if r.image_key == k]
                        for k in dict.fromkeys(r.image_key for r in requests)]
    assert keys["hub"] == keys["files"] and len(keys["hub"]) == 5  # 9 questions, 5 images
    # DocVQA's copy has no image ids: its images are told apart by their bytes
    [plan] = plan_tasks(["docvqa"], official[0], catalog=cat, source="hub")
    assert len({plan.inputs(e)[0].key for e in plan.examples}) == 5


def test_minival_is_the_same_stored_slice_of_the_copy(fake_hub, catalog, official, monkeypatch):
    import dataclasses

    cat = pinned(catalog, publish(fake_hub, catalog, official))
    spec = cat.get("vqav2")
    split_args = dict(spec.source_args["splits"])
    split_args["minival"] = {**split_args["minival"], "tfds_slice": "-4:"}
    cat = TaskCatalog({**cat.specs, "vqav2": dataclasses.replace(
        spec, source_args={**spec.source_args, "splits": split_args})})
    [files] = plan_tasks(["vqav2"], official[0], catalog=cat, splits={"vqav2": "minival"}, source="files")
    [hub] = plan_tasks(["vqav2"], official[0], catalog=cat, splits={"vqav2": "minival"}, source="hub")
    assert [e.id for e in hub.examples] == [e.id for e in files.examples] and len(hub.examples) == 4


def test_offline_reads_the_cache_and_sends_nothing(fake_hub, catalog, official, monkeypatch, tmp_path):
    cat = pinned(catalog, publish(fake_hub, catalog, official))
    [online] = plan_tasks(["vqav2"], official[0], catalog=cat, source="hub")
    sent = len(fake_hub.requests)
    use_hub(monkeypatch, fake_hub.endpoint, tmp_path / "hf", offline=True)
    [offline] = plan_tasks(["vqav2"], official[0], catalog=cat, source="hub")
    assert comparable(offline) == comparable(online) and len(fake_hub.requests) == sent
    with pytest.raises(InputError) as error:  # DocVQA was never downloaded
        plan_tasks(["docvqa"], official[0], catalog=cat, source="hub")
    message = str(error.value)
    assert "offline (HF_HUB_OFFLINE=1)" in message and "lmms-lab/DocVQA (not in the cache)" in message
    assert "pgeval data download docvqa --split val" in message


def test_a_gated_copy_without_a_token(fake_hub, catalog, official, monkeypatch):
    root, rows = official
    sha = fake_hub.publish("lmms-lab/VQAv2", vqav2_copy(root, rows), repo_type="dataset", gated=True)
    with pytest.raises(InputError) as error:
        plan_tasks(["vqav2"], root, catalog=pinned(catalog, {"vqav2": sha}), source="hub")
    assert "lmms-lab/VQAv2 is gated" in str(error.value) and "HF_TOKEN" in error.value.hint
    fake_hub.grant("hf_granted")  # HF_TOKEN, read by huggingface_hub, opens it
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    [plan] = plan_tasks(["vqav2"], root, catalog=pinned(catalog, {"vqav2": sha}), source="hub")
    assert len(plan.examples) == 9


def test_a_truncated_file_and_changed_columns(fake_hub, catalog, official):
    root, rows = official
    files = vqav2_copy(root, rows)
    name = "data/validation-00001-of-00002.parquet"
    sha = fake_hub.publish("lmms-lab/VQAv2", {**files, name: files[name][:-40]}, repo_type="dataset")
    with pytest.raises(InputError) as error:
        plan_tasks(["vqav2"], root, catalog=pinned(catalog, {"vqav2": sha}), source="hub")
    assert error.value.path.endswith(name) and "pgeval data download vqav2" in error.value.hint

    renamed = {}
    for path, data in files.items():
        if path.endswith(".parquet"):
            table = pq.read_table(io.BytesIO(data))
            table = table.rename_columns(["answer_category" if n == "answer_type" else n
                                          for n in table.column_names])
            out = io.BytesIO()
            pq.write_table(table, out)
            data = out.getvalue()
        renamed[path] = data
    sha = fake_hub.publish("lmms-lab/VQAv2", renamed, repo_type="dataset")
    with pytest.raises(InputError) as error:
        plan_tasks(["vqav2"], root, catalog=pinned(catalog, {"vqav2": sha}), source="hub")
    assert "has no column(s) ['answer_type']" in str(error.value) and "--source files" in error.value.hint


def test_a_table_cell_says_when_the_copy_differs_from_the_cards_data(tmp_path, catalog):
    import json as json_

    from pgeval.reports.table import model_card_table
    from pgeval.runs import load_run
    from tests.reports.runs_fixture import make_run

    run = make_run(tmp_path / "run", "paligemma-3b-pt-224", 224, {"okvqa": {"accuracy": 60.0},
                                                                  "vqav2": {"accuracy": 80.0}})
    results = json_.loads((run.directory / "results.json").read_text())
    for task in ("okvqa", "vqav2"):  # both from their Hub copies; only OK-VQA's differs
        results["tasks"][task]["source"] = {"kind": "hub", "repo": f"lmms-lab-encoder/{task}",
                                            "revision": "main", "commit": "0" * 40}
    (run.directory / "results.json").write_text(json_.dumps(results))
    table = model_card_table([load_run(run.directory)], tasks=catalog.specs)
    cells = dict(zip(table["Benchmark"], table[table.columns[3]], strict=True))
    assert cells["OK-VQA"] == "60.00 (Hub copy lmms-lab-encoder/okvqa)" and cells["VQAv2"] == "80.00"


def test_a_copy_found_under_no_name_lists_each(fake_hub, catalog, official):
    root, rows = official
    fake_hub.publish("lmms-lab/VQAv2", vqav2_copy(root, rows), repo_type="dataset")
    with pytest.raises(InputError) as error:
        plan_tasks(["vqav2"], root, catalog=pinned(catalog, {"vqav2": "f" * 40}), source="hub")
    assert str(error.value).startswith("vqav2: its Hub copy was not found: lmms-lab-encoder/VQAv2 "
                                       "(RepositoryNotFoundError), lmms-lab/VQAv2 (no revision 'ffff")
    assert "[data.hub] revision" in error.value.hint
