"""How the engine orders requests into batches, and how many image rows a batch encodes.

Requests showing the same image files with the same resize form a group (an array or a video clip
is never shared: each such request is a group of its own). Groups run in order of image count,
then of the padded length of their longest prefix, then of their first request, and the flattened
order is cut into batches of one image count each. Same-image requests thus share batches, and
each batch's SigLIP pass covers its distinct images only; its prefill stays per question.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

MIN_BUCKET = 16
# SigLIP rows a batch may use, as fractions of the batch size: few shapes, so few compilations.
IMAGE_ROW_DIVISORS = (8, 4, 2, 1)


def bucket(length: int) -> int:
    """The padded prefix length: the next power of two, at least MIN_BUCKET."""
    size = MIN_BUCKET
    while size < length:
        size *= 2
    return size


def _groups(keys: Sequence[Hashable | None]) -> list[list[int]]:
    """Request indices grouped by image key in first-seen order; a None key is a group alone."""
    groups: list[list[int]] = []
    shared: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        if key is None:
            groups.append([i])
        elif key in shared:
            shared[key].append(i)
        else:
            shared[key] = [i]
            groups.append(shared[key])
    return groups


def plan_batches(keys: Sequence[Hashable | None], counts: Sequence[int], lengths: Sequence[int],
                 batch_size: int) -> list[list[int]]:
    """Request indices in run order, cut into batches of at most `batch_size` of one image count.

    `keys`: each request's image key (None: never shared); `counts`: its images per example;
    `lengths`: its prefix length in tokens.
    """
    groups = sorted(_groups(keys), key=lambda g: (counts[g[0]], bucket(max(lengths[i] for i in g)),
                                                  g[0]))
    batches: list[list[int]] = []
    for i in (i for group in groups for i in group):
        if not batches or len(batches[-1]) == batch_size or counts[batches[-1][0]] != counts[i]:
            batches.append([])
        batches[-1].append(i)
    return batches


def image_rows(distinct: int, batch_size: int, data: int) -> int:
    """SigLIP rows for a batch showing `distinct` images: the smallest of B/8, B/4, B/2 and B
    that holds them, among those that are whole multiples of the mesh's `data` axis (B always
    is); the rows past `distinct` are padding."""
    sizes = [batch_size // d for d in IMAGE_ROW_DIVISORS
             if batch_size % d == 0 and (batch_size // d) % data == 0]
    return min(s for s in sizes if s >= distinct)
