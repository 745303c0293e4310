# The course's kernels load the `%%exercise N` cell magic when they start (copied into the
# environment's etc/ipython/ by scripts/setup.py and postBuild), so an exercise cell run before the
# notebook's setup cell is graded instead of failing with "Cell magic %%exercise not found".
c = get_config()  # noqa: F821 (IPython's config loader provides it)
c.InteractiveShellApp.extensions.append("pitfalls.learner.exercise")
