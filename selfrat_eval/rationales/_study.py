"""`selfrat rationales study`: a blind pairwise annotation page for people, served locally.

The study folder holds `study.sqlite`: the pairs, the annotators (a name and a token each), and every
vote, committed as it is made, so a closed browser or a killed server loses nothing and a reload
continues where the annotator stopped. Blind: the page shows "Judgment 1" and "Judgment 2", never a
run's name. Each annotator sees every pair once, in an order shuffled for them, with the sides
shuffled per pair and annotator (both seeded by the study's seed, so the same study shows the same).
The server is the standard library's (`http.server`), for a handful of people on one machine or a lab's
network; a study run on a crowd platform comes back through `import`.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.rationale_pairs import RationalePair
from selfrat_eval.rationales._votes import Vote

STUDY_FILE = "study.sqlite"
# How the page is driven headless (its browser test, the docs' screenshot): as root in a closed network,
# no sandbox, and none of Chromium's calls home (they hang or spam the log).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (key TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS annotators (name TEXT PRIMARY KEY, token TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    pair TEXT NOT NULL REFERENCES pairs(key),
    annotator TEXT NOT NULL REFERENCES annotators(name),
    winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie')),
    shown_left TEXT CHECK (shown_left IN ('a', 'b')),
    reason TEXT NOT NULL DEFAULT '',
    seconds REAL,
    created TEXT NOT NULL,
    PRIMARY KEY (pair, annotator)
);
"""


class Study:
    """The study's SQLite file: one connection per call, so the server's threads never share one."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / STUDY_FILE
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            with connection:  # one transaction, committed on success
                yield connection
        finally:
            connection.close()

    @classmethod
    def create(
        cls,
        folder: Path,
        pairs: Sequence[RationalePair],
        annotators: Sequence[str],
        *,
        seed: int,
        open_: bool,
    ) -> Study:
        """A new study, or the same one again (its pairs and seed must match; new annotators join)."""
        study = cls(folder)
        study.path.parent.mkdir(parents=True, exist_ok=True)
        with study._db() as db:
            db.executescript(_SCHEMA)
            stored = dict(db.execute("SELECT name, value FROM settings").fetchall())
            keys = json.dumps(sorted(pair.key for pair in pairs))
            if stored and (stored["seed"] != str(seed) or stored["pairs"] != keys):
                raise InputError(
                    "holds a study of other pairs or another --seed: use another --out to start a new one",
                    source=str(study.path),
                )
            if not stored:
                db.executemany("INSERT INTO settings VALUES (?, ?)", [("seed", str(seed)), ("pairs", keys)])
                db.executemany(
                    "INSERT INTO pairs VALUES (?, ?)", [(p.key, p.model_dump_json()) for p in pairs]
                )
            db.execute("INSERT OR REPLACE INTO settings VALUES ('open', ?)", (str(open_),))
            for name in annotators:
                db.execute("INSERT OR IGNORE INTO annotators VALUES (?, ?)", (name, secrets.token_urlsafe(8)))
        return study

    def setting(self, name: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def annotators(self) -> dict[str, str]:
        """Name -> token."""
        with self._db() as db:
            return dict(db.execute("SELECT name, token FROM annotators ORDER BY name").fetchall())

    def annotator(self, name: str | None, token: str | None) -> str | None:
        """Who is asking: a token's annotator, or a name (any name joins an open study)."""
        with self._lock, self._db() as db:
            if token:
                row = db.execute("SELECT name FROM annotators WHERE token = ?", (token,)).fetchone()
                return None if row is None else str(row[0])
            if not name or not name.strip():
                return None
            name = name.strip()[:80]
            if db.execute("SELECT 1 FROM annotators WHERE name = ?", (name,)).fetchone():
                return name
            if db.execute("SELECT value FROM settings WHERE name = 'open'").fetchone()[0] != "True":
                return None
            db.execute("INSERT INTO annotators VALUES (?, ?)", (name, secrets.token_urlsafe(8)))
            return name

    def pairs(self) -> list[RationalePair]:
        with self._db() as db:
            rows = db.execute("SELECT record FROM pairs").fetchall()
        return [RationalePair.model_validate_json(record) for (record,) in rows]

    def pair(self, key: str) -> RationalePair:
        with self._db() as db:
            (record,) = db.execute("SELECT record FROM pairs WHERE key = ?", (key,)).fetchone()
        return RationalePair.model_validate_json(record)

    @cached_property
    def seed(self) -> str:
        """Fixed when the study is created (`create` refuses another), so read once."""
        seed = self.setting("seed")
        if seed is None:
            raise InputError("is not a study (see `selfrat rationales study`)", source=str(self.path))
        return seed

    @cached_property
    def _keys(self) -> list[str]:
        """The study's pair keys, sorted; as fixed as its seed."""
        with self._db() as db:
            return sorted(key for (key,) in db.execute("SELECT key FROM pairs").fetchall())

    def order(self, annotator: str) -> list[tuple[str, bool]]:
        """The annotator's pairs in their order, each with whether run a's judgment is shown left."""
        seed = self.seed
        keys = list(self._keys)
        rng = random.Random(f"{seed}:{annotator}")
        rng.shuffle(keys)
        return [(key, random.Random(f"{seed}:{annotator}:{key}").random() < 0.5) for key in keys]

    def voted(self, annotator: str) -> set[str]:
        with self._db() as db:
            rows = db.execute("SELECT pair FROM votes WHERE annotator = ?", (annotator,)).fetchall()
        return {key for (key,) in rows}

    def blind_id(self, key: str) -> str:
        """What the page calls a pair: its key names the runs, so the page never sees it."""
        return hashlib.sha256(f"{self.seed}:{key}".encode()).hexdigest()[:16]

    def next_pair(self, annotator: str) -> dict[str, Any]:
        """What the page shows next: progress, and the first pair not yet voted (None when done), by
        its blind id."""
        order = self.order(annotator)
        done = self.voted(annotator)
        progress = {"done": len(done), "total": len(order)}
        for key, a_left in order:
            if key not in done:
                pair = self.pair(key)
                left, right = (pair.rationale_a, pair.rationale_b)
                if not a_left:
                    left, right = right, left
                shown = {"id": self.blind_id(key), "prompt": pair.prompt, "left": left, "right": right}
                return {"progress": progress, "pair": shown}
        return {"progress": progress, "pair": None}

    def vote(self, annotator: str, pair_id: str, choice: str, reason: str, seconds: float | None) -> None:
        """Store a vote on the pair with blind id `pair_id`, given as the page's side (`left`, `right`,
        `tie`); a pair voted once stays so."""
        order = dict(self.order(annotator))
        key = {self.blind_id(k): k for k in order}.get(pair_id)
        if key is None:
            raise InputError(f"no pair {pair_id!r} in this study", field="pair")
        if choice not in ("left", "right", "tie"):
            raise InputError("choice must be left, right or tie", field="choice")
        a_left = order[key]
        winner = "tie" if choice == "tie" else "a" if (choice == "left") == a_left else "b"
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO votes VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, annotator, winner, "a" if a_left else "b", reason.strip()[:2000], seconds, created),
            )

    def votes(self) -> list[Vote]:
        with self._db() as db:
            rows = db.execute(
                "SELECT pair, annotator, winner, shown_left, reason, seconds, created FROM votes "
                "ORDER BY created, annotator, pair"
            ).fetchall()
        fields = ("pair", "annotator", "winner", "shown_left", "reason", "seconds", "created")
        return [Vote.model_validate(dict(zip(fields, row, strict=True))) for row in rows]

    def add_votes(self, votes: Sequence[Vote]) -> int:
        """Votes from another platform (`import`): their annotators join; returns how many were new."""
        known = {pair.key for pair in self.pairs()}
        added = 0
        with self._lock, self._db() as db:
            for vote in votes:
                if vote.pair not in known:
                    raise InputError(
                        f"vote for pair {vote.pair!r}, which this study does not hold", field="pair"
                    )
                db.execute(
                    "INSERT OR IGNORE INTO annotators VALUES (?, ?)",
                    (vote.annotator, secrets.token_urlsafe(8)),
                )
                cursor = db.execute(
                    "INSERT OR IGNORE INTO votes VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        vote.pair,
                        vote.annotator,
                        vote.winner,
                        vote.shown_left,
                        vote.reason,
                        vote.seconds,
                        vote.created or datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
                added += cursor.rowcount
        return added


def open_study(folder: Path) -> Study:
    study = Study(folder)
    if not study.path.exists():
        raise InputError(
            f"no {STUDY_FILE} (create the study with `selfrat rationales study`)", source=str(folder)
        )
    return study


def _page() -> bytes:
    return files("selfrat_eval.rationales").joinpath("annotate.html").read_bytes()


def make_server(study: Study, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """The annotation server (call `serve_forever`; port 0 picks a free one)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows progress
            return

        def _json(self, payload: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _who(self, query: dict[str, list[str]]) -> str | None:
            return study.annotator(query.get("annotator", [None])[0], query.get("token", [None])[0])

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/":
                body = _page()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif url.path == "/api/next":
                who = self._who(query)
                if who is None:
                    self._json({"error": "unknown annotator"}, HTTPStatus.FORBIDDEN)
                else:
                    self._json({"annotator": who, **study.next_pair(who)})
            else:
                self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)

        def do_POST(self) -> None:
            if urlparse(self.path).path != "/api/vote":
                self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)
                return
            try:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                who = study.annotator(body.get("annotator"), body.get("token"))
                if who is None:
                    self._json({"error": "unknown annotator"}, HTTPStatus.FORBIDDEN)
                    return
                seconds = body.get("seconds")
                study.vote(
                    who,
                    str(body.get("pair")),
                    str(body.get("choice")),
                    str(body.get("reason") or ""),
                    float(seconds) if isinstance(seconds, int | float) else None,
                )
            except (InputError, ValueError) as error:
                self._json({"error": str(error)}, HTTPStatus.BAD_REQUEST)
                return
            self._json({"annotator": who, **study.next_pair(who)})

    return ThreadingHTTPServer((host, port), Handler)
