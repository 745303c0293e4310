"""Pipeline Pitfalls toolkit: templates, checks, evidence, the learner's side, the local AWS, the drawing.

`import pitfalls` is cheap and does not start jsii; `pitfalls.evidence.synth` does. The rooms are
sub-packages (`templates`, `checks`, `evidence`, `learner`, `emulator`, `architecture`), the
scenarios one registry (`scenarios`), and `notebook` the names the notebooks use.
"""

from pitfalls import _env

_env.configure()

__version__ = "0.1.0"
