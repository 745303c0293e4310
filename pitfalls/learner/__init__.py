"""The learner's side: the `%%exercise N` magic and the exercises it grades, progress, reset, doctor.

- `exercise`: grading a learner's construct in its scenario's harness, feedback and hints.
- `exercises/eNN_name.py`: one exercise per scenario (their file names are the registry's source).
- `progress`: the learner's own progress file; `reset`: a notebook back as shipped; `doctor`: the
  environment check. `cli` adds `progress`, `reset` and `doctor` to `python -m pitfalls`.
"""
