#!/usr/bin/env python3
"""The CDK app of the full pipeline: `npx cdk synth` from the repository root gives both stacks.

- `PipelinePitfalls-<stage>`: the pipeline. A person deploys it once (`cdk deploy
  PipelinePitfalls-dev`, or `python -m pitfalls deploy`).
- `PipelinePitfalls-<stage>-App`: the application. Only the pipeline deploys it: its Synth action
  runs `cdk synth PipelinePitfalls-<stage>-App -c sourceVersion=<S3 version id>` on the uploaded
  source, and CloudFormation deploys that template with the package the pipeline built.

One validated configuration object (solutions/hardcoded_environment.py) says where and as what
the app deploys: the stage from context (`-c stage=prod`, default in cdk.json), account and
region from the CLI's environment (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, overridden by
CDK_DEPLOY_*), never typed in. A wrong value stops the synth with one line on stderr.
The course's checks run at every synth (pitfalls.cdk_plugin): a finding shows in CDK's validation
report, and an error-level one stops the synth.
"""

import sys

import aws_cdk as cdk

from pitfalls.cdk_plugin import PitfallsChecks
from solutions.hardcoded_environment import ConfigError, DeploymentConfig
from solutions.pipeline import ApplicationStack, PipelineStack

app = cdk.App()
try:
    config = DeploymentConfig.from_context(app)
except ConfigError as exc:
    sys.exit(f"app.py: {exc}")
PipelineStack(app, config.stack_name, config=config, env=config.env)
ApplicationStack(app, config.app_stack_name, config=config, env=config.env,
                 source_version=app.node.try_get_context("sourceVersion"))
cdk.Validations.of(app).add_plugins(PitfallsChecks())
if app.node.try_get_context("nag"):
    # `cdk synth -c nag=true` (the pipeline's Synth action): an unacknowledged cdk-nag finding
    # fails the synth, and the report says which.
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
