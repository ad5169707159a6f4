"""Synthetic workloads shaped like the VQAv2 and DocVQA validation splits, for `pgeval bench
--workload`: how many questions each image gets and how long the questions are.

The official files are not needed: each split is recorded as the statistics published about it,
and a workload draws from them, seeded. Where only a mean (or a mean and a range) is published,
the distribution around it is our stated choice.

Sources:
- VQAv2 val2014: 214,354 questions on 40,504 images (as the Hugging Face card
  nisharganirjan/VQAv2 lists the official files), 5.29 per image. VQA v1, which VQAv2 extends,
  asked 3 questions per image (~0.76M questions on ~0.25M images, Antol et al., ICCV 2015);
  VQAv2 asks each question again on a similar, complementary image (Goyal et al., CVPR 2017), so
  we take images to hold v1's 3 plus a variable number of added questions.
  The spread of that number is not published; one observation constrains it: 10,000 questions
  sampled at random from val span 8,453 images (Hugging Face card miguelcarv/VQAv2_sample_areas).
  We draw the added questions from a negative binomial with the published mean 2.29 and shape
  0.28, which reproduces those 8,453 images (a Poisson would give about 8,970).
- DocVQA val: 5,349 questions on 1,286 images (Mathew et al., WACV 2021; the Hugging Face card
  eliolio/docvqa), 4.16 per image; only that mean is known: we draw 1 + Poisson(3.16).
- Question lengths: evalscope's benchmark pages (evalscope.readthedocs.io, benchmarks/vqav2 and
  docvqa) give the prompt lengths over the whole validation split, mean and min/max: VQAv2
  185.83 chars (165-255), DocVQA 254.82 (220-354). Their templates add 155 and 209 characters
  around the question, so questions run 30.83 chars on average (10-100) and 45.82 (11-145). Only
  mean and range are known: we draw the minimum plus a gamma of shape 4 (our choice) with the
  mean, clipped to the maximum.
- Tokens: about 4 characters per token, the usual rule of thumb for English under large BPE
  vocabularies such as Gemma's (an assumption; digits, split one per token, make DocVQA's a
  little longer in truth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CHARS_PER_TOKEN = 4.0
GAMMA_SHAPE = 4.0


@dataclass(frozen=True)
class SplitStats:
    """What is recorded of one validation split, and the images' stored size."""

    name: str
    task: str  # the pgeval task whose prompt template wraps the question
    questions: int
    images: int
    min_per_image: int  # every image has at least this many questions
    # negative binomial shape of the questions above the minimum (None: Poisson)
    extra_shape: float | None
    question_chars: tuple[int, float, int]  # min, mean, max
    image_size: tuple[int, int]  # (width, height) of the synthetic image files
    image_format: str

    @property
    def per_image(self) -> float:
        return self.questions / self.images


# COCO images are stored at most 640 px on a side (evalscope: 120x120 to 640x640), JPEG.
VQAV2 = SplitStats("vqav2", "vqav2", 214_354, 40_504, 3, 0.28, (10, 30.83, 100), (640, 480), "JPEG")
# DocVQA pages are PNG scans (evalscope: 593x294 to 5367x7184); we take a letter page at 200 dpi.
DOCVQA = SplitStats("docvqa", "docvqa", 5_349, 1_286, 1, None, (11, 45.82, 145), (1700, 2200),
                    "PNG")
WORKLOADS = {s.name: s for s in (VQAV2, DOCVQA)}


@dataclass(frozen=True)
class Question:
    image: int  # index of the image it asks about
    chars: int  # question length in characters


def questions_per_image(stats: SplitStats, n: int, rng: np.random.Generator) -> np.ndarray:
    """n images' question counts, drawn with the split's mean."""
    extra = stats.per_image - stats.min_per_image
    if stats.extra_shape is None:
        added = rng.poisson(extra, n)
    else:  # numpy's (shape, p) has mean shape (1 - p) / p
        shape = stats.extra_shape
        added = rng.negative_binomial(shape, shape / (shape + extra), n)
    return stats.min_per_image + added


def question_chars(stats: SplitStats, n: int, rng: np.random.Generator) -> np.ndarray:
    """n question lengths: the minimum plus a gamma with the split's mean, clipped to the maximum."""
    low, mean, high = stats.question_chars
    drawn = low + rng.gamma(GAMMA_SHAPE, (mean - low) / GAMMA_SHAPE, n)
    return np.clip(np.rint(drawn), low, high).astype(int)


def draw(stats: SplitStats, examples: int, seed: int = 0) -> list[Question]:
    """The first `examples` questions of a synthetic split: images in turn, each with its drawn
    number of questions (the last image may be cut short), as the split's files list them."""
    rng = np.random.default_rng(seed)
    counts = questions_per_image(stats, examples, rng)  # enough images: each has at least one
    images = np.repeat(np.arange(examples), counts)[:examples]
    return [Question(int(i), int(c)) for i, c in zip(images, question_chars(stats, examples, rng),
                                                     strict=True)]


def prefix_tokens(prompt_chars: int) -> int:
    """A prompt's prefix length in tokens: BOS, the prompt at CHARS_PER_TOKEN, the "\\n" separator."""
    return 1 + math.ceil(prompt_chars / CHARS_PER_TOKEN) + 1
