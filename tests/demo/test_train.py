"""The demo's training recipe: the training-only targets on forms, the batches, and a few steps
of the real step function on a tiny model."""

import numpy as np
import pytest

from pgeval.demo import train
from pgeval.demo.datasets import DOC_FIELDS, training_picture
from pgeval.demo.scenes import field_cell
from pgeval.model.config import PaliGemmaConfig, TextConfig, VisionConfig
from pgeval.model.tokenizer import Tokenizer


def test_cells_and_tokens():
    assert train.cells_per_token(448) == 1 and train.cells_per_token(224) == 2
    assert train.cell_token((2, 4), 448) == 2 * 16 + 4 == 36
    assert train.cell_token((3, 5), 224) == 1 * 8 + 2 == 10  # cells (2-3, 4-5) share a token
    with pytest.raises(ValueError, match="whole 28 px cells"):
        train.cells_per_token(300)


def test_figure_targets_by_hand():
    figures = {(2, 4): "7", (2, 5): "0", (3, 5): "9", (15, 15): "1"}
    t448, w448 = train.figure_targets(figures, 448)
    assert t448.shape == (256, 1) and w448.shape == (256,)
    assert t448[36, 0] == 7 and t448[37, 0] == 0 and t448[3 * 16 + 5, 0] == 9 and t448[255, 0] == 1
    assert (t448 == 10).sum() == 256 - 4
    assert w448[36] == 1 and w448[2 * 16 + 3] == 0 and w448[5] == 0  # a key cell, the title row
    assert w448.sum() == 256 - 16 - 6 * 4
    t224, w224 = train.figure_targets(figures, 224)
    assert t224.shape == (64, 4)
    # token (1, 2) covers cells (2, 4) (2, 5) (3, 4) (3, 5), row-major
    assert t224[10].tolist() == [7, 0, 10, 9] and t224[63].tolist() == [10, 10, 10, 1]
    assert w224[10] == 1 and w224[1 * 8 + 1] == 0 and w224[3] == 0
    none_t, none_w = train.figure_targets(None, 448)
    assert (none_t == 10).all() and not none_w.any()


def test_pointer_targets_by_hand():
    targets, weights = train.pointer_targets(prefix_length=9, answer="482", first=(6, 4), res=448)
    # position 8 (the prefix's last) predicts "4": cell (6, 4); 9 -> (6, 5); 10 -> (6, 6);
    # 11 predicts the end: the empty cell (6, 7)
    assert np.flatnonzero(weights).tolist() == [8, 9, 10, 11]
    assert targets[8:12].tolist() == [100, 101, 102, 103]
    targets, _ = train.pointer_targets(9, "482", (6, 4), 224)
    assert targets[8:12].tolist() == [26, 26, 27, 27]
    targets, weights = train.pointer_targets(9, "482", None, 448)
    assert not weights.any()


@pytest.fixture(scope="module")
def tok():
    from pgeval.demo.bundle import demo_tokenizer

    return Tokenizer(demo_tokenizer())


def test_batches_pair_pictures_with_their_questions(tok):
    batch = next(train.batches(tok, 224, seed=0, mixture={"docvqa": 1.0}, pictures=2, questions=3))
    assert batch.images.shape == (2, 224, 224, 3) and batch.images.dtype == np.uint8
    assert batch.tokens.shape == (6, train.SEQ_LEN) and batch.pointers.shape == (6, train.SEQ_LEN - 1)
    assert batch.figures.shape == (2, 64, 4)
    first = training_picture("docvqa", seed=0, index=0)
    cells = {question: field_cell(i) for i, question in enumerate(DOC_FIELDS.values())}
    for row in range(3):  # the first picture's three sequences point where their answers are
        text = tok.decode(batch.tokens[row][~batch.ar[row] & batch.valid[row]].tolist())
        (question,) = [q for q in cells if q in text]
        answer = dict(first.pairs)[question]
        assert tok.decode(batch.tokens[row][batch.ar[row]].tolist()) == answer
        start = int(np.flatnonzero(batch.pointer_weights[row])[0])
        assert batch.pointers[row, start] == train.cell_token(cells[question], 224)
        assert batch.pointer_weights[row].sum() == len(answer) + 1


def test_a_few_steps_lower_every_loss(tok):
    import jax
    import optax

    cfg = PaliGemmaConfig(
        vision=VisionConfig(width=32, depth=1, mlp_dim=64, num_heads=2, patch_size=28, image_size=224),
        text=TextConfig(width=64, depth=2, mlp_dim=128, num_heads=2, num_kv_heads=1, head_dim=32,
                        query_pre_attn_scalar=32, vocab_size=tok.vocab_size))
    params = {"model": train.init_params(cfg, 0), "figures": train.figure_head(cfg, 0)}
    optimizer = optax.adam(3e-3)
    step = train.make_step(cfg, optimizer, reading_weight=1.0, routing_weight=1.0)
    batch = next(train.batches(tok, 224, seed=0, mixture={"docvqa": 1.0}, pictures=2, questions=2))
    opt_state = optimizer.init(params)
    first = None
    for _ in range(8):  # one batch, over and over: every loss must fall
        params, opt_state, *losses = step(params, opt_state, *batch.arrays())
        first = first or [float(x) for x in losses]
    assert all(float(b) < a for a, b in zip(first, losses, strict=True))
    assert set(params["model"]) == {"img", "llm"} and jax.tree.leaves(params["figures"])


def test_stages_parse_and_resume_after_the_recorded_ones(tmp_path):
    import argparse
    import json

    stages = train.parse_stages("448:1100:reading,224:400:seeing:8")
    assert stages == [train.Stage(448, 1100, "reading"), train.Stage(224, 400, "seeing", 8.0)]
    for bad in ("448:1100", "448:x:reading", "448:10:other"):
        with pytest.raises(argparse.ArgumentTypeError, match="RES"):
            train.parse_stages(bad)
    settings = {"seed": 0, "lr": 0.002}
    path = tmp_path / "training.json"
    assert train._resumable(path, settings, stages) == []  # nothing recorded yet
    first = {"res": 448, "planned_steps": 1100, "mixture": "reading", "steps": 1100}
    path.write_text(json.dumps({**settings, "stages": [first]}))
    assert train._resumable(path, settings, stages) == [first]
    assert train._resumable(path, {**settings, "lr": 0.001}, stages) == []  # other settings
    assert train._resumable(path, settings, train.parse_stages("448:900:reading")) == []
