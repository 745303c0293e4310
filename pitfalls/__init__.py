"""Pipeline Pitfalls toolkit: synthesis, checks, evidence, exercises, the local AWS and deploys.

`import pitfalls` is cheap and does not start jsii; `pitfalls.evidence.synth` does.
"""

from pitfalls import _env

_env.configure()

__version__ = "0.1.0"
