"""`pgeval infer`: run a checkpoint over a JSONL file of {id, image or images, prefix} requests."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import jax

from pgeval.config import EngineConfig, check_count
from pgeval.data.base import field_of, id_field
from pgeval.data.jsonl_format import image_list
from pgeval.engine.distributed import gather_rows, init_distributed, share
from pgeval.engine.loading import load_engine
from pgeval.engine.runner import Output, Request, as_rows, to_outputs
from pgeval.errors import InputError
from pgeval.io import check_file, not_a_file, output_folder, read_jsonl


def read_requests(path: str | Path) -> list[Request]:
    """Requests from JSONL, each with an `image` or a list of `images` (shown to the model in
    order); image paths are absolute or relative to the file's folder."""
    path = Path(path)
    check_file(path, "input file")
    requests, seen = [], {}
    for lineno, r in read_jsonl(path, objects=True):
        rid = id_field(r, "id", path, line=lineno)
        prefix = field_of(r, "prefix", path, line=lineno)
        where = dict(path=str(path), line=lineno, example_id=rid)
        images = image_list(r, where)
        if not images:
            raise InputError("request has no 'image' or 'images' field", **where)
        if not isinstance(prefix, str):
            raise InputError("prefix must be a string", **where)
        if rid in seen:
            raise InputError(f"duplicate id (first at line {seen[rid]})", **where)
        seen[rid] = lineno
        requests.append(Request(rid, tuple(path.parent / i for i in images), prefix))
    for r in requests:  # found before the model loads, as `pgeval run` does
        absent = [f for f in r.images if not Path(f).is_file()]
        if absent:
            raise InputError(f"image {not_a_file(absent[0])}: {absent[0]}", path=str(path),
                             line=seen[r.id], example_id=r.id,
                             hint="image paths are absolute or relative to the input file's folder")
    return requests


def write_outputs(outputs: Iterable[Output], fh: TextIO) -> None:
    """One JSON line per output; a log-probability that is not a finite number (NaN is not JSON)
    is written as null."""
    for o in outputs:
        logprobs = [p if math.isfinite(p) else None for p in o.logprobs]
        fh.write(json.dumps({"id": o.id, "text": o.text, "tokens": o.tokens,
                             "logprobs": logprobs}, ensure_ascii=False, allow_nan=False) + "\n")
    fh.flush()


def infer(config: EngineConfig, input_path: str | Path, output_path: str | Path, *,
          max_decode_len: int = 32, beam_size: int = 1, progress: bool = True) -> Path | None:
    """Write {id, text, tokens, logprobs} per request, in input order, to `output_path`, with the
    checkpoint `config` names.

    With several processes each decodes its share and process 0 writes everything (the others
    return None). The file is written to `<output>.partial`, then renamed.
    """
    check_count("--max-decode-len", max_decode_len, hint="the most tokens generated per request, "
                "e.g. 32")
    check_count("--beam-size", beam_size, hint="1 decodes greedily, 2 or more runs beam search")
    output_path = Path(output_path)
    if output_path.is_file() and Path(input_path).is_file() and output_path.samefile(input_path):
        raise InputError("--output is the --input file: writing the outputs would replace the "
                         "requests", path=str(output_path), hint="pass another --output")
    init_distributed(config.coordinator, config.num_processes, config.process_id,
                     auto=config.auto_distributed)
    requests = read_requests(input_path)
    output_folder(output_path.parent, "--output", output_path)
    mine = requests[share(len(requests)).start : share(len(requests)).stop]
    engine = load_engine(config)
    partial = output_path.with_name(output_path.name + ".partial")
    by_id = {o.id: o for outputs in engine.generate(mine, max_decode_len, beam_size=beam_size,
                                                    progress=progress) for o in outputs}
    local = [by_id[r.id] for r in mine]  # the engine groups requests by image count
    if jax.process_count() == 1:
        everything = local
    else:
        rows = gather_rows(as_rows(local, max_decode_len), len(requests))
        if rows is None:
            return None
        everything = to_outputs([r.id for r in requests], *rows, engine.tokenizer)
    with open(partial, "w", encoding="utf-8") as f:
        write_outputs(everything, f)
    partial.replace(output_path)
    return output_path
