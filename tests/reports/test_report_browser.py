"""The demo's report in a real headless Chromium (Debian's `chromium`, driven by Playwright's
Python package through `executable_path`; no browser is downloaded): opened from disk, its rows,
images, sorting, filters and the 224-vs-448 diff of DocVQA."""

from pathlib import Path

import pytest
from PIL import Image

from pgeval.runs import load_run
from tests.helpers import needs_extra
from tests.reports.conftest import DEMO_RUNS

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

sync_api = needs_extra("test", "playwright.sync_api")
if not CHROMIUM.is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=FLAGS, viewport={"width": 1300, "height": 900})
        yield context
        context.close()


@pytest.fixture
def page(browser, demo_report):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith("file:") else errors.append(f"fetched: {r.url}"))
    page.goto((demo_report[0] / "index.html").as_uri())
    yield page
    page.close()
    assert errors == []


def scores(task, run):
    return {s.id: s for s in load_run(DEMO_RUNS[run]).example_scores(task)}


def open_task(page, task, title):
    page.click(f'table.card a[href="#task-{task}"]')  # the table's cell links to the task
    assert page.locator(f"#task-{task}").get_attribute("open") is not None
    page.wait_for_selector(f"#task-{task} tbody tr")
    assert title in page.locator(f"#task-{task} summary").inner_text()
    return page.locator(f"#task-{task}")


def row_ids(section):
    return section.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")


def test_rows_and_images_of_the_demo_report(page):
    assert page.locator("table.card a").all_inner_texts() == ["VQAv2", "DocVQA"]
    section = open_task(page, "docvqa", "DocVQA")
    assert section.locator(".count").inner_text() == "1–50 of 100 examples"
    assert section.locator("tbody tr").count() == 50
    first = section.locator("tbody tr").first
    assert first.locator("td.prompt").inner_text() == "What is the postal code?"
    assert [t.strip() for t in first.locator("td.pred .text").all_inner_texts()] == ["883", "931"]
    assert first.locator("td.refs").inner_text() == "931"
    images = section.locator("tbody tr img")
    images.first.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.first.element_handle())
    assert images.first.evaluate("img => img.naturalWidth") == 160
    assert images.first.locator("xpath=ancestor::a").get_attribute("href").startswith("file:///")
    section.locator("button.next").click()
    assert section.locator(".count").inner_text() == "51–100 of 100 examples"


def test_the_224_vs_448_diff_lists_the_docvqa_examples_that_changed(page):
    before, after = scores("docvqa", 0), scores("docvqa", 1)
    changed = sorted((i for i in before if before[i].score != after[i].score),
                     key=lambda i: (-(after[i].score - before[i].score), list(before).index(i)))
    section = open_task(page, "docvqa", f"{len(changed)} changed")
    section.locator("input.changed").check()
    listed = []
    while True:
        listed += row_ids(section)
        if section.locator("button.next").is_disabled():
            break
        section.locator("button.next").click()
    assert listed == changed
    change = section.locator("td.change").last.inner_text()  # the last page: the smallest change
    assert change == f"+{after[changed[-1]].score - before[changed[-1]].score:.2f}"


def test_sorting_and_filtering(page):
    section = open_task(page, "vqav2", "VQAv2")
    at448 = scores("vqav2", 1)
    section.locator("select.run").select_option(label="demo_448")
    section.locator("select.sort").select_option("asc")
    lowest = [float(t) for t in section.locator('td.pred[data-run="1"] .score').all_inner_texts()]
    assert lowest == sorted(s.score for s in at448.values())[:50]
    section.locator("select.sort").select_option("desc")
    assert float(section.locator('td.pred[data-run="1"] .score').first.inner_text()) == 100.0
    section.locator("select.slice").select_option("yes/no")
    n = sum(s.slice == "yes/no" for s in at448.values())
    assert section.locator(".count").inner_text() == f"1–{min(n, 50)} of {n} examples (150 in all)"
    assert set(section.locator("td.id .slice").all_inner_texts()) == {"yes/no"}
    section.locator("select.slice").select_option("")
    section.locator("input.text").fill("WHAT SHAPE")
    shape = section.locator("td.prompt").all_inner_texts()
    assert shape and all("what shape" in t.lower() for t in shape)
    docvqa = open_task(page, "docvqa", "DocVQA")
    docvqa.locator("input.text").fill("postal")
    prompts = docvqa.locator("td.prompt").all_inner_texts()
    assert prompts and set(prompts) == {"What is the postal code?"}


def test_screenshot(page, tmp_path):
    open_task(page, "docvqa", "DocVQA")
    page.locator("#task-docvqa").scroll_into_view_if_needed()
    path = tmp_path / "report.png"
    page.screenshot(path=str(path))
    with Image.open(path) as shot:
        assert shot.size == (1300, 900)
        assert len(shot.getcolors(1 << 20) or ()) > 50  # a page drawn, not a blank one


def test_location_tokens_of_a_prediction_are_drawn_over_the_image(browser, demo_data, tmp_path):
    from pgeval.reports.html import write_report
    from pgeval.run.review import RunInputs
    from pgeval.tasks import TaskCatalog
    from tests.reports.hand_runs import hand_run

    run = hand_run(tmp_path / "run", "docvqa", [("10", "<loc0256><loc0512><loc0768><loc1000> 931", 0.0)],
                   name="demo_448", res=448, demo=True)
    write_report([run], tmp_path / "report", specs=TaskCatalog.load().specs, inputs=RunInputs())
    page = browser.new_page()
    page.goto((tmp_path / "report" / "index.html").as_uri() + "#task-docvqa")
    page.wait_for_selector("#task-docvqa tbody tr")
    box = page.locator("#task-docvqa .thumb .box")
    assert box.count() == 1
    style = box.get_attribute("style")  # y1, x1, y2, x2 of 1024
    assert "top: 25%" in style and "left: 50%" in style and "height: 50%" in style
    assert "width: 47.6562%" in style
    page.close()
