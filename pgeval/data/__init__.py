"""Data sources: readers of the official annotation formats, registered by name."""

from pgeval.data import (  # noqa: F401  (imported to register the built-ins)
    caption_formats,
    doc_formats,
    docci_format,
    fairface_format,
    grandstaff_format,
    jsonl_format,
    molscribe_format,
    pair_formats,
    refer_format,
    spotting_formats,
    table_formats,
    tabnet_formats,
    tfds_refcoco,
    tfds_source,
    video_formats,
    vqa_formats,
    yesno_count_formats,
)
from pgeval.data.base import SOURCES, DataSource, Example, SubmissionFormat

__all__ = ["SOURCES", "DataSource", "Example", "SubmissionFormat"]
