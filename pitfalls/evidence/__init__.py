"""What the notebooks show: in-process synthesis, rendering, and the views built on them.

- `synth`: synthesize CDK stacks in-process and collect what CDK, cdk-nag and our checks say.
- `render` and `show`: excerpts, findings tables, side-by-side comparisons, shown code (HTML and text).
- Views of one scenario each: `deployview` (14), `environments` (09), `snippets` (10), `localrun`
  (13, 14: a pipeline's commands run on this machine), `node` (05: a handler loaded with Node).
- `local_aws`: a notebook's own local AWS; `readback`: what the services say about a deployed stack.

Notebooks reach all of it through `pitfalls.notebook`.
"""
