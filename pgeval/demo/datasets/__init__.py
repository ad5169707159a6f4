"""Deterministic synthetic benchmarks for the demo, in the official formats pgeval reads.

Five tasks, one module each (vqav2, docvqa, coco_captions, chartqa, refcoco): a generator
`generate_<task>(n, seed)` (in-memory examples; nothing is drawn until an example's `image()` is
called) and a writer `write_<task>(data_dir, n, seed)` that puts the official annotation files
and the images under `data_dir/<task>/` where the task spec looks, registered with their training
stream and corpus text as one `DemoTask` each in `DEMO` (`registry`). `common` holds what the
tasks share, `training` the training pictures and the tokenizer's corpus.

`n` counts scored examples as pgeval's readers count them: questions (vqav2, docvqa), queries
across both chartqa files, images (coco_captions), referring expressions (refcoco, one sentence
per ref unless asked otherwise). Example k depends only on (task, seed, k), so a smaller `n` gives a
prefix of a larger one. `training_picture` draws from a separate stream of the same generators:
training and evaluation data never share a scene by construction, whatever the seeds.

Files are byte-identical for the same (n, seed) and the same Pillow release (its bundled FreeType,
libjpeg and zlib); pixels are identical for the same FreeType and libjpeg.
"""

from pgeval.demo.datasets.chartqa import (
    CHART_LABELS,
    CHART_TITLES,
    ChartQuestion,
    generate_chartqa,
    write_chartqa,
)
from pgeval.demo.datasets.coco_captions import (
    NUMBER_WORDS,
    CaptionImage,
    captions_for,
    generate_coco_captions,
    write_coco_captions,
)
from pgeval.demo.datasets.common import GENERATOR_VERSION, JPEG_QUALITY, MARKER, DemoTask, jpeg_roundtrip
from pgeval.demo.datasets.docvqa import DOC_FIELDS, DOC_TITLES, DocQuestion, generate_docvqa, write_docvqa
from pgeval.demo.datasets.refcoco import (
    CATEGORIES,
    REF_SIZE,
    RefExample,
    generate_refcoco,
    loc_tokens,
    referring_expressions,
    write_refcoco,
)
from pgeval.demo.datasets.registry import DEMO, DEMO_TASKS, generate, write_demo_data, write_task
from pgeval.demo.datasets.training import (
    TrainingPicture,
    demo_corpus,
    training_pairs,
    training_picture,
    vocabulary,
)
from pgeval.demo.datasets.vqav2 import VqaQuestion, generate_vqav2, write_vqav2

__all__ = [
    "CATEGORIES", "CHART_LABELS", "CHART_TITLES", "DEMO", "DEMO_TASKS", "DOC_FIELDS", "DOC_TITLES",
    "GENERATOR_VERSION", "JPEG_QUALITY", "MARKER", "NUMBER_WORDS", "REF_SIZE", "CaptionImage",
    "ChartQuestion", "DemoTask", "DocQuestion", "RefExample", "TrainingPicture", "VqaQuestion",
    "captions_for", "demo_corpus", "generate", "generate_chartqa", "generate_coco_captions",
    "generate_docvqa", "generate_refcoco", "generate_vqav2", "jpeg_roundtrip", "loc_tokens",
    "referring_expressions", "training_pairs", "training_picture", "vocabulary", "write_chartqa",
    "write_coco_captions", "write_demo_data", "write_docvqa", "write_refcoco", "write_task", "write_vqav2",
]
