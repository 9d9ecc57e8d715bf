"""`selfrat demo`: a verifiable Self-Rationalization replication on a CPU (toy benchmark and judge,
every baseline, a report with paired comparisons pooled over seeds)."""

from selfrat_eval.demo._arms import demo_arms
from selfrat_eval.demo._report import demo_results, write_demo_report
from selfrat_eval.demo._run import DemoConfig, run_demo, seed_stages

__all__ = ["DemoConfig", "demo_arms", "demo_results", "run_demo", "seed_stages", "write_demo_report"]
