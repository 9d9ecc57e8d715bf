"""The `selfrat` command: thin wrappers that parse options and call the layers below.

Any InputError becomes one line on stderr and exit code 2, never a traceback. The commands live in
`_judging` (eval, generate, grade, suite, score), `_training` (train ...) and `_reports` (compare,
jury, rank-agreement, demo, toy-judge, benchmarks, samples), `_rationales` (rationales ...); `_app`
holds what they share.
"""

from selfrat_eval.cli import _judging, _rationales, _reports, _training  # noqa: F401  (registers the commands)
from selfrat_eval.cli._app import _jurors, app

__all__ = ["_jurors", "app"]
