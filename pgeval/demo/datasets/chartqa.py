"""The ChartQA demo: 448 x 448 PNG bar charts of 3-5 bars with values 0..100 printed above them;
two queries per chart (a bar's value; the highest or lowest bar); even charts are the `human`
subset, odd ones `augmented`, in the official test_human.json / test_augmented.json layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pgeval.demo.datasets.common import (
    DemoTask,
    drawn,
    dump_json,
    first_per_image,
    flat,
    question_fields,
    save_image,
    stream_rng,
    take,
)
from pgeval.demo.scenes import CHART_COLORS, BarChart, draw_chart

CHART_LABELS = ("USA", "China", "India", "Japan", "Brazil", "France", "Italy", "Spain", "Canada",
                "Mexico", "Egypt", "Chile")
CHART_TITLES = ("Survey results", "Sales by country", "Share of votes", "Market share",
                "Approval rating")


@dataclass(frozen=True)
class ChartQuestion:
    subset: str  # "human" or "augmented"
    imgname: str
    query: str
    label: str
    chart: BarChart

    def image(self) -> Image.Image:
        return draw_chart(self.chart)


def _chart(stream: str, seed: int, index: int, every_bar: bool = False) -> list[ChartQuestion]:
    rng = stream_rng("chartqa", stream, seed, index)
    bars = rng.randint(3, 5)
    chart = BarChart(title=rng.choice(CHART_TITLES), labels=tuple(rng.sample(CHART_LABELS, bars)),
                     values=tuple(rng.sample(range(5, 101), bars)), color=rng.choice(list(CHART_COLORS)),
                     bar_fraction=rng.randint(45, 70) / 100)
    by_value = dict(zip(chart.values, chart.labels, strict=True))
    highest = ("Which bar is the highest?", by_value[max(chart.values)])
    lowest = ("Which bar is the lowest?", by_value[min(chart.values)])
    values = [(f"What is the value of {lab}?", str(v)) for lab, v in zip(chart.labels, chart.values,
                                                                          strict=True)]
    if every_bar:
        queries = [*values, highest, lowest]
    else:
        queries = [rng.choice(values), highest if rng.random() < 0.6 else lowest]
    subset = "human" if index % 2 == 0 else "augmented"
    imgname = f"demo_{index + 1:05d}.png"
    return [ChartQuestion(subset, imgname, q, a, chart) for q, a in queries]


def generate_chartqa(n: int, seed: int) -> list[ChartQuestion]:
    """n queries, two per chart, in chart order (human and augmented charts alternate)."""
    return take(flat(_chart, "eval", seed), n)


def write_chartqa(data_dir: Path, n: int, seed: int) -> Path:
    root = Path(data_dir) / "chartqa"
    questions = generate_chartqa(n, seed)
    for subset in ("human", "augmented"):
        dump_json(root / "test" / f"test_{subset}.json",
              [{"imgname": q.imgname, "query": q.query, "label": q.label}
               for q in questions if q.subset == subset])
    for q in first_per_image(questions, key=lambda q: q.imgname):
        save_image(q.image(), root / "test" / "png" / q.imgname)
    return root


TASK = DemoTask("chartqa", generate_chartqa, write_chartqa,
                lambda seed, i: _chart("train", seed, i, every_bar=True), drawn,
                lambda c: (question_fields(c.query), c.label),
                lambda c: ([question_fields(c.query)], [c.label]))
