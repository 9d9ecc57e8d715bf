"""The annotation study's store and server: blind, seeded, every vote kept as it is made."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selfrat_eval.benchmarks.rationale_pairs import RationalePair, read_pairs
from selfrat_eval.cli import app
from selfrat_eval.rationales import (
    Study,
    make_server,
    open_study,
    pair_runs,
    read_votes,
    write_pairs,
    write_votes,
)
from tests.rationales.scripted import right_judge, sloppy_judge, toy_data, toy_run


@pytest.fixture
def pairs(tmp_path: Path) -> list[RationalePair]:
    data = toy_data(tmp_path / "toy")
    good = toy_run(tmp_path / "good", data, right_judge)
    sloppy = toy_run(tmp_path / "sloppy", data, sloppy_judge)
    write_pairs(pair_runs([good, sloppy]), tmp_path / "pairs", {})
    return read_pairs(tmp_path / "pairs")


def test_orders_are_seeded_per_annotator_and_votes_are_unswapped(
    tmp_path: Path, pairs: list[RationalePair]
) -> None:
    study = Study.create(tmp_path / "s", pairs, ["ann", "bob"], seed=7, open_=False)
    assert study.order("ann") == Study(tmp_path / "s").order("ann")  # the same study shows the same
    assert study.order("ann") != study.order("bob")
    assert sorted(k for k, _ in study.order("ann")) == sorted(p.key for p in pairs)
    shown = study.next_pair("ann")
    assert shown["progress"] == {"done": 0, "total": len(pairs)}
    assert "sloppy" not in json.dumps(shown) and "good" not in json.dumps(shown)  # blind, the id too
    pair = next(p for p in pairs if study.blind_id(p.key) == shown["pair"]["id"])
    left_is_a = shown["pair"]["left"] == pair.rationale_a
    study.vote("ann", shown["pair"]["id"], "left", "its sum is right", 3.5)
    study.vote("ann", shown["pair"]["id"], "right", "", None)  # a pair voted once stays so
    [vote] = open_study(tmp_path / "s").votes()  # another connection: it was committed
    assert vote.winner == ("a" if left_is_a else "b") and vote.shown_left == ("a" if left_is_a else "b")
    assert vote.reason == "its sum is right" and vote.seconds == 3.5
    assert study.next_pair("ann")["pair"]["id"] != shown["pair"]["id"]
    assert study.next_pair("ann")["progress"]["done"] == 1
    assert study.annotator("eve", None) is None  # a closed study takes its annotators only
    with pytest.raises(Exception, match="other pairs or another --seed"):
        Study.create(tmp_path / "s", pairs, [], seed=8, open_=False)


def test_the_page_shows_no_run_names(tmp_path: Path, pairs: list[RationalePair]) -> None:
    study = Study.create(tmp_path / "s", pairs, ["ann"], seed=0, open_=True)
    for _ in pairs:
        shown = study.next_pair("ann")
        assert set(shown["pair"]) == {"id", "prompt", "left", "right"}
        study.vote("ann", shown["pair"]["id"], "tie", "", None)
    assert study.next_pair("ann") == {"progress": {"done": len(pairs), "total": len(pairs)}, "pair": None}


@pytest.fixture
def served(tmp_path: Path, pairs: list[RationalePair]) -> Iterator[tuple[str, Study]]:
    study = Study.create(tmp_path / "s", pairs, ["ann"], seed=0, open_=False)
    server = make_server(study, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", study
    server.shutdown()
    server.server_close()


def _get(url: str) -> dict:
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_the_server_serves_the_page_and_takes_votes(served: tuple[str, Study]) -> None:
    url, study = served
    with urllib.request.urlopen(url + "/") as response:
        assert b"Which judgment is better?" in response.read()
    token = study.annotators()["ann"]
    first = _get(f"{url}/api/next?token={token}")
    assert first["annotator"] == "ann" and first["progress"]["done"] == 0
    after = _post(url + "/api/vote", {"token": token, "pair": first["pair"]["id"], "choice": "right"})
    assert after["progress"]["done"] == 1 and after["pair"]["id"] != first["pair"]["id"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"{url}/api/next?annotator=eve")
    assert refused.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as bad:
        _post(url + "/api/vote", {"token": token, "pair": first["pair"]["id"], "choice": "both"})
    assert bad.value.code == 400
    assert len(study.votes()) == 1


def test_votes_go_out_and_come_back_as_csv_and_jsonl(tmp_path: Path, pairs: list[RationalePair]) -> None:
    study = Study.create(tmp_path / "s", pairs, ["ann"], seed=0, open_=True)
    for choice in ("left", "right", "tie"):
        study.vote("ann", study.next_pair("ann")["pair"]["id"], choice, 'a, "quoted" reason', 1.0)
    for suffix in ("csv", "jsonl"):
        path = tmp_path / f"votes.{suffix}"
        write_votes(study.votes(), path)
        assert read_votes(path, pairs) == study.votes()
    other = Study.create(tmp_path / "elsewhere", pairs, [], seed=0, open_=True)
    assert other.add_votes(read_votes(tmp_path / "votes.csv", pairs)) == 3
    assert other.add_votes(read_votes(tmp_path / "votes.csv", pairs)) == 0  # already there
    runner = CliRunner()
    exported = runner.invoke(
        app, ["rationales", "export", str(tmp_path / "s"), "--out", str(tmp_path / "v.jsonl")]
    )
    assert exported.exit_code == 0 and len((tmp_path / "v.jsonl").read_text().splitlines()) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("pair,annotator,winner\nnope,ann,a\n")
    refused = runner.invoke(app, ["rationales", "import", str(tmp_path / "s"), str(bad)])
    assert refused.exit_code == 2 and "bad.csv, record 1, field 'pair'" in refused.output
    worse = tmp_path / "worse.jsonl"
    worse.write_text(json.dumps({"pair": pairs[0].key, "annotator": "x", "winner": "both"}) + "\n")
    refused = runner.invoke(app, ["rationales", "import", str(tmp_path / "s"), str(worse)])
    assert refused.exit_code == 2 and "worse.jsonl, record 1, field 'winner'" in refused.output
    missing = runner.invoke(
        app, ["rationales", "export", str(tmp_path / "none"), "--out", str(tmp_path / "x.csv")]
    )
    assert missing.exit_code == 2 and "no study.sqlite" in missing.output
