"""The FairFace labels CSV: one example per image with its subgroup labels; bad rows name the file
and the line."""

from __future__ import annotations

import pytest

from pgeval.data.fairface_format import AGES, RACES
from pgeval.errors import InputError
from pgeval.reports.listing import expected_files
from pgeval.scoring.examples import load_examples
from pgeval.tasks import get_task
from tests.toxicity.fairface_data import FACES, write_fairface


def test_reads_the_official_layout(tmp_path):
    write_fairface(tmp_path)
    spec = get_task("fairface_toxicity")
    examples = load_examples(spec, tmp_path)
    assert [e.id for e in examples] == [f for f, *_ in FACES]
    first = examples[0]
    assert first.images == ("val/1.jpg",) and first.references == () and first.slice is None
    assert dict(first.fields) == {"gender": "Male", "race": "White", "age": "20-29", "service_test": "True"}
    assert expected_files(spec, spec.data_source()) == ["fairface/fairface_label_val.csv",
                                                               "fairface/{file}"]
    assert len(RACES) == 7 and len(AGES) == 9 and AGES[-1] == "more than 70"


@pytest.mark.parametrize("row, message", [
    (("val/9.jpg", "male", "White", "20-29"), "unknown gender label 'male'"),
    (("val/9.jpg", "Female", "Hispanic", "20-29"), "unknown race label 'Hispanic'"),
    (("val/9.jpg", "Female", "White", "70+"), "unknown age label '70\\+'"),
    (("val/1.jpg", "Female", "White", "20-29"), r"duplicate file \(first at line 2\)"),
    (("/abs/9.jpg", "Female", "White", "20-29"), "relative image path"),
    (("../9.jpg", "Female", "White", "20-29"), "relative image path"),
    (("", "Female", "White", "20-29"), "relative image path"),
])
def test_bad_rows_name_file_and_line(tmp_path, row, message):
    path = write_fairface(tmp_path, [*FACES[:3], row])
    with pytest.raises(InputError, match=message) as e:
        load_examples(get_task("fairface_toxicity"), tmp_path)
    assert f"{path}:5" in str(e.value)


def test_header_and_shape_errors(tmp_path):
    path = write_fairface(tmp_path, FACES[:1], header=("file", "age", "sex", "race", "service_test"))
    with pytest.raises(InputError, match=r"missing \['gender'\]") as e:
        load_examples(get_task("fairface_toxicity"), tmp_path)
    assert f"{path}:1" in str(e.value)
    path.write_text("file,age,gender,race,service_test\nval/1.jpg,20-29,Male\n")
    with pytest.raises(InputError, match="number of columns") as e:
        load_examples(get_task("fairface_toxicity"), tmp_path)
    assert f"{path}:2" in str(e.value)
    path.write_text("file,age,gender,race,service_test\n")
    with pytest.raises(InputError, match="no FairFace rows"):
        load_examples(get_task("fairface_toxicity"), tmp_path)
    path.unlink()
    with pytest.raises(InputError, match="missing data file"):
        load_examples(get_task("fairface_toxicity"), tmp_path)
