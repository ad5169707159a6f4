"""GrandStaff and PubChem end to end: `pgeval score` on files laid out as the official releases lay
them out (GrandStaff's partition lists beside grandstaff_dataset/, MolScribe's chemdraw.csv), with
the numbers worked out by hand, and their readers' and adapters' checks."""

import csv
import json
import sys

import pytest

from pgeval.adapters import ADAPTERS
from pgeval.data import SOURCES
from pgeval.errors import InputError
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_predictions
from pgeval.tasks import get_task
from tests.helpers import needs_extra, run_cli, score_json
from tests.synthetic import write_jsonl

PIECE = "grandstaff_dataset/chopin/mazurkas/mazurka17-4"
# Two systems as the release has them: the .bekrn cuts tokens into parts with "·" and numbers
# its barlines; the .krn is plain **kern.
SYSTEMS = {
    f"{PIECE}/original_m-0-4": (
        "**ekern_1.0\t**ekern_1.0\n4·C\t4·c 4·e\n=1\t=1\n",
        "**kern\t**kern\n4C\t4c 4e\n=1\t=1\n"),
    f"{PIECE}/original_m-4-8": ("4·c\n4·d\n", "4c\n4d\n"),
}


def write_grandstaff(data_dir, systems=SYSTEMS, listed=None):
    root = data_dir / "grandstaff"
    for stem, (bekern, kern) in systems.items():
        (root / stem).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{stem}.bekrn").write_text(bekern, encoding="utf-8")
        (root / f"{stem}.krn").write_text(kern, encoding="utf-8")
    partition = root / "partitions_grandstaff" / "types" / "test.txt"
    partition.parent.mkdir(parents=True, exist_ok=True)
    lines = listed if listed is not None else [f"{stem}.krn" for stem in systems]
    partition.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return partition


def test_grandstaff_score_worked_by_hand(tmp_path):
    write_grandstaff(tmp_path)
    a, b = SYSTEMS
    preds = write_jsonl(tmp_path / "p.jsonl", [
        # the chord's 4e missing; the measure number is erased on both sides
        {"id": a, "prediction": "**ekern_1.0\t**ekern_1.0\n4C\t4c\n=3\t=3"},
        {"id": b, "prediction": ""}])
    result = score_json("--task", "grandstaff", "--predictions", str(preds),
                        "--data-dir", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result["split"] == "test" and result["n"] == 2
    m = result["metrics"]
    # The references as compared: "**ekern_1.0\t**ekern_1.0\n4C\t4c 4e\n=\t=" (36 characters,
    # 12 symbols, 3 lines) and "4c\n4d" (5 characters, 3 symbols, 2 lines). Edits: " 4e" (3
    # characters, 1 symbol, 1 line), and everything of the empty one (5 characters; 3 symbols:
    # "" for "4c" and two insertions; 2 lines).
    assert m["cer"] == pytest.approx(100 * (3 + 5) / (36 + 5))
    assert m["ser"] == pytest.approx(100 * (1 + 3) / (12 + 3))
    assert m["ler"] == pytest.approx(100 * (1 + 2) / (3 + 2))
    rows = [json.loads(x) for x in (tmp_path / "out" / "grandstaff.test.jsonl").read_text().splitlines()]
    # each system's own CER
    assert [r["id"] for r in rows] == [a, b]
    assert [r["score"] for r in rows] == pytest.approx([100 * 3 / 36, 100.0])


def test_grandstaff_reads_the_release(tmp_path):
    write_grandstaff(tmp_path)
    spec = get_task("grandstaff")
    examples = load_examples(spec, tmp_path)
    a, b = SYSTEMS
    assert [e.id for e in examples] == [a, b]
    assert examples[0].references == (SYSTEMS[a][0],)  # the .bekrn as written
    assert examples[0].images == (f"{a}.jpg",)  # the clean image, not _distorted.jpg
    krn = SOURCES.get("grandstaff")(splits={"test": {
        "partition": "partitions_grandstaff/types/test.txt", "transcription": "krn"}})
    assert krn.load(tmp_path / "grandstaff", "test")[1].references == ("4c\n4d\n",)
    # the .bekrn (less its "·") scored against the .krn: only the headers differ, **ekern_1.0
    # for **kern, 5 characters each (of 26 + 5), 1 symbol each (of 12 + 3), 1 line (of 3 + 2)
    kern_examples = krn.load(tmp_path / "grandstaff", "test")
    metrics = score_predictions(spec, kern_examples, [e.references[0] for e in examples]).metrics
    assert metrics == pytest.approx({"cer": 100 * 10 / 31, "ler": 100 * 1 / 5, "ser": 100 * 2 / 15})
    scored = score_predictions(spec, kern_examples, [e.references[0] for e in kern_examples])
    assert scored.metrics == {"cer": 0.0, "ler": 0.0, "ser": 0.0}
    assert scored.directions == {"cer": "lower", "ler": "lower", "ser": "lower"}


@pytest.mark.parametrize(("listed", "message"), [
    (["/abs/x.krn"], "test.txt:1: expected a relative path to a .krn file"),
    (["", "grandstaff_dataset/a/b/c/original_m-0-4.bekrn"], "test.txt:2: expected a relative path"),
    (["grandstaff_dataset/a/b/c/missing.krn"], "the listed system has no .bekrn file"),
    ([], "the partition file lists no system"),
])
def test_grandstaff_bad_release(tmp_path, listed, message):
    write_grandstaff(tmp_path, listed=listed)
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        load_examples(get_task("grandstaff"), tmp_path)


def test_grandstaff_empty_transcription_and_bad_spec(tmp_path):
    write_grandstaff(tmp_path, systems={f"{PIECE}/original_m-0-4": ("\n", "\n")})
    with pytest.raises(InputError, match="empty transcription"):
        load_examples(get_task("grandstaff"), tmp_path)
    with pytest.raises(InputError, match="transcription must be one of"):
        SOURCES.get("grandstaff")(splits={"test": {"partition": "t.txt", "transcription": "mei"}})


def test_omr_adapter_reads_smt_tokens():
    from pgeval.data import Example

    examples = [Example(id="1", references=("4c 4e\t4C\n=\t=",))]
    smt = ADAPTERS.get("omr_error_rates")(smt_tokens=True)
    assert smt.score(["4c<s>4e<t>4C<b>=<t>="], examples).metrics == {"cer": 0.0, "ler": 0.0, "ser": 0.0}
    # read as plain text, "<t>" is three characters where a tab is one, and so on
    plain = ADAPTERS.get("omr_error_rates")().score(["4c<s>4e<t>4C<b>=<t>="], examples)
    assert plain.metrics["ler"] == 100.0  # one line against two: a substitution and a deletion
    assert ADAPTERS.get("omr_error_rates").direction("ser:val") == "lower"
    with pytest.raises(InputError, match="the reference transcription is empty"):
        smt.score(["x"], [Example(id="2", references=("·\n",))])  # nothing left once normalized
    with pytest.raises(InputError, match="true or false"):
        ADAPTERS.get("omr_error_rates")(smt_tokens="yes")


def test_omr_adapter_prepares_the_reference_as_smt_does():
    from pgeval.data import Example

    # the reference's final "·" is not stripped: SMT compares against "4c\t4e\n", 6 characters,
    # 2 lines ("4c\t4e", ""), 5 symbols (4c <t> 4e <b> and the empty one after the last space)
    examples = [Example(id="1", references=("4c\t4e\n·",))]
    scored = ADAPTERS.get("omr_error_rates")().score(["4c\t4e"], examples)
    assert scored.metrics == {"cer": pytest.approx(100 / 6), "ler": 50.0, "ser": 40.0}


CHEMDRAW = [("US07320977-20080122-C00065", "CCO"), ("US07320977-20080122-C00066", "C/C=C\\C"),
            ("US07320977-20080122-C00067", "c1ccccc1"), ("US07320977-20080122-C00068", "F[C@@H](Cl)Br")]


def write_chemdraw(data_dir, rows=CHEMDRAW):
    path = data_dir / "pubchem" / "synthetic" / "chemdraw.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["image_id", "file_path", "SMILES"])
        writer.writerows([i, f"synthetic/chemdraw/{i}.png", s] for i, s in rows)
    return path


def pubchem_predictions(tmp_path):
    # ethanol from the other end, trans for cis, benzene as written, the other enantiomer
    return write_jsonl(tmp_path / "p.jsonl", [
        {"id": i, "prediction": p} for (i, _), p in zip(CHEMDRAW, ["OCC", "C/C=C/C", "c1ccccc1",
                                                                   "F[C@H](Cl)Br"], strict=True)])


def test_pubchem_score_with_rdkit(tmp_path):
    needs_extra("chem", "rdkit")
    write_chemdraw(tmp_path)
    result = score_json("--task", "pubchem", "--predictions", str(pubchem_predictions(tmp_path)),
                        "--data-dir", str(tmp_path))
    # exact strings: only benzene (1 of 4); canonical (MolScribe): ethanol, the cis/trans pair
    # (its marks are dropped) and benzene (3 of 4); the enantiomer misses either way
    assert result["metrics"] == {"accuracy_canonical": 75.0, "accuracy": 25.0}
    assert result["info"]["smiles_match"].startswith("canonical (RDKit 20")


def test_pubchem_score_without_rdkit(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rdkit", None)  # as if RDKit were not installed
    write_chemdraw(tmp_path)
    result = score_json("--task", "pubchem", "--predictions", str(pubchem_predictions(tmp_path)),
                        "--data-dir", str(tmp_path))
    assert result["metrics"] == {"accuracy": 25.0}
    assert result["info"] == {"smiles_match": "exact string (RDKit not installed)"}


def test_pubchem_reads_molscribe_tables(tmp_path):
    write_chemdraw(tmp_path)
    examples = load_examples(get_task("pubchem"), tmp_path)
    assert examples[1].id == "US07320977-20080122-C00066"
    assert examples[1].references == ("C/C=C\\C",)
    assert examples[1].images == ("synthetic/chemdraw/US07320977-20080122-C00066.png",)
    spec = get_task("pubchem")
    assert spec.keys == ("accuracy_canonical", "accuracy") and spec.max_decode_len == 256
    path = tmp_path / "pubchem" / "synthetic" / "chemdraw.csv"
    for content, message in (("image_id,file_path\nx,y.png\n", r"missing column\(s\) \['SMILES'\]"),
                             ("image_id,file_path,SMILES\nx,y.png\n", "chemdraw.csv:2: row has a different"),
                             ("image_id,file_path,SMILES\nx,y.png,\n", "must not be empty"),
                             ("image_id,file_path,SMILES\n", "no rows")):
        path.write_text(content, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_examples(spec, tmp_path)


def test_pubchem_missing_file_exits_2(tmp_path):
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": "x", "prediction": "C"}])
    result = run_cli("score", "--task", "pubchem", "--predictions", str(preds),
                     "--data-dir", str(tmp_path))
    assert result.exit_code == 2 and "synthetic/chemdraw.csv" in result.stderr
