"""Time pgeval's scorers beside the reference implementations on benchmark-sized synthetic data.

    python benchmarks/metrics.py [--questions 214354] [--images 5000]

VQA: a VQAv2-val-sized set (214,354 questions, 10 human answers each) scored by
pgeval.metrics.vqa_accuracies and by the official rules restated plainly
(benchmarks/vqa_reference.py). CIDEr: 5,000 images x 5 references scored by pgeval.metrics.cider
and by pycocoevalcap alone (its PTBTokenizer, then Cider). Prints both times and their ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.vqa_reference import reference_vqa_accuracy
from pgeval.metrics import cider, vqa_accuracies
from pgeval.metrics.ptb_tokenizer import java_available

WORDS = ("red blue green white black yellow dog cat man woman bus car train tennis baseball pizza table "
         "kitchen street grass snow water sky horse bird umbrella phone frisbee kite clock sign plate "
         "bowl left right wood metal").split()


def vqa_set(n: int, rng: random.Random) -> tuple[list[str], list[list[str]]]:
    """Questions whose ten answers mostly agree, with the variants humans type."""
    vocab = [str(i) for i in range(20)] + ["yes", "no"] * 20 + WORDS
    vocab += [f"{a} {b}" for a in WORDS[:40] for b in WORDS[:25]]
    variants = [lambda s: s, str.capitalize, lambda s: s + ".", lambda s: "a " + s,
                lambda s: "the " + s, lambda s: s.replace(" ", "-"), lambda s: s + "!"]
    predictions, answers = [], []
    for _ in range(n):
        truth, other = rng.choice(vocab), rng.choice(vocab)
        k = rng.choice((10, 10, 9, 8, 7, 5, 3))
        ans = [truth] * k + [rng.choice(variants)(other) for _ in range(10 - k)]
        rng.shuffle(ans)
        answers.append(ans)
        predictions.append(rng.choice(variants)(truth if rng.random() < 0.7 else other))
    return predictions, answers


def caption_set(n: int, refs: int, rng: random.Random) -> tuple[dict, dict]:
    def sentence() -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 12))]
        return "A " + " ".join(words) + rng.choice((".", "", " .", "!"))

    gts = {i: [sentence() for _ in range(refs)] for i in range(n)}
    res = {i: sentence() for i in range(n)}
    return res, gts


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def pycocoevalcap_cider(res: dict, gts: dict) -> float:
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tok = PTBTokenizer()
    g = tok.tokenize({k: [{"caption": c} for c in v] for k, v in gts.items()})
    r = tok.tokenize({k: [{"caption": c}] for k, c in res.items()})
    return Cider().compute_score(g, r)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=214_354)
    parser.add_argument("--images", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(0)

    preds, answers = vqa_set(args.questions, rng)
    ours, acc = timed(lambda: vqa_accuracies(preds, answers))
    ref, ref_acc = timed(lambda: [reference_vqa_accuracy(p, a) for p, a in zip(preds, answers, strict=True)])
    assert acc == ref_acc, "pgeval and the reference disagree"
    print(f"VQA accuracy, {args.questions:,} questions x 10 answers: pgeval {ours:.2f} s, "
          f"plain official rules {ref:.2f} s, speed-up x{ref / ours:.1f} "
          f"(accuracy {100 * sum(acc) / len(acc):.2f})")

    if not java_available():
        print("CIDEr: skipped, the pycocoevalcap reference needs Java")
        return
    res, gts = caption_set(args.images, 5, rng)
    ref, ref_score = timed(lambda: pycocoevalcap_cider(res, gts))
    ours, (score, _) = timed(lambda: cider(res, gts))
    assert abs(score - ref_score) < 1e-12, (score, ref_score)
    print(f"CIDEr, {args.images:,} images x 5 references: pgeval {ours:.2f} s, pycocoevalcap "
          f"{ref:.2f} s, pgeval / pycocoevalcap = {ours / ref:.2f} (CIDEr {100 * score:.2f})")


if __name__ == "__main__":
    main()
