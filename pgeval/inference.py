"""`pgeval infer`: run a checkpoint over a JSONL file of {id, image, prefix} requests."""

from __future__ import annotations

import json
from pathlib import Path

from pgeval.data.base import field_of, read_jsonl
from pgeval.engine.runner import Engine, Request
from pgeval.errors import InputError
from pgeval.model.loading import load_checkpoint
from pgeval.model.tokenizer import Tokenizer, find_tokenizer


def read_requests(path: str | Path) -> list[Request]:
    """Requests from JSONL; image paths are absolute or relative to the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise InputError("input file not found", path=str(path))
    requests, seen = [], {}
    for lineno, r in read_jsonl(path):
        if not isinstance(r, dict):
            raise InputError("each line must be a JSON object", path=str(path), line=lineno)
        rid, image, prefix = (field_of(r, k, path, line=lineno) for k in ("id", "image", "prefix"))
        if not isinstance(image, str) or not isinstance(prefix, str):
            raise InputError("image and prefix must be strings", path=str(path), line=lineno,
                             example_id=str(rid))
        if str(rid) in seen:
            raise InputError(f"duplicate id (first at line {seen[str(rid)]})", path=str(path),
                             line=lineno, example_id=str(rid))
        seen[str(rid)] = lineno
        requests.append(Request(str(rid), path.parent / image, prefix))
    return requests


def load_engine(checkpoint: str | Path, *, tokenizer: str | Path | None = None,
                res: int | None = None, dtype: str = "float32", batch_size: int = 8) -> Engine:
    """A checkpoint and its tokenizer, ready to generate."""
    tok = Tokenizer(find_tokenizer(checkpoint, tokenizer))
    return Engine(load_checkpoint(checkpoint, dtype=dtype, res=res), tok, dtype=dtype,
                  batch_size=batch_size)


def infer(checkpoint: str | Path, input_path: str | Path, output_path: str | Path, *,
          tokenizer: str | Path | None = None, res: int | None = None, max_decode_len: int = 32,
          batch_size: int = 8, dtype: str = "float32", progress: bool = True) -> Path:
    """Write {id, text, tokens, logprobs} per request, in input order, to `output_path`.

    Lines are written as batches finish to `<output>.partial`, renamed when all are done.
    """
    requests = read_requests(input_path)
    engine = load_engine(checkpoint, tokenizer=tokenizer, res=res, dtype=dtype,
                         batch_size=batch_size)
    output_path = Path(output_path)
    partial = output_path.with_name(output_path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as f:
        for outputs in engine.generate(requests, max_decode_len, progress=progress):
            for o in outputs:
                f.write(json.dumps({"id": o.id, "text": o.text, "tokens": o.tokens,
                                    "logprobs": o.logprobs}, ensure_ascii=False) + "\n")
            f.flush()
    partial.replace(output_path)
    return output_path
