"""The annotation page in a real headless browser (Debian's Chromium driven by Playwright): an annotator
votes by mouse and keyboard, reloads, continues; a second one joins by name; the study's results are
what was clicked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from selfrat_eval.benchmarks.rationale_pairs import RationalePair, read_pairs
from selfrat_eval.rationales import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Study,
    make_server,
    pair_runs,
    study_results,
    write_pairs,
)
from tests.rationales.scripted import right_judge, sloppy_judge, toy_data, toy_run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (scripts/setup.sh installs it)"),
]


@pytest.fixture
def study(tmp_path: Path) -> Iterator[tuple[str, Study, list[RationalePair]]]:
    data = toy_data(tmp_path / "toy")
    good = toy_run(tmp_path / "good", data, right_judge)
    sloppy = toy_run(tmp_path / "sloppy", data, sloppy_judge)
    write_pairs(pair_runs([good, sloppy]), tmp_path / "pairs", {})
    pairs = read_pairs(tmp_path / "pairs")
    created = Study.create(tmp_path / "study", pairs, ["ann"], seed=0, open_=True)
    server = make_server(created, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", created, pairs
    server.shutdown()
    server.server_close()


def test_annotators_vote_reload_and_the_results_match_the_clicks(
    study: tuple[str, Study, list[RationalePair]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, created, pairs = study
    good_texts = {pair.rationale_a for pair in pairs}  # run a is the right judge
    n = len(pairs)

    def good_side(page: object) -> str:
        left = page.locator("#left").text_content()  # type: ignore[attr-defined]
        return "left" if left in good_texts else "right"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{url}/?token={created.annotators()['ann']}")
        expect(page.locator("#progress-text")).to_have_text(f"0 of {n} pairs done")
        expect(page.locator("#who")).to_have_text("annotator: ann")
        page.screenshot(path=str(tmp_path / "page.png"))
        # 1: the mouse, on the good side
        page.click("#vote-left" if good_side(page) == "left" else "#vote-right")
        expect(page.locator("#progress-text")).to_have_text(f"1 of {n} pairs done")
        # 2: the keyboard (1 = left, 2 = right)
        page.keyboard.press("1" if good_side(page) == "left" else "2")
        expect(page.locator("#progress-text")).to_have_text(f"2 of {n} pairs done")
        # 3: a reason typed (keys typed there are not votes), then a tie by key
        page.keyboard.press("r")
        page.keyboard.type("both 2 fine")
        page.keyboard.press("Escape")
        page.keyboard.press("t")
        expect(page.locator("#progress-text")).to_have_text(f"3 of {n} pairs done")
        page.reload()  # nothing is lost, and the page goes on where it stopped
        expect(page.locator("#progress-text")).to_have_text(f"3 of {n} pairs done")
        for done in range(3, n):
            page.keyboard.press("ArrowLeft" if good_side(page) == "left" else "ArrowRight")
            expect(page.locator("#progress-text")).to_have_text(f"{done + 1} of {n} pairs done")
        expect(page.locator("#done")).to_be_visible()

        other = browser.new_page()
        other.goto(url + "/")
        other.fill("#name", "bob")
        other.click("#login-form button")
        for done in range(n):
            expect(other.locator("#progress-text")).to_have_text(f"{done} of {n} pairs done")
            other.keyboard.press("0")
        expect(other.locator("#done")).to_be_visible()
        browser.close()

    assert (tmp_path / "page.png").stat().st_size > 10_000
    votes = created.votes()
    ann = [v for v in votes if v.annotator == "ann"]
    assert sorted(v.winner for v in ann) == ["a"] * (n - 1) + ["tie"]
    assert [v.reason for v in ann if v.winner == "tie"] == ["both 2 fine"]
    assert {v.winner for v in votes if v.annotator == "bob"} == {"tie"}
    report = study_results(pairs, votes, n_resamples=100)
    by_source = {row["source"]: row for row in report["comparisons"]}
    assert by_source["ann"]["win_rate"]["value"] == pytest.approx((n - 1 + 0.5) / n)
    assert by_source["bob"]["win_rate"]["value"] == 0.5
    assert by_source["people (pooled)"]["n_votes"] == 2 * n
    # ann and bob agree on the one pair ann called a tie
    assert report["agreement"]["raw"] == pytest.approx(1 / n)
