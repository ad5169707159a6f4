"""ICDAR 2015 and Total-Text: the official ground-truth layouts read, and `pgeval score` end to end."""

import json

import pytest
from PIL import Image

from pgeval.data.spotting_formats import SpottingTarget
from pgeval.errors import InputError
from pgeval.metrics.spotting import Word
from pgeval.scoring.examples import load_examples
from pgeval.scoring.score import score_predictions
from pgeval.tasks import get_task
from tests.helpers import score_json
from tests.synthetic import write_jsonl

BOM = "\ufeff"


def blank_image(path, width, height):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), "white").save(path)


def write_icdar15(data_dir):
    """Three images as in RRC Challenge 4: UTF-8 with a BOM, CRLF lines, a comma and quotes in
    transcriptions, a "###" region, and a file with no word."""
    root = data_dir / "icdar15"
    gt = root / "Challenge4_Test_Task1_GT"
    gt.mkdir(parents=True)
    (gt / "gt_img_1.txt").write_bytes((BOM + "10,10,110,10,110,50,10,50,Hello, world\r\n"
                                       "200,10,300,10,300,50,200,50,###\r\n"
                                       ' 400 , 10 ,500,10,500,50,400,50,"say \\"hi\\""\r\n').encode())
    (gt / "gt_img_2.txt").write_bytes((BOM + "0,0,100,0,100,100,0,100,EXIT\r\n").encode())
    (gt / "gt_img_10.txt").write_bytes(BOM.encode())
    blank_image(root / "ch4_test_images" / "img_1.jpg", 1023, 1023)
    blank_image(root / "ch4_test_images" / "img_2.jpg", 2046, 1023)
    blank_image(root / "ch4_test_images" / "img_10.jpg", 1023, 1023)
    return root


def write_total_text(data_dir):
    """Two images as in txt_format.zip: a record wrapped onto two lines, a double-quoted
    transcription, a "#" region, a "," word, and an image stored as .JPG."""
    root = data_dir / "total_text"
    gt = root / "txt_format" / "Test"
    gt.mkdir(parents=True)
    (gt / "poly_gt_img1.txt").write_text(
        "x: [[10 110 110 10]], y: [[10 10 50 50]], ornt: [u'h'], transcriptions: [u'nauGHTY']\n"
        "x: [[200 250 300 300\n 250 200]], y: [[10 5 10 50 45 50]], ornt: [u'c'], "
        "transcriptions: [u\"Joe's\"]\n"
        "x: [[400 500 500 400]], y: [[10 10 50 50]], ornt: [u'#'], transcriptions: [u'#']\n",
        encoding="utf-8")
    (gt / "poly_gt_img2.txt").write_text(
        "x: [[0 100 100 0]], y: [[0 0 100 100]], ornt: [u'm'], transcriptions: [u',']\n", encoding="utf-8")
    blank_image(root / "totaltext" / "Images" / "Test" / "img1.jpg", 1023, 1023)
    blank_image(root / "totaltext" / "Images" / "Test" / "img2.JPG", 1023, 1023)
    return root


def sq(x1, y1, x2, y2):
    return ((x1, y1), (x2, y1), (x2, y2), (x1, y2))


def test_icdar15_ground_truth(tmp_path):
    write_icdar15(tmp_path)
    examples = load_examples(get_task("icdar15"), tmp_path)
    assert [e.id for e in examples] == ["img_1", "img_2", "img_10"]  # numeric order
    assert examples[0].images == ("ch4_test_images/img_1.jpg",)
    first = examples[0].target
    assert isinstance(first, SpottingTarget) and first.size == (1023, 1023)
    assert first.words == (Word(sq(10, 10, 110, 50), "Hello, world"), Word(sq(200, 10, 300, 50), "###", True),
                           Word(sq(400, 10, 500, 50), 'say "hi"'))
    assert examples[1].target.size == (2046, 1023)
    assert examples[2].target.words == ()


@pytest.mark.parametrize(("content", "line"), [
    (BOM + "1,2,3,4,5,6,7,8,ok\r\n1,2,3,4,5,6,7,word\r\n", 2),  # 7 numbers
    ("1,2,3,4,5,6,7,8\n", 1),  # no transcription
    ("1,2,3,4,5,6,7,8.5,x\n", 1),
])
def test_icdar15_malformed_line(tmp_path, content, line):
    root = write_icdar15(tmp_path)
    (root / "Challenge4_Test_Task1_GT" / "gt_img_2.txt").write_bytes(content.encode())
    with pytest.raises(InputError, match="x1,y1,x2,y2") as e:
        load_examples(get_task("icdar15"), tmp_path)
    assert e.value.path.endswith("gt_img_2.txt") and e.value.line == line


def test_icdar15_utf16_is_still_refused(tmp_path):
    root = write_icdar15(tmp_path)
    (root / "Challenge4_Test_Task1_GT" / "gt_img_2.txt").write_bytes("1,2,3,4,5,6,7,8,x".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        load_examples(get_task("icdar15"), tmp_path)


def test_missing_ground_truth_folder_or_files(tmp_path):
    spec = get_task("icdar15")
    source = spec.data_source()
    assert source.files("test") == ["Challenge4_Test_Task1_GT/"]
    root = tmp_path / "icdar15"
    assert source.missing_files(root, "test") == [root / "Challenge4_Test_Task1_GT"]
    (root / "Challenge4_Test_Task1_GT").mkdir(parents=True)
    (missing,) = source.missing_files(root, "test")
    assert "gt_*.txt" in str(missing) and "no ground-truth file" in str(missing)
    with pytest.raises(InputError, match="missing data file"):
        load_examples(spec, tmp_path)


def test_total_text_ground_truth(tmp_path):
    write_total_text(tmp_path)
    examples = load_examples(get_task("total_text"), tmp_path)
    assert [e.id for e in examples] == ["img1", "img2"]
    # the image under the other case of the pattern's suffix
    assert examples[1].images == ("totaltext/Images/Test/img2.JPG",)
    assert examples[1].target.size == (1023, 1023)
    assert examples[0].target.words == (
        Word(sq(10, 10, 110, 50), "nauGHTY"),
        Word(((200, 10), (250, 5), (300, 10), (300, 50), (250, 45), (200, 50)), "Joe's"),
        Word(sq(400, 10, 500, 50), "#", True))
    assert examples[1].target.words == (Word(sq(0, 0, 100, 100), ","),)


@pytest.mark.parametrize(("record", "message"), [
    ("x: [[1 2 3]], y: [[1 2]], ornt: [u'h'], transcriptions: [u'a']", "3 x but 2 y"),
    ("x: [[1 2 a]], y: [[1 2 3]], ornt: [u'h'], transcriptions: [u'a']", "integers"),
    ("x: [[1 2 3]], y: [[1 2 3]], ornt: [u'h'], transcriptions: [u'a', u'b']", "one string"),
    ("x: [[1 2 3]], y: [[1 2 3]], ornt: [u'h'], transcriptions: [u'a]", "one string"),
    ("x: [[1 2 3]], y: [[1 2 3]], transcriptions: [u'a']", "expected x:"),
])
def test_total_text_malformed_record(tmp_path, record, message):
    root = write_total_text(tmp_path)
    (root / "txt_format" / "Test" / "poly_gt_img2.txt").write_text(
        "x: [[0 1 1]], y: [[0 0 1]], ornt: [u'h'], transcriptions: [u'ok']\n" + record + "\n")
    with pytest.raises(InputError, match=message) as e:
        load_examples(get_task("total_text"), tmp_path)
    assert e.value.path.endswith("poly_gt_img2.txt") and e.value.line == 2


# img_1 (1023 x 1023: tokens are pixels): the first word right; the "###" one inside its region and
# removed; the third box right, its text not ("HI"). img_2 (2046 x 1023: x tokens are half the
# pixels): EXIT right, and a false positive. img_10: nothing to find, nothing said.
ICDAR_PREDICTIONS = {
    "img_1": '<loc0010><loc0010><loc0050><loc0110> Hello, world ; <loc0010><loc0200><loc0050><loc0300> ### ; '
             '<loc0010><loc0400><loc0050><loc0500> say "HI"',
    "img_2": "<loc0000><loc0000><loc0100><loc0050> EXIT ; <loc0500><loc0500><loc0600><loc0600> junk",
    "img_10": "",
}


def test_icdar15_score_end_to_end(tmp_path):
    write_icdar15(tmp_path / "data")
    preds = write_jsonl(tmp_path / "p.jsonl",
                        [{"id": k, "prediction": v} for k, v in ICDAR_PREDICTIONS.items()])
    result = score_json("--task", "icdar15", "--predictions", str(preds),
                        "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out"))
    assert result["n"] == 3
    m = result["metrics"]
    # 4 predictions (2 + 2 + 0), 3 words, 2 recognized, 3 detected
    assert m["precision"] == pytest.approx(50.0)
    assert m["recall"] == pytest.approx(200 / 3)
    assert m["f1"] == pytest.approx(400 / 7)  # 2 * .5 * .667 / 1.167 = 4/7
    assert m["det_precision"] == pytest.approx(75.0)
    assert m["det_recall"] == pytest.approx(100.0)
    assert m["det_f1"] == pytest.approx(600 / 7)  # 2 * .75 / 1.75
    rows = [json.loads(x) for x in (tmp_path / "out" / "icdar15.test.jsonl").read_text().splitlines()]
    # per image F1: 1 of 2 either way; 1 of 2 predicted, 1 of 1 found (2/3); nothing vs nothing (1)
    assert [r["score"] for r in rows] == pytest.approx([50.0, 200 / 3, 100.0])


def test_total_text_score_end_to_end(tmp_path):
    write_total_text(tmp_path / "data")
    preds = write_jsonl(tmp_path / "p.jsonl", [
        # nauGHTY's box with the wrong case; the curved Joe's inside its box (IoU 4000 / 4500);
        # a prediction on the "#" region, removed
        {"id": "img1", "prediction": "<loc0010><loc0010><loc0050><loc0110> naughty ; "
                                     "<loc0005><loc0200><loc0050><loc0300> Joe's ; "
                                     "<loc0010><loc0400><loc0050><loc0500> #"},
        {"id": "img2", "prediction": "<loc0000><loc0000><loc0100><loc0100> ,"}])
    result = score_json("--task", "total_text", "--predictions", str(preds),
                        "--data-dir", str(tmp_path / "data"))
    m = result["metrics"]
    # 3 predictions, 3 words, all 3 detected, 2 recognized
    assert (m["precision"], m["recall"], m["f1"]) == pytest.approx((200 / 3, 200 / 3, 200 / 3))
    assert (m["det_precision"], m["det_recall"], m["det_f1"]) == pytest.approx((100.0, 100.0, 100.0))


def test_an_unreadable_image_stops_scoring_by_name(tmp_path):
    root = write_icdar15(tmp_path)
    (root / "ch4_test_images" / "img_2.jpg").unlink()
    spec = get_task("icdar15")
    examples = load_examples(spec, tmp_path)  # loading does not need the images: a run may skip them
    assert examples[1].target.size is None
    with pytest.raises(InputError, match="size is needed") as e:
        score_predictions(spec, examples, list(ICDAR_PREDICTIONS.values()))
    assert e.value.example_id == "img_2" and e.value.path == "ch4_test_images/img_2.jpg"


def test_the_ground_truth_folder_is_hashed_as_one_digest(tmp_path):
    """results.json's data_sha256 covers a folder of per-image ground-truth files: one digest that
    changes when any file's content changes."""
    from pgeval.run.hashing import data_sha256
    from pgeval.run.plan import plan_tasks

    write_icdar15(tmp_path)
    [plan] = plan_tasks(["icdar15"], tmp_path)
    first = data_sha256(plan)
    [folder] = first
    assert folder.endswith("/") and len(first[folder]) == 64
    gt = sorted((plan.root / folder).glob("*.txt"))[0]
    gt.write_bytes(gt.read_bytes() + b"\n")
    assert data_sha256(plan)[folder] != first[folder]
