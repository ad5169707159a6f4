"""`pgeval infer` end to end on a tiny checkpoint made by the test."""

import json

import numpy as np
import pytest
from PIL import Image

from pgeval.model.images import load_image
from pgeval.model.loading import load_checkpoint
from pgeval.model.tokenizer import Tokenizer
from pgeval.run.inference import read_requests
from tests.helpers import run_cli


def write_images(folder, n):
    rng = np.random.default_rng(3)
    names = []
    for i in range(n):
        name = f"img{i}.png"
        Image.fromarray(rng.integers(0, 255, (40 + 10 * i, 50, 3), dtype=np.uint8)).save(folder / name)
        names.append(name)
    return names


def test_infer_writes_outputs_in_input_order(hf_pg1, tmp_path):
    from tests.model.hf_models import RES, hf_greedy

    hf_model, folder = hf_pg1
    (tmp_path / "images").mkdir()
    names = write_images(tmp_path / "images", 5)
    prompts = ["caption en", "answer en what color is the dog?", "answer en how many?",
               "caption de", "answer en is there a cat on the left?"]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("".join(json.dumps({"id": f"q{i}", "image": f"images/{n}", "prefix": p}) + "\n"
                                for i, (n, p) in enumerate(zip(names, prompts, strict=True))))
    out = tmp_path / "out.jsonl"
    result = run_cli("infer", "--checkpoint", str(folder), "--input", str(requests), "--output", str(out),
                     "--max-decode-len", "6", "--batch-size", "2")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"q{i}" for i in range(5)]
    tok = Tokenizer(folder / "tokenizer.model")
    for i, row in enumerate(rows):
        assert len(row["tokens"]) == len(row["logprobs"]) <= 6
        assert row["text"] == tok.decode(row["tokens"])
        assert all(lp <= 0 for lp in row["logprobs"])
        image = load_image(tmp_path / "images" / names[i], RES)
        ref_tokens, ref_logprobs = hf_greedy(hf_model, image, tok.encode_prefix(prompts[i]), 6,
                                             eos=tok.eos_id)
        assert row["tokens"] == ref_tokens
        np.testing.assert_allclose(row["logprobs"], ref_logprobs, atol=1e-4)
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_requests_are_checked(tmp_path):
    bad = tmp_path / "r.jsonl"
    bad.write_text('{"id": 1, "image": "a.png", "prefix": "x"}\n{"id": 1, "image": "b.png", "prefix": "y"}\n')
    with pytest.raises(Exception, match="duplicate id") as e:
        read_requests(bad)
    assert f"{bad}:2" in str(e.value)
    bad.write_text('{"id": 1, "image": "a.png"}\n')
    with pytest.raises(Exception, match="no 'prefix' field"):
        read_requests(bad)


def test_dtype_bfloat16_runs(hf_pg1):
    checkpoint = load_checkpoint(hf_pg1[1], dtype="bfloat16")
    assert checkpoint.params["img"]["head"]["kernel"].dtype == np.dtype("bfloat16")


def test_infer_takes_several_images_per_request(hf_pg1, tmp_path):
    from tests.model.hf_models import RES, hf_greedy

    hf_model, folder = hf_pg1
    names = write_images(tmp_path, 3)
    lines = [{"id": "pair", "images": [names[0], names[1]], "prefix": "answer en is it left?"},
             {"id": "one", "image": names[2], "prefix": "caption en"},
             {"id": "three", "images": names, "prefix": "caption en"}]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "out.jsonl"
    result = run_cli("infer", "--checkpoint", str(folder), "--input", str(requests), "--output", str(out),
                     "--max-decode-len", "5", "--batch-size", "2")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["pair", "one", "three"]  # input order, whatever the batching
    tok = Tokenizer(folder / "tokenizer.model")
    for line, row in zip(lines, rows, strict=True):
        files = line.get("images", [line.get("image")])
        images = np.stack([load_image(tmp_path / f, RES) for f in files])
        ref_tokens, ref_logprobs = hf_greedy(hf_model, images, tok.encode_prefix(line["prefix"]), 5,
                                             eos=tok.eos_id)
        assert row["tokens"] == ref_tokens
        np.testing.assert_allclose(row["logprobs"], ref_logprobs, atol=1e-4)


def test_image_fields_are_checked(tmp_path):
    bad = tmp_path / "r.jsonl"
    for line, message in [('{"id": 1, "prefix": "x"}', "no 'image' or 'images' field"),
                          ('{"id": 1, "images": [], "prefix": "x"}', "a non-empty list of paths"),
                          ('{"id": 1, "images": "a.png", "prefix": "x"}', "images a non-empty list of paths"),
                          ('{"id": 1, "image": "a.png", "images": ["b.png"], "prefix": "x"}',
                           "either image or images")]:
        bad.write_text(line + "\n")
        with pytest.raises(Exception, match=message) as e:
            read_requests(bad)
        assert f"{bad}:1" in str(e.value)
