"""Test splits without answers: the file a benchmark's evaluation server takes, from predictions.

The layouts are each source's `SubmissionFormat` (pgeval.data), as the servers document them:
VQAv2 and TextVQA (EvalAI) and ST-VQA (the RRC, task 3): `[{"question_id": int, "answer": str}]`;
DocVQA and InfographicVQA (the RRC): `[{"questionId": int, "answer": str}]`; VizWiz (EvalAI):
`[{"image": "VizWiz_test_00000000.jpg", "answer": str}]`. The file is written under the run
directory's `submissions/`, named by the split's `submission_file` (VQAv2's
`vqa_OpenEnded_mscoco_test2015_pgeval_results.json` convention) or `<task>_<split>_results.json`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pgeval.data.base import SubmissionFormat
from pgeval.errors import InputError
from pgeval.io import atomic_write_text

SUBMISSIONS = "submissions"


def submission_entries(fmt: SubmissionFormat, ids: Sequence[str],
                       predictions: Sequence[str]) -> list[dict[str, Any]]:
    """One entry per example in the server's layout; integer ids where the server wants them."""
    entries = []
    for example_id, text in zip(ids, predictions, strict=True):
        if fmt.integer_ids and not example_id.isdigit():
            raise InputError(f"the submission needs integer {fmt.id_key!r} ids, this one is not",
                             example_id=example_id)
        key = int(example_id) if fmt.integer_ids else example_id
        entries.append({fmt.id_key: key, fmt.text_key: text})
    return entries


def submission_name(task: str, split: str, file_name: str | None) -> str:
    return file_name or f"{task}_{split}_results.json"


def write_submission(out: Path, name: str, entries: list[dict[str, Any]]) -> Path:
    """Write the submission file; returns its path relative to the run directory."""
    relative = Path(SUBMISSIONS) / name
    (out / SUBMISSIONS).mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / relative, json.dumps(entries, ensure_ascii=False, indent=0) + "\n")
    return relative
