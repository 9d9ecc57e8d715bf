"""lm-evaluation-harness tasks: YAML configs in `tasks/`, adapters in `utils`, and the import hook
that makes `lm_eval --tasks biggen_selfrat` work after `pip install` (see `_hook`).

Kept empty on purpose: the hook is imported at every interpreter start.
"""
