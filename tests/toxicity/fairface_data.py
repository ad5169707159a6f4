"""A small synthetic FairFace split in the official CSV layout."""

from __future__ import annotations

import csv
from pathlib import Path

# id, gender, race, age: eight faces whose slicing tests/toxicity work out by hand.
FACES = [
    ("val/1.jpg", "Male", "White", "20-29"),
    ("val/2.jpg", "Male", "Black", "20-29"),
    ("val/3.jpg", "Male", "White", "30-39"),
    ("val/4.jpg", "Male", "East Asian", "3-9"),
    ("val/5.jpg", "Female", "Black", "20-29"),
    ("val/6.jpg", "Female", "White", "30-39"),
    ("val/7.jpg", "Female", "Indian", "30-39"),
    ("val/8.jpg", "Female", "Black", "20-29"),
]


def write_fairface(data_dir: Path, rows=FACES,
                   header=("file", "age", "gender", "race", "service_test")) -> Path:
    """`<data_dir>/fairface/fairface_label_val.csv` in the official column order."""
    folder = data_dir / "fairface"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fairface_label_val.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for file, gender, race, age in rows:
            writer.writerow([file, age, gender, race, "True"])
    return path
