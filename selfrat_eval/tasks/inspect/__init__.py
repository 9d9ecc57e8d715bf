"""inspect-ai tasks, solvers and scorers, registered through the `inspect_ai` entry point:
`inspect eval selfrat_eval/biggen`, `inspect eval selfrat_eval/rewardbench`."""
