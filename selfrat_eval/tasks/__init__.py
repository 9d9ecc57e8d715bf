"""Harness plugins: the package's benchmarks and strategies registered in lm-evaluation-harness
(`lm_eval --tasks biggen_selfrat`) and inspect-ai (`inspect eval selfrat_eval/biggen`).

Thin adapters only: data, prompts, parsing and metrics come from the layers below.
"""
