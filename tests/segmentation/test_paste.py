"""Pasting a 64x64 map into its box on the ground-truth image, with IoUs worked out by hand."""

import numpy as np
import pytest

from pgeval.metrics.masks import mask_iou
from pgeval.segmentation import paste_mask, pixel_box
from pgeval.segmentation.paste import resize_map

POSITIVE = np.full((64, 64), 0.5, np.float32)


def rect(height, width, y1, x1, y2, x2):
    m = np.zeros((height, width), bool)
    m[y1:y2, x1:x2] = True
    return m


def test_pixel_box_divides_by_1023_then_scales_and_truncates():
    # 205/1023*100 = 20.04 -> 20; 614/1023*100 = 60.02 -> 60; 256/1023*200 = 50.05 -> 50;
    # 768/1023*200 = 150.15 -> 150.
    assert pixel_box((205, 256, 614, 768), 100, 200) == (20, 50, 60, 150)
    assert pixel_box((0, 0, 1023, 1023), 480, 640) == (0, 0, 480, 640)
    # The order of operations is big_vision's: 279 / 1023 * 55 = 14.999999999999998 -> 14,
    # where 279 * 55 / 1023 would be exactly 15.
    assert pixel_box((279, 0, 1023, 1023), 55, 55)[0] == 14


def test_all_positive_map_fills_exactly_the_truncated_box():
    mask = paste_mask(POSITIVE, (205, 256, 614, 768), 100, 200)
    assert mask.shape == (100, 200) and mask.dtype == bool
    np.testing.assert_array_equal(mask, rect(100, 200, 20, 50, 60, 150))
    assert mask.sum() == 40 * 100


def test_ious_of_pasted_boxes_by_hand():
    target = rect(100, 200, 20, 50, 60, 150)  # 4000 pixels
    same = paste_mask(POSITIVE, (205, 256, 614, 768), 100, 200)
    assert mask_iou(same, target) == 1.0
    # rows 40..79: 2000 pixels shared, union 4000 + 4000 - 2000 = 6000.
    shifted = paste_mask(POSITIVE, (410, 256, 819, 768), 100, 200)
    assert pixel_box((410, 256, 819, 768), 100, 200) == (40, 50, 80, 150)
    assert mask_iou(shifted, target) == pytest.approx(1 / 3)
    # an all-negative map inside the right box: an empty mask, IoU 0.
    empty = paste_mask(-POSITIVE, (205, 256, 614, 768), 100, 200)
    assert not empty.any() and mask_iou(empty, target) == 0.0


def test_box_empty_after_truncation_is_invalid():
    # 5/1023*100 = 0.49 and 6/1023*100 = 0.59: both truncate to row 0.
    assert paste_mask(POSITIVE, (5, 0, 6, 1023), 100, 200) is None
    assert paste_mask(POSITIVE, (0, 5, 1023, 6), 100, 100) is None
    assert paste_mask(POSITIVE, (0, 5, 1023, 6), 100, 200) is not None  # 0.98 -> 0, 1.17 -> 1


def test_bilinear_upscale_by_hand():
    """Left 32 columns +1, right 32 columns -1, stretched to 128 columns: output column x samples
    input column (x + 0.5) / 2 - 0.5, so column 63 reads 31.25 (0.75*1 + 0.25*-1 = 0.5 > 0) and
    column 64 reads 31.75 (-0.5): exactly the left 64 columns are in the mask."""
    half = np.where(np.arange(64) < 32, 1.0, -1.0).astype(np.float32)[None].repeat(64, 0)
    mask = paste_mask(half, (0, 0, 1023, 1023), 64, 128)
    np.testing.assert_array_equal(mask, rect(64, 128, 0, 0, 64, 64))
    resized = resize_map(half, 64, 128)
    assert resized[0, 63] == pytest.approx(0.5) and resized[0, 64] == pytest.approx(-0.5)


def test_bilinear_downscale_averages_by_hand():
    """Columns 0..15 +1, the rest -1, shrunk to 32 columns: PIL's bilinear filter widens to a
    triangle of radius 2 input pixels around the output pixel's centre (x + 0.5) * 2. Column 7
    (centre 15) weighs input columns 13..16 by 1:3:3:1 -> (1 + 3 + 3 - 1) / 8 = 0.75; column 8
    (centre 17) weighs 15..18 -> (1 - 3 - 3 - 1) / 8 = -0.75. So 8 columns are in the mask."""
    left = np.where(np.arange(64) <= 15, 1.0, -1.0).astype(np.float32)[None].repeat(64, 0)
    resized = resize_map(left, 64, 32)
    assert resized[0, 7] == pytest.approx(0.75) and resized[0, 8] == pytest.approx(-0.75)
    mask = paste_mask(left, (0, 0, 1023, 1023), 64, 32)
    np.testing.assert_array_equal(mask, rect(64, 32, 0, 0, 64, 8))
