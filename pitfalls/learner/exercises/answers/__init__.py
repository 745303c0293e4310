"""Reference answers of the exercises' variants, one module per exercise (same name).

Not the notebooks' shown fixes (those are in solutions/): each answer meets its exercise's own
ticket as well as the course's checks, and tests/test_exercise_variants.py grades every one.
"""
