#!/usr/bin/env python3
"""The CDK app of the full pipeline: `npx cdk synth` from the repository root.

One validated configuration object (solutions/hardcoded_environment.py) says where and as what
the app deploys: the stage from context (`-c stage=prod`, default in cdk.json), account and
region from the CLI's environment (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, overridden by
CDK_DEPLOY_*), never typed in. A wrong value stops the synth with one line on stderr.
`-c appSource=DIR` ships the function from another copy of lambda_src/ (notebook 15's update).
The course's checks run at every synth (pitfalls.cdk_plugin): a finding shows in CDK's validation
report, and an error-level one stops the synth.
"""

import sys
from pathlib import Path

import aws_cdk as cdk

from pitfalls.cdk_plugin import PitfallsChecks
from solutions.hardcoded_environment import ConfigError, DeploymentConfig
from solutions.lambda_runtime import APP_SOURCE
from solutions.pipeline import PipelineStack

app = cdk.App()
try:
    config = DeploymentConfig.from_context(app)
except ConfigError as exc:
    sys.exit(f"app.py: {exc}")
source = Path(app.node.try_get_context("appSource") or APP_SOURCE)
if not (source / "package.json").is_file():
    sys.exit(f"app.py: appSource {source} is not a copy of lambda_src (no package.json there)")
PipelineStack(app, config.stack_name, config=config, env=config.env, app_source=source)
cdk.Validations.of(app).add_plugins(PitfallsChecks())
if app.node.try_get_context("nag"):
    # `cdk synth -c nag=true` (the security scan's synth): an unacknowledged cdk-nag finding
    # fails the synth, and the report says which.
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
