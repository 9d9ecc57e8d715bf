"""`python -m selfrat_eval.tasks.lm_eval`: regenerate the lm-eval task files from the registry."""

from selfrat_eval.tasks.lm_eval._yaml import write_task_files

for path in write_task_files():
    print(path)
