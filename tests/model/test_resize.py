"""The resizes of big_vision's eval pipelines, on pixels worked out by hand."""

import numpy as np
from PIL import Image

from pgeval.model.images import bilinear_resize, preprocess
from pgeval.tasks import get_task


def gray(values):
    return Image.fromarray(np.repeat(np.array(values, np.uint8)[..., None], 3, axis=2))


def test_upscaling_2_to_4_clamps_at_the_edges():
    # output i samples at (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25: the first and last
    # clamp to the edge pixels, the middle two are 3/4 + 1/4 and 1/4 + 3/4 of the neighbours
    row = bilinear_resize(np.array([[[0.0], [100.0]]]), 4)[0, :, 0]
    np.testing.assert_allclose(row, [0.0, 25.0, 75.0, 100.0])


def test_downscaling_3_to_2_weighs_the_two_nearest_pixels_only():
    # samples at (i + 0.5) * 1.5 - 0.5 = 0.25 and 1.75: 0.75*10 + 0.25*20 and 0.25*20 + 0.75*90
    row = bilinear_resize(np.array([[[10.0], [20.0], [90.0]]]), 2)[0, :, 0]
    np.testing.assert_allclose(row, [12.5, 72.5])


def test_downscaling_4_to_2_averages_each_2x2_block():
    pixels = np.array([[0, 10, 100, 101], [20, 30, 103, 102], [7, 7, 0, 0], [7, 8, 0, 255]],
                      np.float64)[..., None]
    out = bilinear_resize(pixels, 2)[..., 0]
    np.testing.assert_allclose(out, [[15.0, 101.5], [7.25, 63.75]])


def test_bilinear_truncates_to_integers_and_bilinear_float_does_not():
    image = gray([[10, 20, 90]] * 3)
    # 3 -> 2 gives 12.5 and 72.5 per row (rows are equal): big_vision's resize op truncates them
    # to the uint8 values 12 and 72; the video tasks' float resize keeps the halves
    truncated = preprocess(image, 2, "bilinear")[0, :, 0]
    kept = preprocess(image, 2, "bilinear_float")[0, :, 0]
    np.testing.assert_allclose(truncated, np.array([12, 72]) / 127.5 - 1, rtol=1e-6)
    np.testing.assert_allclose(kept, np.array([12.5, 72.5]) / 127.5 - 1, rtol=1e-6)


def test_antialiasing_reaches_pixels_the_plain_resize_skips():
    # a 1-pixel bright line at x = 0 of 8 columns, down to 2: plain bilinear samples x = 1.5 and
    # 5.5 and never sees it; the antialiased filter spreads it into the first output column
    values = [[255, 0, 0, 0, 0, 0, 0, 0]] * 8
    plain = preprocess(gray(values), 2, "bilinear")
    smooth = preprocess(gray(values), 2, "antialias")
    assert plain[0, 0, 0] == -1.0
    assert smooth[0, 0, 0] > -0.9


def test_specs_follow_big_vision_eval_resizes():
    assert get_task("vqav2").resize == "antialias"  # resize(R, antialias=True)
    assert get_task("coco_captions").resize == "bilinear"  # resize(R)
    assert get_task("pope").resize == "bilinear"
    assert get_task("msrvtt_cap").resize == "bilinear_float"  # video_decode(R)


def test_plain_bilinear_agrees_with_jax_image_resize_without_antialiasing():
    import jax

    rng = np.random.default_rng(0)
    for h, w, res in ((37, 53, 14), (10, 7, 28), (300, 225, 224)):
        pixels = rng.uniform(0, 255, (h, w, 3)).astype(np.float32)
        reference = jax.image.resize(pixels, (res, res, 3), "bilinear", antialias=False)
        np.testing.assert_allclose(bilinear_resize(pixels, res), reference, atol=0.01)
