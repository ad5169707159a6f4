"""Bad inputs to every command, one table: each case builds its own broken file or folder, runs the
CLI in-process, and expects exit 2 (1 only for a gate that really fails), no traceback, and a
message naming the file, the line or entry, and the example id wherever the input has them."""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from pgeval.model.config import PaliGemmaConfig
from tests.helpers import needs_extra, run_cli, task_toml, write_task_file
from tests.reports.runs_fixture import make_run
from tests.synthetic import docvqa_with_images, vqav2_with_images, write_image, write_jsonl, write_vqav2

VQA = "vqav2"
QUESTIONS = "v2_OpenEnded_mscoco_val2014_questions.json"
ANNOTATIONS = "v2_mscoco_val2014_annotations.json"
ROWS = [(1, 11, "Is it day?", ["yes"] * 10, "yes/no"), (2, 12, "How many?", ["2"] * 10, "number")]


@dataclass(frozen=True)
class Env:
    """What every case may use: its own folder, the tiny checkpoint and its tokenizer, and
    pytest's monkeypatch (environment variables, a device's free memory)."""

    tmp: Path
    npz: Path
    tokenizer: Path
    cfg: PaliGemmaConfig
    monkeypatch: pytest.MonkeyPatch


@dataclass(frozen=True)
class Bad:
    """The command line of a case, the texts its message must hold, the exit code, the files
    that must be byte for byte as they were (`kept`, their bytes read when the case was built)
    and the paths that must not exist afterwards (`absent`)."""

    argv: list[str]
    names: list[str] = field(default_factory=list)
    code: int = 2
    kept: list[Path] = field(default_factory=list)
    absent: list[Path] = field(default_factory=list)


CASES: list = []


def case(name: str, *marks: pytest.MarkDecorator) -> Callable:
    """Register the decorated builder (Env -> Bad) as a row of the table, with a readable id."""

    def add(build: Callable[[Env], Bad]) -> Callable[[Env], Bad]:
        CASES.append(pytest.param(build, id=name, marks=marks))
        return build

    return add


# -- helpers: small valid inputs that each case then breaks -------------------------------------


def vqa_data(env: Env) -> Path:
    """VQAv2 annotation files of two questions, no images (enough for `score` and run's checks)."""
    data = env.tmp / "data"
    write_vqav2(data, ROWS)
    return data


def vqa_with_images(env: Env) -> Path:
    data = env.tmp / "data"
    vqav2_with_images(data, 2)
    return data


def score_args(data: Path, predictions: Path, *more: str) -> list[str]:
    return ["score", "--task", VQA, "--predictions", str(predictions), "--data-dir", str(data), *more]


def run_args(env: Env, data: Path, *more: str, checkpoint: Path | None = None) -> list[str]:
    return ["run", "--tasks", VQA, "--checkpoint", str(checkpoint or env.npz), "--data-dir", str(data),
            "--out", str(env.tmp / "run"), "--limit", "2", "--batch-size", "2", *more]


def good_predictions(env: Env) -> Path:
    return write_jsonl(env.tmp / "p.jsonl", [{"id": 1, "prediction": "yes"}, {"id": 2, "prediction": "2"}])


def vqa_file(data: Path, name: str) -> Path:
    return data / VQA / name


def utf8_bom(path: Path) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path


def utf16(path: Path) -> Path:
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return path


def questions_with(data: Path, questions: object) -> Path:
    path = vqa_file(data, QUESTIONS)
    path.write_text(json.dumps({"questions": questions}), encoding="utf-8")
    return path


def hf_tensors(cfg: PaliGemmaConfig) -> dict[str, np.ndarray]:
    """Every tensor of a Hugging Face PaliGemma (Gemma 1) of `cfg`'s shape, named as transformers
    4 saves them (zeros: only the file's layout matters here)."""
    v, t = cfg.vision, cfg.text
    vm = "vision_tower.vision_model."
    shapes = {
        vm + "embeddings.patch_embedding.weight": (v.width, 3, v.patch_size, v.patch_size),
        vm + "embeddings.patch_embedding.bias": (v.width,),
        vm + "embeddings.position_embedding.weight": (v.num_patches, v.width),
        vm + "post_layernorm.weight": (v.width,),
        vm + "post_layernorm.bias": (v.width,),
        "multi_modal_projector.linear.weight": (t.width, v.width),
        "multi_modal_projector.linear.bias": (t.width,),
        "language_model.model.embed_tokens.weight": (t.vocab_size, t.width),
        "language_model.model.norm.weight": (t.width,),
    }
    for i in range(v.depth):
        p = f"{vm}encoder.layers.{i}."
        for name in ("layer_norm1", "layer_norm2"):
            shapes |= {p + name + ".weight": (v.width,), p + name + ".bias": (v.width,)}
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes |= {p + f"self_attn.{name}.weight": (v.width, v.width),
                       p + f"self_attn.{name}.bias": (v.width,)}
        shapes |= {p + "mlp.fc1.weight": (v.mlp_dim, v.width), p + "mlp.fc1.bias": (v.mlp_dim,),
                   p + "mlp.fc2.weight": (v.width, v.mlp_dim), p + "mlp.fc2.bias": (v.width,)}
    for i in range(t.depth):
        p = f"language_model.model.layers.{i}."
        shapes |= {
            p + "self_attn.q_proj.weight": (t.num_heads * t.head_dim, t.width),
            p + "self_attn.k_proj.weight": (t.num_kv_heads * t.head_dim, t.width),
            p + "self_attn.v_proj.weight": (t.num_kv_heads * t.head_dim, t.width),
            p + "self_attn.o_proj.weight": (t.width, t.num_heads * t.head_dim),
            p + "mlp.gate_proj.weight": (t.mlp_dim, t.width),
            p + "mlp.up_proj.weight": (t.mlp_dim, t.width),
            p + "mlp.down_proj.weight": (t.width, t.mlp_dim),
            p + "input_layernorm.weight": (t.width,),
            p + "post_attention_layernorm.weight": (t.width,),
        }
    return {name: np.zeros(shape, np.float32) for name, shape in shapes.items()}


def hf_folder(env: Env) -> Path:
    """A valid Hugging Face checkpoint folder of the tiny shape: config.json (as transformers
    writes it for tests/model's tiny models) and model.safetensors."""
    save_file = needs_extra("test", "safetensors.numpy").save_file
    v, t = env.cfg.vision, env.cfg.text
    folder = env.tmp / "hf"
    folder.mkdir()
    config = {
        "architectures": ["PaliGemmaForConditionalGeneration"], "model_type": "paligemma",
        "image_token_index": t.vocab_size - 1, "hidden_size": t.width, "projection_dim": t.width,
        "text_config": {"model_type": "gemma", "hidden_size": t.width, "intermediate_size": t.mlp_dim,
                        "num_hidden_layers": t.depth, "num_attention_heads": t.num_heads,
                        "num_key_value_heads": t.num_kv_heads, "head_dim": t.head_dim,
                        "vocab_size": t.vocab_size, "hidden_act": "gelu_pytorch_tanh"},
        "vision_config": {"model_type": "siglip_vision_model", "hidden_size": v.width,
                          "intermediate_size": v.mlp_dim, "num_hidden_layers": v.depth,
                          "num_attention_heads": v.num_heads, "patch_size": v.patch_size,
                          "image_size": v.image_size, "vision_use_head": False},
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_file(hf_tensors(env.cfg), str(folder / "model.safetensors"))
    shutil.copy(env.tokenizer, folder / "tokenizer.model")
    return folder


def truncated(path: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def random_bytes(path: Path, n: int = 4096) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(0).integers(0, 256, n, dtype=np.uint8).tobytes())
    return path


def npz_copy(env: Env) -> Path:
    folder = env.tmp / "ckpt"
    folder.mkdir()
    shutil.copy(env.tokenizer, folder / "tokenizer.model")
    return Path(shutil.copy(env.npz, folder / "model.npz"))


def a_file(env: Env) -> Path:
    path = env.tmp / "somefile"
    path.write_text("x\n")
    return path


def runs(env: Env, baseline: float = 80.0, current: float = 80.0) -> tuple[Path, Path]:
    base = make_run(env.tmp / "base", "pt_224", 224, {VQA: {"accuracy": baseline}}).path
    cur = make_run(env.tmp / "cur", "pt_224", 224, {VQA: {"accuracy": current}}).path
    return base, cur


def requests(env: Env, rows: list[dict], *, image: bytes | None = b"") -> Path:
    """Requests beside an image img.png (random; `image` bytes instead when given; none if None)."""
    if image is not None:
        if image:
            (env.tmp / "img.png").write_bytes(image)
        else:
            write_image(env.tmp / "img.png", 0)
    return write_jsonl(env.tmp / "requests.jsonl", rows)


def infer_args(env: Env, path: Path, *more: str) -> list[str]:
    return ["infer", "--checkpoint", str(env.npz), "--input", str(path), "--output",
            str(env.tmp / "out.jsonl"), "--max-decode-len", "2", *more]


# -- score: annotation files ---------------------------------------------------------------------


@case("score-questions-malformed-json")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = vqa_file(data, QUESTIONS)
    q.write_text('{"questions": [\n{"question_id": 1,, "image_id": 11}]}', encoding="utf-8")
    return Bad(score_args(data, good_predictions(env)), [f"{q}:2", "malformed JSON"])


@case("score-questions-empty-file")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = vqa_file(data, QUESTIONS)
    q.write_text("")
    return Bad(score_args(data, good_predictions(env)), [str(q), "empty"])


@case("score-questions-utf8-bom")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = utf8_bom(vqa_file(data, QUESTIONS))
    return Bad(score_args(data, good_predictions(env)), [str(q), "UTF-8 with a byte-order mark", "save"])


@case("score-annotations-utf16")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    a = utf16(vqa_file(data, ANNOTATIONS))
    return Bad(score_args(data, good_predictions(env)), [str(a), "UTF-16", "save it as UTF-8"])


@case("score-questions-dict-not-list")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = questions_with(data, {"question_id": 1, "image_id": 11, "question": "Is it day?"})
    return Bad(score_args(data, good_predictions(env)), [str(q), "'questions' must be a list"])


@case("score-annotations-dict-not-list")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    a = vqa_file(data, ANNOTATIONS)
    a.write_text(json.dumps({"annotations": {"1": {"answers": ["yes"]}}}), encoding="utf-8")
    return Bad(score_args(data, good_predictions(env)), [str(a), "'annotations' must be a list"])


@case("score-questions-duplicate-id")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = questions_with(data, [{"question_id": 1, "image_id": 11, "question": "a?"},
                              {"question_id": 2, "image_id": 12, "question": "b?"},
                              {"question_id": 1, "image_id": 11, "question": "c?"}])
    return Bad(score_args(data, good_predictions(env)), [str(q), "examples 0 and 2", "id '1'", "duplicate"])


@case("score-question-missing-id")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = questions_with(data, [{"question_id": 1, "image_id": 11, "question": "a?"},
                              {"image_id": 12, "question": "b?"}])
    return Bad(score_args(data, good_predictions(env)), [str(q), "entry 1", "'question_id'"])


@case("score-annotations-non-string-answers")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    a = vqa_file(data, ANNOTATIONS)
    raw = json.loads(a.read_text())
    raw["annotations"][1]["answers"] = [{"answer": 2}] * 10
    a.write_text(json.dumps(raw), encoding="utf-8")
    return Bad(score_args(data, good_predictions(env)), [str(a), "entry 1", "id '2'", "strings"])


@case("score-annotation-file-is-folder")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = vqa_file(data, QUESTIONS)
    q.unlink()
    q.mkdir()
    return Bad(score_args(data, good_predictions(env)), [str(q), "folder"])


@case("score-data-dir-missing-files")
def _(env: Env) -> Bad:
    (env.tmp / "empty").mkdir()
    return Bad(score_args(env.tmp / "empty", good_predictions(env)),
               [str(env.tmp / "empty" / VQA / QUESTIONS), str(env.tmp / "empty" / VQA / ANNOTATIONS)])


@case("score-unknown-task")
def _(env: Env) -> Bad:
    argv = score_args(vqa_data(env), good_predictions(env))
    argv[argv.index(VQA)] = "vqa2"
    return Bad(argv, ["unknown task 'vqa2'", "'vqav2'"])


@case("score-unknown-split")
def _(env: Env) -> Bad:
    return Bad(score_args(vqa_data(env), good_predictions(env), "--split", "nosuch"),
               ["split 'nosuch'", "minival"])


# -- score: prediction files ---------------------------------------------------------------------


@case("score-predictions-malformed-json")
def _(env: Env) -> Bad:
    p = env.tmp / "p.json"
    p.write_text('[{"question_id": 1, "answer": "yes"},\n {"question_id": 2, "answer": "2"]')
    return Bad(score_args(vqa_data(env), p), [f"{p}:2", "malformed JSON"])


@case("score-predictions-malformed-jsonl")
def _(env: Env) -> Bad:
    p = env.tmp / "p.jsonl"
    p.write_text('{"id": 1, "prediction": "yes"}\n\n{"id": 2, "prediction": }\n')
    return Bad(score_args(vqa_data(env), p), [f"{p}:3", "malformed JSON"])


@case("score-predictions-empty-file")
def _(env: Env) -> Bad:
    p = env.tmp / "p.jsonl"
    p.write_text("\n")
    return Bad(score_args(vqa_data(env), p), [str(p), "empty"])


@case("score-predictions-utf8-bom")
def _(env: Env) -> Bad:
    p = env.tmp / "p.json"
    p.write_text(json.dumps([{"question_id": 1, "answer": "yes"}, {"question_id": 2, "answer": "2"}]))
    return Bad(score_args(vqa_data(env), utf8_bom(p)), [str(p), "UTF-8 with a byte-order mark",
                                                         "save it as UTF-8"])


@case("score-predictions-utf16")
def _(env: Env) -> Bad:
    p = utf16(good_predictions(env))
    return Bad(score_args(vqa_data(env), p), [str(p), "UTF-16", "save it as UTF-8"])


@case("score-predictions-dict-not-list")
def _(env: Env) -> Bad:
    p = env.tmp / "p.json"
    p.write_text(json.dumps({"predictions": [{"question_id": 1, "answer": "yes"}]}, indent=2))
    return Bad(score_args(vqa_data(env), p), [str(p), "a JSON object", "list"])


@case("score-predictions-duplicate-id")
def _(env: Env) -> Bad:
    p = env.tmp / "p.json"
    p.write_text(json.dumps([{"question_id": 1, "answer": "yes"}, {"question_id": 1, "answer": "no"}]))
    return Bad(score_args(vqa_data(env), p), [str(p), "entry 1", "id '1'", "duplicate"])


@case("score-predictions-missing-id")
def _(env: Env) -> Bad:
    p = write_jsonl(env.tmp / "p.jsonl", [{"id": 1, "prediction": "yes"}])
    return Bad(score_args(vqa_data(env), p), [str(p), "id '2'", "no prediction"])


@case("score-predictions-extra-id")
def _(env: Env) -> Bad:
    p = write_jsonl(env.tmp / "p.jsonl", [{"id": 1, "prediction": "yes"}, {"id": 2, "prediction": "2"},
                                          {"id": 99, "prediction": "x"}])
    return Bad(score_args(vqa_data(env), p), [f"{p}:3", "id '99'", "not in the data"])


@case("score-predictions-non-string-answer")
def _(env: Env) -> Bad:
    p = env.tmp / "p.json"
    p.write_text(json.dumps([{"question_id": 1, "answer": 3}, {"question_id": 2, "answer": "2"}]))
    return Bad(score_args(vqa_data(env), p), [str(p), "entry 0", "id '1'", "must be a string"])


@case("score-predictions-is-folder")
def _(env: Env) -> Bad:
    (env.tmp / "preds").mkdir()
    return Bad(score_args(vqa_data(env), env.tmp / "preds"), [str(env.tmp / "preds"), "directory"])


@case("score-out-is-a-file")
def _(env: Env) -> Bad:
    out = a_file(env)
    return Bad(score_args(vqa_data(env), good_predictions(env), "--out", str(out)), [str(out), "file"])


@case("score-out-below-a-file")
def _(env: Env) -> Bad:
    out = a_file(env) / "scores"
    return Bad(score_args(vqa_data(env), good_predictions(env), "--out", str(out)), [str(out)])


# -- run: data, checkpoint, tokenizer, options ---------------------------------------------------


@case("run-questions-malformed-json")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = vqa_file(data, QUESTIONS)
    q.write_text('{"questions": [\n\n  {"question_id": 1 "image_id": 11}]}', encoding="utf-8")
    return Bad(run_args(env, data), [f"{q}:3", "malformed JSON"])


@case("run-questions-utf8-bom")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    q = utf8_bom(vqa_file(data, QUESTIONS))
    return Bad(run_args(env, data), [str(q), "UTF-8 with a byte-order mark", "save it as UTF-8"])


@case("run-annotations-utf16")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    a = utf16(vqa_file(data, ANNOTATIONS))
    return Bad(run_args(env, data), [str(a), "UTF-16", "save it as UTF-8"])


@case("run-annotations-empty-file")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    a = vqa_file(data, ANNOTATIONS)
    a.write_bytes(b"")
    return Bad(run_args(env, data), [str(a), "empty"])


@case("run-unknown-task")
def _(env: Env) -> Bad:
    argv = run_args(env, vqa_data(env))
    argv[argv.index(VQA)] = "vqav2,docvqq"
    return Bad(argv, ["unknown task 'docvqq'", "'docvqa'"])


@case("run-unknown-split")
def _(env: Env) -> Bad:
    return Bad(run_args(env, vqa_data(env), "--split", "vqav2=tset"), ["vqav2", "split 'tset'", "test-dev"])


@case("run-data-dir-missing-files")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    vqa_file(data, ANNOTATIONS).unlink()
    return Bad(run_args(env, data), [str(vqa_file(data, ANNOTATIONS)), "nothing was run"])


@case("run-annotation-file-is-folder")
def _(env: Env) -> Bad:
    data = vqa_data(env)
    a = vqa_file(data, ANNOTATIONS)
    a.unlink()
    a.mkdir()
    return Bad(run_args(env, data), [str(a), "folder"])


@case("run-corrupt-image")
def _(env: Env) -> Bad:
    data = vqa_with_images(env)
    image = data / VQA / "val2014" / "COCO_val2014_000000000100.jpg"  # questions 1 and 2
    image.write_bytes(b"\xff\xd8 not a jpeg")
    return Bad(run_args(env, data), [str(image), "id '1'", "cannot decode image"])


@case("run-npz-truncated")
def _(env: Env) -> Bad:
    npz = truncated(npz_copy(env), 0.6)
    return Bad(run_args(env, vqa_with_images(env), checkpoint=npz), [str(npz), ".npz"])


@case("run-npz-empty")
def _(env: Env) -> Bad:
    npz = npz_copy(env)
    npz.write_bytes(b"")
    return Bad(run_args(env, vqa_with_images(env), checkpoint=npz), [str(npz), ".npz"])


@case("run-npz-random-bytes")
def _(env: Env) -> Bad:
    npz = random_bytes(npz_copy(env))
    return Bad(run_args(env, vqa_with_images(env), checkpoint=npz), [str(npz), ".npz"])


@case("run-npz-damaged-array")
def _(env: Env) -> Bad:
    npz = npz_copy(env)
    data = bytearray(npz.read_bytes())
    middle = len(data) // 2  # inside an array's bytes: the zip's CRC no longer matches
    data[middle : middle + 64] = bytes(64)
    npz.write_bytes(bytes(data))
    return Bad(run_args(env, vqa_with_images(env), checkpoint=npz), [str(npz), "damaged"])


@case("run-safetensors-truncated")
def _(env: Env) -> Bad:
    st = truncated(hf_folder(env) / "model.safetensors", 0.7)
    return Bad(run_args(env, vqa_with_images(env), checkpoint=st.parent), [str(st), "truncated"])


@case("run-safetensors-empty")
def _(env: Env) -> Bad:
    st = hf_folder(env) / "model.safetensors"
    st.write_bytes(b"")
    return Bad(run_args(env, vqa_with_images(env), checkpoint=st.parent), [str(st), ".safetensors"])


@case("run-safetensors-random-bytes")
def _(env: Env) -> Bad:
    st = random_bytes(hf_folder(env) / "model.safetensors")
    return Bad(run_args(env, vqa_with_images(env), checkpoint=st.parent), [str(st), ".safetensors"])


@case("run-hf-config-utf8-bom")
def _(env: Env) -> Bad:
    config = utf8_bom(hf_folder(env) / "config.json")
    return Bad(run_args(env, vqa_with_images(env), checkpoint=config.parent),
               [str(config), "UTF-8 with a byte-order mark"])


@case("run-hf-index-malformed")
def _(env: Env) -> Bad:
    folder = hf_folder(env)
    index = folder / "model.safetensors.index.json"
    index.write_text('{"metadata": {}, "weight_map": {\n  "a": "model.safetensors",\n}}\n')
    return Bad(run_args(env, vqa_with_images(env), checkpoint=folder), [f"{index}:3", "malformed JSON"])


@case("run-tokenizer-random-bytes")
def _(env: Env) -> Bad:
    tok = random_bytes(env.tmp / "tok.model")
    return Bad(run_args(env, vqa_with_images(env), "--tokenizer", str(tok)), [str(tok), "SentencePiece"])


@case("run-tokenizer-text-file")
def _(env: Env) -> Bad:
    tok = env.tmp / "tokenizer.model"
    tok.write_text("<pad>\t0\n<eos>\t0\n<bos>\t0\n", encoding="utf-8")
    return Bad(run_args(env, vqa_with_images(env), "--tokenizer", str(tok)), [str(tok), "SentencePiece"])


@case("run-tokenizer-is-folder")
def _(env: Env) -> Bad:
    (env.tmp / "tok").mkdir()
    return Bad(run_args(env, vqa_with_images(env), "--tokenizer", str(env.tmp / "tok")),
               [str(env.tmp / "tok"), "directory"])


@case("run-res-100-not-a-multiple-of-the-patch")
def _(env: Env) -> Bad:
    return Bad(run_args(env, vqa_with_images(env), "--res", "100"), ["--res 100", "patch size 14"])


@case("run-res-7-below-the-patch")
def _(env: Env) -> Bad:
    return Bad(run_args(env, vqa_with_images(env), "--res", "7"), ["--res 7", "patch size 14"])


@case("run-out-is-a-file")
def _(env: Env) -> Bad:
    out = a_file(env)
    argv = run_args(env, vqa_with_images(env))
    argv[argv.index("--out") + 1] = str(out)
    return Bad(argv, [str(out), "file"])


@case("run-out-below-a-file")
def _(env: Env) -> Bad:
    out = a_file(env) / "run"
    argv = run_args(env, vqa_with_images(env))
    argv[argv.index("--out") + 1] = str(out)
    return Bad(argv, [str(out)])


# -- infer ---------------------------------------------------------------------------------------


@case("infer-requests-malformed-jsonl")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    path.write_text(path.read_text() + '{"id": "b", "image": "img.png", "prefix": "caption en"\n')
    return Bad(infer_args(env, path), [f"{path}:2", "malformed JSON"])


@case("infer-requests-utf16")
def _(env: Env) -> Bad:
    path = utf16(requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}]))
    return Bad(infer_args(env, path), [str(path), "UTF-16", "save it as UTF-8"])


@case("infer-request-missing-prefix")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"},
                          {"id": "b", "image": "img.png"}])
    return Bad(infer_args(env, path), [f"{path}:2", "'prefix'"])


@case("infer-request-duplicate-id")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}] * 2)
    return Bad(infer_args(env, path), [f"{path}:2", "id 'a'", "duplicate"])


@case("infer-missing-image")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"},
                          {"id": "b", "image": "nothere.png", "prefix": "caption en"}])
    return Bad(infer_args(env, path), [f"{path}:2", "id 'b'", str(env.tmp / "nothere.png")])


@case("infer-corrupt-image")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}], image=b"\x89PNG junk")
    return Bad(infer_args(env, path), ["id 'a'", str(env.tmp / "img.png"), "cannot decode image"])


@case("infer-output-below-a-file")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    argv = infer_args(env, path)
    out = a_file(env) / "out.jsonl"
    argv[argv.index("--output") + 1] = str(out)
    return Bad(argv, [str(out)])


# -- gate ----------------------------------------------------------------------------------------


@case("gate-regression-fails-with-exit-1")
def _(env: Env) -> Bad:
    base, cur = runs(env, baseline=80.0, current=70.0)
    return Bad(["gate", "--baseline", str(base), "--current", str(cur), "--max-drop", "1"],
               ["gate: FAIL (1 metric got worse)", "vqav2"], code=1)


@case("gate-baseline-of-other-tasks")
def _(env: Env) -> Bad:
    _, cur = runs(env)
    base = make_run(env.tmp / "other", "pt_224", 224, {"pope": {"accuracy": 80.0}}).path
    return Bad(["gate", "--baseline", str(base), "--current", str(cur)],
               [str(cur), "no task in common", "baseline tasks: pope"])


@case("gate-baseline-not-json")
def _(env: Env) -> Bad:
    base, cur = runs(env)
    (base / "results.json").write_text("schema: pgeval.run/1\n")
    return Bad(["gate", "--baseline", str(base), "--current", str(cur)],
               [f"{base / 'results.json'}:1", "malformed JSON"])


@case("gate-folder-without-results-json")
def _(env: Env) -> Bad:
    _, cur = runs(env)
    (env.tmp / "nothing").mkdir()
    return Bad(["gate", "--baseline", str(env.tmp / "nothing"), "--current", str(cur)],
               [str(env.tmp / "nothing"), "no results.json"])


@case("gate-malformed-results-json")
def _(env: Env) -> Bad:
    base, cur = runs(env)
    (cur / "results.json").write_text(json.dumps({"schema": "pgeval.run/1", "tasks": [VQA]}))
    return Bad(["gate", "--baseline", str(base), "--current", str(cur)],
               [str(cur / "results.json"), "'tasks'"])


# -- table, leaderboard, plot ----------------------------------------------------------------------


@case("table-folder-without-results-json")
def _(env: Env) -> Bad:
    (env.tmp / "nothing").mkdir()
    return Bad(["table", str(env.tmp / "nothing")], [str(env.tmp / "nothing"), "no results.json"])


@case("table-malformed-results-json")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    results = base / "results.json"
    results.write_text(results.read_text().replace('"tasks": {', '"tasks": {,', 1))
    return Bad(["table", str(base)], [f"{results}:", "malformed JSON"])


@case("table-out-below-a-file")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    out = a_file(env) / "table.md"
    return Bad(["table", str(base), "--out", str(out)], [str(out)])


@case("leaderboard-folder-without-results-json")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    (env.tmp / "nothing").mkdir()
    return Bad(["leaderboard", str(base), str(env.tmp / "nothing")],
               [str(env.tmp / "nothing"), "no results.json"])


@case("leaderboard-malformed-results-json")
def _(env: Env) -> Bad:
    base, cur = runs(env)
    results = cur / "results.json"
    raw = json.loads(results.read_text())
    raw["tasks"][VQA] = 5
    results.write_text(json.dumps(raw))
    return Bad(["leaderboard", str(base), str(cur)], [str(results), "task 'vqav2'"])


@case("plot-folder-without-results-json")
def _(env: Env) -> Bad:
    (env.tmp / "nothing").mkdir()
    return Bad(["plot", str(env.tmp / "nothing"), "--out", str(env.tmp / "plots")],
               [str(env.tmp / "nothing"), "no results.json"])


@case("plot-malformed-results-json")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    results = truncated(base / "results.json")
    return Bad(["plot", str(base), "--out", str(env.tmp / "plots")], [f"{results}:", "malformed JSON"])


@case("plot-results-json-utf8-bom")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    results = utf8_bom(base / "results.json")
    return Bad(["plot", str(base), "--out", str(env.tmp / "plots")],
               [str(results), "UTF-8 with a byte-order mark"])


@case("plot-out-is-a-file")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    out = a_file(env)
    return Bad(["plot", str(base), "--out", str(out)], [str(out), "folder"])


# -- tasks ---------------------------------------------------------------------------------------


@case("tasks-malformed-toml")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs",
                             task_toml().replace('metric = "Accuracy"', 'metric = Accuracy')).parent
    return Bad(["tasks", "--tasks-dir", str(folder)], [f"{folder / 'mytask.toml'}:4", "malformed TOML"])


@case("tasks-spec-missing-field")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs",
                             task_toml().replace('prompt = "answer en {question}"\n', "")).parent
    return Bad(["tasks", "--tasks-dir", str(folder)], [str(folder / "mytask.toml"), "'prompt'"])


@case("tasks-unknown-adapter")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs",
                             task_toml().replace('"exact_match"', '"exact_mach"')).parent
    return Bad(["tasks", "--tasks-dir", str(folder)],
               [str(folder / "mytask.toml"), "unknown adapter 'exact_mach'"])


@case("tasks-unknown-source")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs",
                             task_toml().replace('source = "jsonl"', 'source = "jsonlines"')).parent
    return Bad(["tasks", "--tasks-dir", str(folder)],
               [str(folder / "mytask.toml"), "unknown data source 'jsonlines'"])


@case("tasks-spec-utf16")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs").parent
    utf16(folder / "mytask.toml")
    return Bad(["tasks", "--tasks-dir", str(folder)], [str(folder / "mytask.toml"), "UTF-16"])


# -- run: checkpoints pgeval refuses -------------------------------------------------------------


@case("run-gguf")
def _(env: Env) -> Bad:
    gguf = env.tmp / "paligemma-3b.Q4_K_M.gguf"
    gguf.write_bytes(b"GGUF" + bytes(60))
    return Bad(run_args(env, vqa_with_images(env), checkpoint=gguf), [str(gguf), "GGUF", "bfloat16"])


@case("run-bitsandbytes-4bit-config")
def _(env: Env) -> Bad:
    folder = hf_folder(env)
    config = json.loads((folder / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    (folder / "config.json").write_text(json.dumps(config))
    return Bad(run_args(env, vqa_with_images(env), checkpoint=folder),
               [str(folder / "config.json"), "bitsandbytes 4-bit", "bfloat16"])


@case("run-bitsandbytes-8bit-tensors")
def _(env: Env) -> Bad:
    save_file = needs_extra("test", "safetensors.numpy").save_file
    folder = hf_folder(env)
    tensors = hf_tensors(env.cfg)
    tensors["language_model.model.layers.0.self_attn.q_proj.SCB"] = np.ones(4, np.float32)
    save_file(tensors, str(folder / "model.safetensors"))
    return Bad(run_args(env, vqa_with_images(env), checkpoint=folder),
               [str(folder), "q_proj.SCB", "bitsandbytes"])


def adapter_case(env: Env, *names: str, **settings) -> Bad:
    from tests.model.adapters import write_adapter

    folder = write_adapter(env.tmp / "adapter", env.cfg, str(env.npz), **settings)
    return Bad(run_args(env, vqa_with_images(env), checkpoint=folder), [str(folder), *names])


@case("run-adapter-dora")
def _(env: Env) -> Bad:
    return adapter_case(env, "DoRA", "cannot merge", use_dora=True)


@case("run-adapter-trainable-tokens")
def _(env: Env) -> Bad:
    return adapter_case(env, "trainable tokens", trainable_token_indices=[3, 4])


@case("run-adapter-unknown-layer")
def _(env: Env) -> Bad:
    a, b = np.zeros((4, 8), np.float32), np.zeros((8, 4), np.float32)
    extra = {"base_model.model.model.vision_tower.head.attention.out_proj.lora_A.weight": a,
             "base_model.model.model.vision_tower.head.attention.out_proj.lora_B.weight": b}
    return adapter_case(env, "head.attention.out_proj", "does not know", extra=extra)


@case("run-adapter-without-base")
def _(env: Env) -> Bad:
    return adapter_case(env, "base_model_name_or_path", "--base", base_model_name_or_path=None)


@case("run-adapter-pickled")
def _(env: Env) -> Bad:
    bad = adapter_case(env)
    folder = Path(bad.names[0])
    (folder / "adapter_model.safetensors").rename(folder / "adapter_model.bin")
    return Bad(bad.argv, [str(folder / "adapter_model.bin"), "save_pretrained"])
# -- issue 32: inputs that overwrote files, misread options or ended in a traceback -------------


def png_header(path: Path, width: int, height: int) -> Path:
    """A PNG whose header says width x height (8-bit grey) and whose pixels are missing: enough
    for PIL to see the size when it opens the file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def free_memory(env: Env, gib: float) -> None:
    """The device the engine runs on has `gib` GiB free (the check reads it before compiling)."""
    env.monkeypatch.setattr("pgeval.engine.memory.free_bytes", lambda _device: int(gib * (1 << 30)))


def nan_npz(env: Env) -> Path:
    """The tiny checkpoint with one NaN in its token embeddings."""
    npz = npz_copy(env)
    with np.load(npz) as f:
        arrays = dict(f)
    key = next(k for k in arrays if k.endswith("embedder/input_embedding"))
    arrays[key][3, 5] = np.nan
    np.savez(npz, **arrays)
    return npz


def edit_results(run_dir: Path, edit: Callable[[dict], None], *, text: str | None = None) -> Path:
    results = run_dir / "results.json"
    data = json.loads(results.read_text())
    edit(data)
    results.write_text(json.dumps(data, indent=2) if text is None else text)
    return results


def docvqa_with_image_field(env: Env, value: object) -> Path:
    """DocVQA data of two questions, the second naming `value` as its image."""
    data = env.tmp / "data"
    docvqa_with_images(data, 2)
    path = data / "docvqa" / "val" / "val_v1.0.json"
    raw = json.loads(path.read_text())
    raw["data"][1]["image"] = value
    path.write_text(json.dumps(raw))
    return data


def docvqa_args(env: Env, data: Path, *more: str) -> list[str]:
    argv = run_args(env, data, *more)
    argv[argv.index(VQA)] = "docvqa"
    return argv


def spec_with(env: Env, old: str, new: str) -> Path:
    """A task spec folder whose mytask.toml has `old` replaced by `new`."""
    text = task_toml()
    assert old in text
    return write_task_file(env.tmp / "specs", text.replace(old, new)).parent


@case("infer-output-is-the-input")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    argv = infer_args(env, path)
    argv[argv.index("--output") + 1] = str(path)
    return Bad(argv, [str(path), "--output is the --input file", "pass another --output"], kept=[path])


@case("infer-output-is-a-hard-link-to-the-input")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    link = env.tmp / "out.jsonl"
    os.link(path, link)
    return Bad(infer_args(env, path), [str(link), "--output is the --input file"], kept=[path])


@case("score-out-failed-write-leaves-no-tmp")
def _(env: Env) -> Bad:
    out = env.tmp / "scores"
    (out / "vqav2.val.jsonl").mkdir(parents=True)  # where the scores go: renaming onto it fails
    return Bad(score_args(vqa_data(env), good_predictions(env), "--out", str(out)),
               [str(out / "vqav2.val.jsonl"), "cannot write"], code=1,
               absent=[out / "vqav2.val.jsonl.tmp"])


@case("gate-alpha-nan-is-a-usage-error")
def _(env: Env) -> Bad:
    base, cur = runs(env)
    return Bad(["gate", "--baseline", str(base), "--current", str(cur), "--alpha", "nan"],
               ["'--alpha'", "'nan' is not a finite number", "0<x<1"])


@case("gate-max-drop-nan-is-a-usage-error")
def _(env: Env) -> Bad:
    base, cur = runs(env)
    return Bad(["gate", "--baseline", str(base), "--current", str(cur), "--max-drop", "nan"],
               ["'--max-drop'", "'nan' is not a finite number", "x>=0"])


@case("run-limit-minus-1")
def _(env: Env) -> Bad:
    argv = run_args(env, vqa_with_images(env))
    argv[argv.index("--limit") + 1] = "-1"
    return Bad(argv, ["--limit -1", "must be a whole number of 1 or more", "leave it out"],
               absent=[env.tmp / "run"])


@case("infer-beam-size-0")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    return Bad(infer_args(env, path, "--beam-size", "0"), ["--beam-size 0", "1 or more", "greedily"],
               absent=[env.tmp / "out.jsonl"])


@case("infer-beam-size-minus-3")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    return Bad(infer_args(env, path, "--beam-size", "-3"), ["--beam-size -3", "1 or more"])


@case("infer-max-decode-len-0")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    argv = infer_args(env, path)
    argv[argv.index("--max-decode-len") + 1] = "0"
    return Bad(argv, ["--max-decode-len 0", "1 or more", "most tokens generated"])


@case("infer-max-decode-len-minus-1")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    argv = infer_args(env, path)
    argv[argv.index("--max-decode-len") + 1] = "-1"
    return Bad(argv, ["--max-decode-len -1", "1 or more"])


@case("infer-request-id-is-a-list")
def _(env: Env) -> Bad:
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"},
                          {"id": ["b", 2], "image": "img.png", "prefix": "caption en"}])
    return Bad(infer_args(env, path), [f"{path}:2", "'id' must be a string or an integer",
                                       "['b', 2]"])


@case("run-checkpoint-with-nan-weights")
def _(env: Env) -> Bad:
    npz = nan_npz(env)
    return Bad(run_args(env, vqa_with_images(env), checkpoint=npz),
               [str(npz), "embedder/input_embedding",
                "1 NaN or infinite value(s)", "use another one"], absent=[env.tmp / "run"])


@case("infer-checkpoint-with-nan-weights")
def _(env: Env) -> Bad:
    npz = nan_npz(env)
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    argv = infer_args(env, path)
    argv[argv.index("--checkpoint") + 1] = str(npz)
    return Bad(argv, [str(npz), "NaN or infinite"], absent=[env.tmp / "out.jsonl"])


@case("table-string-metric")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    results = edit_results(base, lambda d: d["tasks"][VQA]["metrics"].update(accuracy="48.6"))
    return Bad(["table", str(base)], [str(results), "metric 'accuracy' is \"48.6\", not a number"])


@case("gate-string-metric")
def _(env: Env) -> Bad:
    base, cur = runs(env)
    results = edit_results(cur, lambda d: d["tasks"][VQA]["metrics"].update(accuracy="48.6"))
    return Bad(["gate", "--baseline", str(base), "--current", str(cur)],
               [str(results), "metric 'accuracy' is \"48.6\", not a number"])


@case("plot-model-res-not-a-number")
def _(env: Env) -> Bad:
    base, _ = runs(env)
    results = edit_results(base, lambda d: d["model"].update(res="big"))
    return Bad(["plot", str(base), "--out", str(env.tmp / "plots")],
               [str(results), "model.res is \"big\", not a resolution in pixels"],
               absent=[env.tmp / "plots"])


@case("score-predictions-lone-surrogate")
def _(env: Env) -> Bad:
    p = env.tmp / "p.jsonl"
    p.write_text('{"id": 1, "prediction": "yes"}\n{"id": 2, "prediction": "2\\ud800"}\n')
    return Bad(score_args(vqa_data(env), p, "--out", str(env.tmp / "scores")),
               [f"{p}:2", "\\ud800", "surrogate"], absent=[env.tmp / "scores"])


@case("score-predictions-nested-100000-deep")
def _(env: Env) -> Bad:
    p = env.tmp / "p.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    return Bad(score_args(vqa_data(env), p), [str(p), "nested too deeply"])


@case("infer-batch-size-100000")
def _(env: Env) -> Bad:
    free_memory(env, 1.0)
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"}])
    # per example: KV cache 2 layers x 2 x 34 slots x 16 x 4 B = 8704 B, masks 32 x 34 B, image
    # 56 x 56 x 3 x 4 B / 8 (rows), MLP hidden 32 x 2 x 128 x 4 B: 47264 B, 4.4 GiB for 100000
    return Bad(infer_args(env, path, "--batch-size", "100000"),
               ["--batch-size 100000 needs at least 4.4 GiB", "cpu device memory (1.0 GiB free)",
                "for prompts of up to 4 tokens", "lower --batch-size (about 22717 fits)"],
               absent=[env.tmp / "out.jsonl"])


@case("infer-prompt-of-20000-words")
def _(env: Env) -> Bad:
    free_memory(env, 1.0)
    path = requests(env, [{"id": "a", "image": "img.png", "prefix": "caption en"},
                          {"id": "long", "image": "img.png", "prefix": " ".join(["dog"] * 20_000)}])
    return Bad(infer_args(env, path, "--batch-size", "2"),
               ["id 'long'", "one example with the longest prompt (20,00", "shorten that prompt"],
               absent=[env.tmp / "out.jsonl"])


@case("run-image-of-20000x20000-pixels")
def _(env: Env) -> Bad:
    data = env.tmp / "data"
    vqav2_with_images(data, 4)
    image = png_header(vqa_file(data, "val2014") / "COCO_val2014_000000000100.jpg", 20_000, 20_000)
    argv = run_args(env, data)
    argv[argv.index("--limit") + 1] = "4"
    return Bad(argv, [str(image), "id '1'", "image too large to decode: 400,000,000 pixels",
                      "--on-error skip"])


@case("run-image-of-20000x20000-pixels-skipped")
def _(env: Env) -> Bad:
    data = env.tmp / "data"
    vqav2_with_images(data, 4)
    png_header(vqa_file(data, "val2014") / "COCO_val2014_000000000100.jpg", 20_000, 20_000)
    argv = run_args(env, data, "--on-error", "skip")
    argv[argv.index("--limit") + 1] = "4"
    return Bad(argv, ["vqav2 (val, n=2, 2 skipped)"], code=0)


@case("run-demo-data-env-names-a-file")
def _(env: Env) -> Bad:
    demo = a_file(env)
    env.monkeypatch.setenv("PGEVAL_DEMO_DATA", str(demo))
    return Bad(["run", "--demo", "--tasks", VQA, "--res", "224", "--out", str(env.tmp / "run")],
               [str(demo), "PGEVAL_DEMO_DATA must be a folder"], kept=[demo],
               absent=[env.tmp / "run"])


@case("tasks-max-decode-len-0")
def _(env: Env) -> Bad:
    folder = spec_with(env, "max_decode_len = 8", "max_decode_len = 0")
    return Bad(["tasks", "--tasks-dir", str(folder)],
               [str(folder / "mytask.toml"), "'max_decode_len' must be 1 or more, got 0"])


@case("tasks-max-decode-len-negative")
def _(env: Env) -> Bad:
    folder = spec_with(env, "max_decode_len = 8", "max_decode_len = -4")
    return Bad(["tasks", "--tasks-dir", str(folder)], [str(folder / "mytask.toml"), "got -4"])


@case("tasks-prompt-unclosed-brace")
def _(env: Env) -> Bad:
    folder = spec_with(env, '"answer en {question}"', '"answer en {question"')
    return Bad(["tasks", "--tasks-dir", str(folder)],
               [str(folder / "mytask.toml"), "prompt 'answer en {question' is not a template",
                "{{ or }}"])


@case("tasks-published-value-abc")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs", task_toml() + (
        '\n[[published]]\ncard = "mine"\nmodel = "3b-pt"\nres = 224\nkey = "accuracy"\n'
        'value = "abc"\nsplit = "val"\n')).parent
    return Bad(["tasks", "--tasks-dir", str(folder)],
               [str(folder / "mytask.toml"), "[[published]] entry 0", "'value' must be a number",
                "'abc'"])


@case("tasks-toml-nested-100000-deep")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs", task_toml() + "deep = " + "[" * 100_000
                             + "]" * 100_000 + "\n").parent
    return Bad(["tasks", "--tasks-dir", str(folder)], [str(folder / "mytask.toml"), "nested too deeply"])


@case("score-task-file-published-value-abc")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs", task_toml() + (
        '\n[[published]]\ncard = "mine"\nmodel = "3b-pt"\nres = 224\nkey = "accuracy"\n'
        'value = "abc"\nsplit = "val"\n')).parent
    argv = score_args(vqa_data(env), good_predictions(env), "--tasks-dir", str(folder))
    return Bad(argv, [str(folder / "mytask.toml"), "'value' must be a number"])


@case("run-res-0-leaves-no-run-directory")
def _(env: Env) -> Bad:
    return Bad(run_args(env, vqa_with_images(env), "--res", "0"), ["--res 0", "1 or more"],
               absent=[env.tmp / "run"])


@case("run-failing-after-the-lock-leaves-no-run-directory")
def _(env: Env) -> Bad:
    # vqav2's 13-token prompt (bucket 16) after 16 image tokens, 32 decoded: KV cache 16384 B,
    # masks 2048 B and MLP hidden 32768 B per example, one 56 px image row 37632 B: a batch of 2
    # needs 140032 B, one example 88832 B
    free_memory(env, 100 / (1 << 20))
    return Bad(run_args(env, vqa_with_images(env)),
               ["--batch-size 2 needs at least 136.8 KiB of cpu device memory (100.0 KiB free)",
                "lower --batch-size (about 1 fits)"],
               absent=[env.tmp / "run"])


@case("score-predictions-fifo")
def _(env: Env) -> Bad:
    fifo = env.tmp / "p.jsonl"
    os.mkfifo(fifo)
    return Bad(score_args(vqa_data(env), fifo), [str(fifo), "named pipe (FIFO)"])


@case("score-predictions-symlink-loop")
def _(env: Env) -> Bad:
    loop = env.tmp / "p.jsonl"
    loop.symlink_to(loop)
    return Bad(score_args(vqa_data(env), loop), [str(loop), "symbolic link loop"])


@case("infer-input-fifo")
def _(env: Env) -> Bad:
    fifo = env.tmp / "requests.jsonl"
    os.mkfifo(fifo)
    return Bad(infer_args(env, fifo), [str(fifo), "input file is a named pipe (FIFO)"])


@case("run-image-field-null")
def _(env: Env) -> Bad:
    data = docvqa_with_image_field(env, None)
    return Bad(docvqa_args(env, data), [str(data / "docvqa" / "val" / "val_v1.0.json"), "entry 1",
                                        "'image' is null, not an image name"])


@case("run-image-path-leaving-the-data-dir")
def _(env: Env) -> Bad:
    secret = env.tmp / "secret.png"
    write_image(secret, 0)
    data = docvqa_with_image_field(env, "../../../secret.png")
    return Bad(docvqa_args(env, data), ["task docvqa", "id '501'", "'val/../../../secret.png'",
                                        f"leads outside --data-dir {data}",
                                        "--allow-outside-data-dir"], absent=[env.tmp / "run"])


# -- reruns: what a run directory holds must be what the same recipe produced (issues 29, 32) -----

_FINISHED: dict[Path, Path] = {}  # checkpoint -> a folder holding data/ and run/ of a finished run


def finished_run(env: Env) -> Path:
    """data/ and run/ (a finished two-example VQAv2 run) copied into the case's folder; the run
    is made once per checkpoint."""
    if env.npz not in _FINISHED:
        vqa_with_images(env)
        result = run_cli(*run_args(env, env.tmp / "data"))
        assert result.exit_code == 0, result.output
        _FINISHED[env.npz] = env.tmp
    else:
        for name in ("data", "run"):
            shutil.copytree(_FINISHED[env.npz] / name, env.tmp / name)
    return env.tmp / "data"


def vqa_spec(env: Env, old: str, new: str) -> Path:
    """A --tasks-dir holding the built-in vqav2.toml with `old` replaced by `new`."""
    spec = (Path(__file__).resolve().parents[1] / "tasks" / "vqav2.toml").read_text()
    assert old in spec
    return write_task_file(env.tmp / "specs", spec.replace(old, new, 1), name=VQA).parent


@case("run-rerun-with-another-prompt")
def _(env: Env) -> Bad:
    data = finished_run(env)
    specs = vqa_spec(env, 'prompt = "answer en {question}"', 'prompt = "answer {question}"')
    return Bad(run_args(env, data, "--tasks-dir", str(specs)),
               [str(env.tmp / "run" / "results.json"), "another recipe",
                'prompt ("answer en {question}" then, "answer {question}" now)', "--overwrite vqav2"])


@case("run-rerun-of-a-hand-edited-results-json")
def _(env: Env) -> Bad:
    data = finished_run(env)
    results = env.tmp / "run" / "results.json"
    raw = json.loads(results.read_text())
    raw["tasks"][VQA]["metrics"]["accuracy"] = 99.0
    results.write_text(json.dumps(raw))
    return Bad(run_args(env, data), [str(results), "accuracy is 99.0", "predictions/vqav2.jsonl",
                                     "--overwrite vqav2"])


@case("run-rerun-of-a-run-2-directory-without-recipes")
def _(env: Env) -> Bad:
    data = finished_run(env)
    results = env.tmp / "run" / "results.json"
    raw = json.loads(results.read_text())
    raw["schema"] = "pgeval.run/2"
    for key in ("recipe", "recipe_sha256", "predictions_sha256"):
        del raw["tasks"][VQA][key]
    results.write_text(json.dumps(raw))
    return Bad(run_args(env, data), [str(results), "no recipe (written by an older pgeval)",
                                     "--overwrite vqav2"])


@case("run-partial-predictions-with-a-damaged-line")
def _(env: Env) -> Bad:
    data = finished_run(env)
    run = env.tmp / "run"
    record = json.loads((run / "results.json").read_text())["tasks"][VQA]
    lines = (run / "predictions" / "vqav2.jsonl").read_text().splitlines()
    (run / "results.json").unlink()
    (run / "predictions" / "vqav2.jsonl").unlink()
    partial = run / "predictions" / "vqav2.partial.jsonl"
    head = {"recipe": record["recipe"], "recipe_sha256": record["recipe_sha256"]}
    partial.write_text("\n".join([json.dumps(head), lines[0], '{"id": "2", "predic', lines[1]]) + "\n")
    return Bad(run_args(env, data), [f"{partial}:3", "damaged line", f"sed -i '3d' {partial}"])


@case("run-partial-predictions-of-an-older-pgeval")
def _(env: Env) -> Bad:
    partial = write_jsonl(env.tmp / "run" / "predictions" / "vqav2.partial.jsonl",
                          [{"id": "1", "prediction": "yes"}])
    return Bad(run_args(env, vqa_with_images(env)),
               [str(partial), "no recipe (written by an older pgeval)", "--overwrite vqav2"])


@case("run-out-holds-predictions-pgeval-did-not-write")
def _(env: Env) -> Bad:
    mine = write_jsonl(env.tmp / "run" / "predictions" / "vqav2.jsonl",
                       [{"id": 1, "prediction": "mine"}])
    return Bad(run_args(env, vqa_with_images(env)),
               [str(mine), "pgeval did not write this file", "--overwrite vqav2"])


@case("run-adapter-rule-misspelled")
def _(env: Env) -> Bad:
    specs = vqa_spec(env, 'adapter = "vqa_accuracy"', 'adapter = "vqa_accuracy"\nargs = { rule = "offical" }')
    return Bad(run_args(env, vqa_data(env), "--tasks-dir", str(specs)),
               [str(specs / "vqav2.toml"), "[scoring] args", "'offical'"])


@case("run-adapter-unknown-argument")
def _(env: Env) -> Bad:
    specs = vqa_spec(env, 'adapter = "vqa_accuracy"',
                     'adapter = "vqa_accuracy"\nargs = { rules = "official" }')
    return Bad(run_args(env, vqa_data(env), "--tasks-dir", str(specs)),
               [str(specs / "vqav2.toml"), "[scoring] args", "no argument 'rules'", "rule, also"])


@case("score-slice-mean-example-without-slice")
def _(env: Env) -> Bad:
    folder = write_task_file(env.tmp / "specs", task_toml() + 'aggregate = "slice_mean"\n').parent
    data = env.tmp / "data"
    annotations = write_jsonl(data / "mytask" / "val.jsonl", [
        {"id": "a", "question": "q?", "references": ["yes"], "slice": "en"},
        {"id": "b", "question": "q?", "references": ["no"]}])
    predictions = write_jsonl(env.tmp / "p.jsonl", [{"id": "a", "prediction": "yes"},
                                                     {"id": "b", "prediction": "no"}])
    return Bad(["score", "--task", "mytask", "--predictions", str(predictions), "--data-dir", str(data),
                "--tasks-dir", str(folder)], [str(annotations), "id 'b'", "no slice", "pooled"])


@case("score-split-without-answers")
def _(env: Env) -> Bad:
    data = env.tmp / "data"
    write_vqav2(data, ROWS)
    vqa_file(data, "v2_OpenEnded_mscoco_test-dev2015_questions.json").write_text(json.dumps(
        {"questions": [{"question_id": 1, "image_id": 11, "question": "Is it day?"}]}))
    predictions = write_jsonl(env.tmp / "p.jsonl", [{"id": 1, "prediction": "yes"}])
    return Bad(score_args(data, predictions, "--split", "test-dev"),
               ["split 'test-dev' has no answers", "pgeval run --tasks vqav2 --split test-dev",
                "submission file"])


@case("gate-baseline-task-missing-from-current")
def _(env: Env) -> Bad:
    base = make_run(env.tmp / "base", "pt_224", 224,
                    {VQA: {"accuracy": 80.0}, "docvqa": {"anls": 70.0}}).path
    cur = make_run(env.tmp / "cur", "pt_224", 224, {VQA: {"accuracy": 80.0}}).path
    return Bad(["gate", "--baseline", str(base), "--current", str(cur), "--max-drop", "1"],
               ["gate: FAIL (docvqa missing from the current run)", "--allow-missing"], code=1)


# -- the test ------------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path, tiny_checkpoint, tiny_tokenizer, monkeypatch) -> Env:
    npz, cfg = tiny_checkpoint
    return Env(tmp_path, npz, tiny_tokenizer, cfg, monkeypatch)


@pytest.mark.parametrize("build", CASES)
def test_bad_input_is_reported_with_its_place(build, env, monkeypatch):
    monkeypatch.chdir(env.tmp)  # anything a command writes by default stays in the case's folder
    bad = build(env)
    before = {path: path.read_bytes() for path in bad.kept}
    result = run_cli(*bad.argv)
    assert {path: path.read_bytes() for path in bad.kept} == before, "a kept file was changed"
    left = [path for path in bad.absent if path.exists() or path.is_symlink()]
    assert not left, [sorted(p.rglob("*")) if p.is_dir() else p for p in left]
    text = result.stdout + result.stderr
    assert result.exit_code == bad.code, text
    assert "Traceback" not in text
    missing = [name for name in bad.names if name not in text]
    assert not missing, f"the message lacks {missing}:\n{text}"
    if bad.code == 2:
        assert "error" in result.stderr.lower(), text
