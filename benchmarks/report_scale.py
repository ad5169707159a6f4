"""How `pgeval report` scales: a synthetic run the size of VQAv2 val (214,354 questions on
40,504 images of 640 x 480), its report written and opened in headless Chromium.

    python benchmarks/report_scale.py WORK_DIR [--questions 214354] [--images 40504] [--browser]

Writes WORK_DIR/data/vqav2/ (official VQA file names; images are coloured boxes saved as JPEG at
quality 90, once), WORK_DIR/run/ (results.json and predictions of a made-up model, one answer per
question, seeded) and WORK_DIR/report/, then prints what the README's scale figures are: the
seconds to write the report, its size (the page, the task's data file, the thumbnails), and with
--browser the seconds Chromium takes to open the page, to load the VQAv2 rows, to sort them by
score and to filter them by text.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgeval.runs import PREDICTIONS, TaskRecord, write_results  # noqa: E402

ANSWERS = {"yes/no": ["yes", "no"], "number": ["1", "2", "3", "4"],
           "other": ["red", "blue", "dog", "cat", "table", "tennis", "pizza", "kite"]}
WORDS = ["what", "color", "is", "the", "how", "many", "are", "there", "on", "this", "man", "woman",
         "holding", "in", "picture", "kind", "of", "animal", "sign", "say"]


def write_data(root: Path, questions: int, images: int, seed: int) -> list[dict]:
    """The VQA files and images (images written once; the JSON each time)."""
    rng = random.Random(seed)
    folder = root / "vqav2"
    (folder / "val2014").mkdir(parents=True, exist_ok=True)
    for image_id in range(1, images + 1):
        path = folder / "val2014" / f"COCO_val2014_{image_id:012d}.jpg"
        if path.is_file():
            continue
        image = Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(600), rng.randrange(440)
            draw.rectangle((x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 200)),
                           fill=tuple(rng.randrange(256) for _ in range(3)))
        image.save(path, "JPEG", quality=90)
    rows = []
    for k in range(questions):
        kind = rng.choice(list(ANSWERS))
        answers = [rng.choice(ANSWERS[kind]) for _ in range(10)]
        question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize() + "?"
        rows.append({"question_id": 1000 + k, "image_id": 1 + k % images, "question": question,
                     "answer_type": kind, "answers": answers})
    (folder / "v2_OpenEnded_mscoco_val2014_questions.json").write_text(json.dumps({"questions": [
        {"question_id": r["question_id"], "image_id": r["image_id"], "question": r["question"]}
        for r in rows]}))
    (folder / "v2_mscoco_val2014_annotations.json").write_text(json.dumps({"annotations": [
        {"question_id": r["question_id"], "image_id": r["image_id"], "answer_type": r["answer_type"],
         "question_type": "what", "multiple_choice_answer": r["answers"][0],
         "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": i + 1}
                     for i, a in enumerate(r["answers"])]} for r in rows]}))
    return rows


def write_run(run: Path, rows: list[dict], data: Path, seed: int) -> None:
    """A run of a made-up 448 px model: a random answer of the question's type, scored as VQA
    accuracy would score it against its ten answers."""
    rng = random.Random(seed + 1)
    (run / PREDICTIONS).mkdir(parents=True, exist_ok=True)
    lines, total = [], 0.0
    for r in rows:
        answer = rng.choice(ANSWERS[r["answer_type"]])
        score = min(100.0, 100 * r["answers"].count(answer) / 3)
        total += score
        lines.append(json.dumps({"id": str(r["question_id"]), "prediction": answer, "score": score,
                                 "slice": r["answer_type"]}))
    (run / PREDICTIONS / "vqav2.jsonl").write_text("\n".join(lines) + "\n")
    record = TaskRecord(name="vqav2", split="val", title="VQAv2", family="qa", metric="Accuracy",
                        primary="accuracy", n=len(rows), metrics={"accuracy": total / len(rows)},
                        predictions=f"{PREDICTIONS}/vqav2.jsonl", prompt="answer en {question}",
                        aggregate="pooled")
    header = {"model": {"checkpoint": str(run / "paligemma-3b-pt-448.npz"), "name": "paligemma-3b-pt-448",
                        "family": "paligemma", "size": "3b", "res": 448, "dtype": "bfloat16",
                        "demo": False},
              "runtime": {"data_dir": str(data.resolve())}}
    write_results(run, header, {"vqav2": record})


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def open_in_chromium(index: Path) -> dict[str, float]:
    """Seconds to load the page, to show the first rows of VQAv2, to sort them, to filter them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        times = {}
        start = time.perf_counter()
        page.goto(index.as_uri())
        times["page_s"] = time.perf_counter() - start
        start = time.perf_counter()
        page.click('a[href="#task-vqav2"]')
        page.wait_for_selector("#task-vqav2 tbody tr")
        times["rows_s"] = time.perf_counter() - start
        start = time.perf_counter()
        page.select_option("#task-vqav2 select.sort", "asc")  # the page re-renders in the event
        times["sort_s"] = time.perf_counter() - start
        start = time.perf_counter()
        page.fill("#task-vqav2 input.text", "woman holding")
        times["filter_s"] = time.perf_counter() - start
        times["filtered"] = page.inner_text("#task-vqav2 .count")
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--questions", type=int, default=214_354)
    parser.add_argument("--images", type=int, default=40_504)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    from pgeval.reports.html import write_report
    from pgeval.run.review import RunInputs
    from pgeval.runs import load_run
    from pgeval.tasks import TaskCatalog

    start = time.perf_counter()
    rows = write_data(args.work / "data", args.questions, args.images, args.seed)
    write_run(args.work / "run", rows, args.work / "data", args.seed)
    made = time.perf_counter() - start
    stats = write_report([load_run(args.work / "run")], args.work / "report", specs=TaskCatalog.load().specs,
                         inputs=RunInputs())
    report = args.work / "report"
    figures = {"questions": args.questions, "images": args.images, "data_s": round(made, 1),
               "report_s": stats.seconds, "thumbnails": stats.thumbnails,
               "thumbnail_mb": round(stats.thumbnail_bytes / 1e6, 1),
               "kb_per_thumbnail": round(stats.thumbnail_bytes / max(1, stats.thumbnails) / 1e3, 2),
               "data_mb": round(stats.data_bytes / 1e6, 1),
               "index_kb": round((report / "index.html").stat().st_size / 1e3, 1),
               "report_mb": round(folder_bytes(report) / 1e6, 1)}
    if args.browser:
        figures.update({k: round(v, 2) if isinstance(v, float) else v
                        for k, v in open_in_chromium(report / "index.html").items()})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
