"""Pictures of the demo data sets: shape scenes, ledger forms and bar charts.

Everything here is deterministic: drawing uses PIL primitives and the font bundled with Pillow
(`ImageFont.load_default(size=N)`, Aileron Regular laid out with FreeType's basic engine), never a
system font; every random choice comes from a `random.Random` the caller seeds. The same Pillow
release therefore draws the same pixels on any machine.

Layout is decided before drawing (`random_scene`, `random_form`, `BarChart`) and kept in plain
dataclasses, so the ground truth (masks, figure cells, bar boxes) is known without looking at
pixels.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1 / y1 exclusive
RGB = tuple[int, int, int]

COLORS: dict[str, RGB] = {
    "red": (220, 40, 40),
    "blue": (40, 90, 220),
    "green": (30, 160, 60),
    "yellow": (240, 200, 30),
}
KINDS = ("circle", "square", "triangle")
BACKGROUNDS: dict[str, RGB] = {"white": (255, 255, 255), "gray": (150, 150, 150), "black": (20, 20, 20)}

# Charts: 448 x 448, values 0..100 drawn as bar heights with the value printed above each bar.
CHART_SIZE = 448
CHART_VALUE_SIZE = 15
CHART_LABEL_SIZE = 14
CHART_TITLE_SIZE = 17
CHART_TICK_SIZE = 12
CHART_COLORS: dict[str, RGB] = {
    "steelblue": (70, 130, 180),
    "orange": (230, 140, 40),
    "teal": (30, 140, 140),
    "purple": (130, 80, 170),
}
INK: RGB = (0, 0, 0)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled FreeType font at `size` px (never a system font)."""
    f = ImageFont.load_default(size=size)
    if not isinstance(f, ImageFont.FreeTypeFont):
        raise RuntimeError("the demo data needs Pillow >= 10.1 built with FreeType")
    return f


# --- shape scenes -------------------------------------------------------------------------------

CIRCLE_VERTICES = 64


@dataclass(frozen=True)
class Shape:
    """A filled circle, square or upward triangle inside the box (cx +- r, cy +- r)."""

    kind: str
    color: str
    cx: int
    cy: int
    r: int

    def polygon(self) -> list[tuple[float, float]]:
        """The outline drawn and annotated (a circle is a 64-gon), in pixel coordinates."""
        cx, cy, r = self.cx, self.cy, self.r
        if self.kind == "circle":
            return [(round(cx + r * math.cos(2 * math.pi * k / CIRCLE_VERTICES), 2),
                     round(cy + r * math.sin(2 * math.pi * k / CIRCLE_VERTICES), 2))
                    for k in range(CIRCLE_VERTICES)]
        if self.kind == "square":
            return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
        if self.kind == "triangle":
            return [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
        raise ValueError(f"unknown shape kind {self.kind!r}")

    @property
    def box(self) -> Box:
        return (self.cx - self.r, self.cy - self.r, self.cx + self.r + 1, self.cy + self.r + 1)

    @property
    def rgb(self) -> RGB:
        return COLORS[self.color]


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    background: str
    shapes: tuple[Shape, ...]


def random_scene(
    rng: random.Random,
    n_shapes: int,
    *,
    width: int = 224,
    height: int = 224,
    radius: tuple[int, int] = (14, 34),
    gap: int = 6,
    separate_x: bool = False,
    backgrounds: Sequence[str] = tuple(BACKGROUNDS),
) -> Scene:
    """n_shapes shapes of random kind, colour, size and place, their boxes `gap` px apart.

    With `separate_x`, the shapes' horizontal extents do not overlap either, so "on the left" and
    "on the right" are never ambiguous.
    """
    background = rng.choice(list(backgrounds))
    for _ in range(1000):
        shapes: list[Shape] = []
        for _ in range(n_shapes):
            for _ in range(100):
                r = rng.randint(*radius)
                s = Shape(rng.choice(KINDS), rng.choice(list(COLORS)),
                          rng.randint(r + 4, width - r - 5), rng.randint(r + 4, height - r - 5), r)
                if all(_apart(s, t, gap, separate_x) for t in shapes):
                    shapes.append(s)
                    break
            else:
                break
        if len(shapes) == n_shapes:
            return Scene(width, height, background, tuple(shapes))
    raise ValueError(f"cannot place {n_shapes} shapes in {width}x{height}")


def _apart(a: Shape, b: Shape, gap: int, separate_x: bool) -> bool:
    dx = abs(a.cx - b.cx) - a.r - b.r
    dy = abs(a.cy - b.cy) - a.r - b.r
    return dx >= gap if separate_x else max(dx, dy) >= gap


def draw_scene(scene: Scene) -> Image.Image:
    image = Image.new("RGB", (scene.width, scene.height), BACKGROUNDS[scene.background])
    draw = ImageDraw.Draw(image)
    for s in scene.shapes:
        draw.polygon(s.polygon(), fill=s.rgb)
    return image


def shape_mask(shape: Shape, width: int, height: int) -> np.ndarray:
    """The pixels `draw_scene` paints for this shape, as a (height, width) bool array."""
    image = Image.new("L", (width, height), 0)
    ImageDraw.Draw(image).polygon(shape.polygon(), fill=255)
    return np.asarray(image) > 0


def pixel_outline(mask: np.ndarray) -> list[tuple[int, int]]:
    """The outline, along pixel edges, of a mask whose rows each hold one run of pixels, the
    runs of neighbouring rows overlapping (a filled convex shape): a COCO polygon that
    pycocotools decodes back to exactly these pixels. Pixel (x, y) spans [x, x+1) x [y, y+1)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        raise ValueError("empty mask")
    runs = []
    for y in rows:
        xs = np.flatnonzero(mask[y])
        if xs[-1] - xs[0] + 1 != len(xs):
            raise ValueError(f"row {y} of the mask is not one run of pixels")
        runs.append((int(y), int(xs[0]), int(xs[-1]) + 1))
    right = [p for y, _, x1 in runs for p in ((x1, y), (x1, y + 1))]
    left = [p for y, x0, _ in reversed(runs) for p in ((x0, y + 1), (x0, y))]
    points: list[tuple[int, int]] = []
    for p in right + left:
        if points and points[-1] == p:
            continue
        if len(points) >= 2 and _collinear(points[-2], points[-1], p):
            points[-1] = p
        else:
            points.append(p)
    while len(points) > 3 and _collinear(points[-2], points[-1], points[0]):
        points.pop()
    while len(points) > 3 and _collinear(points[-1], points[0], points[1]):
        points.pop(0)
    return points


def _collinear(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> bool:
    return (b[0] - a[0]) * (c[1] - a[1]) == (b[1] - a[1]) * (c[0] - a[0])


# --- forms --------------------------------------------------------------------------------------

# Forms: a 448 x 448 ledger page on a grid of 28 x 28 px cells (one cell per patch of a 28 px
# patch encoder at 448 px; four cells per patch at 224), with numbers in comb fields, one figure
# per cell, printed in the 3 x 5 px figures below: resized to 224 px their strokes are half a
# pixel wide. Fields sit at fixed cells, their keys in 11 px Aileron.
FORM_SIZE = 448
CELL = 28
FORM_GRID = FORM_SIZE // CELL
FORM_KEY_SIZE = 11
FORM_TITLE_SIZE = 18
FIGURE_ROWS = {
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
}
FIGURE_OFFSET = (12, 11)  # where a figure's top-left pixel sits inside its cell, (x, y)
NUMBER_CELLS = 5  # a number takes up to 4 cells, then at least one stays empty
FILLER_COLUMNS = (0, 5, 10)  # where numbers start on rows without a field


@cache
def _figure(digit: str) -> np.ndarray:
    return np.array([[c == "1" for c in row] for row in FIGURE_ROWS[digit]])


Cell = tuple[int, int]  # (row, column) on the form's grid


def field_cell(index: int) -> Cell:
    """The first cell of the index-th field's value: every other row from row 2, column 4 (its
    key is over columns 1-3 of the same row; another number may start at column 9)."""
    return (2 + 2 * index, 4)


def key_cells(count: int) -> set[Cell]:
    """The cells the keys of `count` fields are written over."""
    return {(field_cell(i)[0], c) for i in range(count) for c in range(4)}


@dataclass(frozen=True)
class Form:
    """A ledger page: a title on row 0, fields (key, value) from `field_cell(i)` on, and other
    numbers from the `filler` cells on, each number one figure per cell to the right."""

    title: str
    fields: tuple[tuple[str, str], ...]
    filler: tuple[tuple[Cell, str], ...]

    @property
    def numbers(self) -> dict[Cell, str]:
        """Every number, by its first cell."""
        return {**dict(self.filler), **{field_cell(i): v for i, (_, v) in enumerate(self.fields)}}

    @property
    def figures(self) -> dict[Cell, str]:
        """The figure printed in each cell that holds one (the ground truth)."""
        return {(row, col + j): figure for (row, col), number in self.numbers.items()
                for j, figure in enumerate(number)}


def random_form(rng: random.Random, title: str, fields: Sequence[tuple[str, str]],
                number: Callable[[random.Random], str], fill: float = 0.7) -> Form:
    """The fields at their fixed cells, and with probability `fill` a number from `number` at
    column 9 of each field's row and at each of FILLER_COLUMNS of rows 1-15 without a field."""
    field_rows = {field_cell(i)[0] for i in range(len(fields))}
    starts = [(r, 9) for r in sorted(field_rows)]
    starts += [(r, c) for r in range(1, FORM_GRID) if r not in field_rows for c in FILLER_COLUMNS]
    filler = tuple((cell, number(rng)) for cell in starts if rng.random() < fill)
    return Form(title, tuple(fields), filler)


def draw_form(form: Form) -> Image.Image:
    image = Image.new("L", (FORM_SIZE, FORM_SIZE), 255)
    draw = ImageDraw.Draw(image)
    draw.text((CELL, 6), form.title, font=font(FORM_TITLE_SIZE), fill=0)
    for i, (key, _) in enumerate(form.fields):
        draw.text((CELL + 2, field_cell(i)[0] * CELL + 8), key + ":", font=font(FORM_KEY_SIZE), fill=0)
    pixels = np.array(image)
    for (row, col), figure in form.figures.items():
        x, y = col * CELL + FIGURE_OFFSET[0], row * CELL + FIGURE_OFFSET[1]
        pixels[y:y + 5, x:x + 3][_figure(figure)] = 0
    return Image.fromarray(pixels).convert("RGB")


# --- bar charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarChart:
    """Vertical bars for values 0..100; a bar's height is value / 100 of the plot's height."""

    title: str
    labels: tuple[str, ...]
    values: tuple[int, ...]
    color: str
    bar_fraction: float = 0.6
    size: int = CHART_SIZE

    # The plot area (the 0..100 axis range), in pixels.
    @property
    def plot(self) -> Box:
        return (60, 80, self.size - 24, self.size - 56)

    def bar_boxes(self) -> list[Box]:
        x0, top, x1, bottom = self.plot
        slot = (x1 - x0) / len(self.values)
        width = round(slot * self.bar_fraction)
        boxes = []
        for i, v in enumerate(self.values):
            left = round(x0 + slot * (i + 0.5) - width / 2)
            boxes.append((left, bottom - round(v * (bottom - top) / 100), left + width, bottom))
        return boxes


def draw_chart(chart: BarChart) -> Image.Image:
    image = Image.new("RGB", (chart.size, chart.size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    x0, top, x1, bottom = chart.plot
    draw.text((chart.size // 2, 24), chart.title, font=font(CHART_TITLE_SIZE), fill=INK, anchor="mt")
    for tick in range(0, 101, 25):
        y = bottom - round(tick * (bottom - top) / 100)
        if tick:
            draw.line((x0, y, x1, y), fill=(220, 220, 220))
        draw.text((x0 - 8, y), str(tick), font=font(CHART_TICK_SIZE), fill=(90, 90, 90), anchor="rm")
    for (bx0, by0, bx1, by1), label, value in zip(chart.bar_boxes(), chart.labels, chart.values,
                                                  strict=True):
        if by1 > by0:
            draw.rectangle((bx0, by0, bx1 - 1, by1 - 1), fill=CHART_COLORS[chart.color])
        cx = (bx0 + bx1) // 2
        draw.text((cx, by0 - 4), str(value), font=font(CHART_VALUE_SIZE), fill=INK, anchor="mb")
        draw.text((cx, bottom + 8), label, font=font(CHART_LABEL_SIZE), fill=INK, anchor="mt")
    draw.line((x0, bottom, x1, bottom), fill=INK)
    draw.line((x0, top, x0, bottom), fill=INK)
    return image
