"""Segmentation metrics on masks and boxes worked out by hand."""

import numpy as np
import pytest

from pgeval.metrics import box_iou, mask_iou, segmentation_scores


def square(y1, x1, y2, x2, shape=(10, 10)):
    m = np.zeros(shape, bool)
    m[y1:y2, x1:x2] = True
    return m


def test_mask_iou():
    a, b = square(0, 0, 4, 4), square(2, 2, 6, 6)  # 16 and 16 pixels, 4 shared
    assert mask_iou(a, b) == pytest.approx(4 / 28)
    assert mask_iou(a, a) == 1.0
    assert mask_iou(None, a) == 0.0
    assert mask_iou(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0
    with pytest.raises(ValueError):
        mask_iou(np.zeros((2, 2)), np.zeros((3, 3)))


def test_box_iou():
    assert box_iou((0, 0, 4, 4), (2, 2, 6, 6)) == pytest.approx(4 / 28)
    assert box_iou((0, 0, 2, 2), (2, 2, 4, 4)) == 0.0
    assert box_iou(None, (0, 0, 1, 1)) == 0.0


def test_corpus_scores():
    targets = [square(0, 0, 4, 4), square(0, 0, 2, 2), square(5, 5, 10, 10)]
    preds = [square(0, 0, 4, 2), square(0, 0, 2, 2), None]
    s = segmentation_scores(preds, targets, [(0, 0, 4, 2), (0, 0, 2, 2), None],
                            [(0, 0, 4, 4), (0, 0, 2, 2), (5, 5, 10, 10)])
    assert s.ious == [0.5, 1.0, 0.0]
    assert s.miou == pytest.approx(0.5)
    assert s.ciou == pytest.approx((8 + 4 + 0) / (16 + 4 + 25))
    assert s.box_accuracy == pytest.approx(2 / 3)  # IoU 0.5 counts
    assert s.invalid_share == pytest.approx(1 / 3)
