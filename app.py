#!/usr/bin/env python3
"""The CDK app of the full pipeline: `npx cdk synth` from the repository root.

The stage comes from context (`-c stage=prod`); account and region from the CLI's environment
(CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION), never typed in.
"""

import os

import aws_cdk as cdk

from solutions.pipeline import PipelineStack

app = cdk.App()
stage = app.node.try_get_context("stage") or "dev"
account = os.environ.get("CDK_DEFAULT_ACCOUNT")
region = os.environ.get("CDK_DEFAULT_REGION")
env = cdk.Environment(account=account, region=region) if account and region else None
PipelineStack(app, f"PipelinePitfalls-{stage}", stage=stage, env=env)
if app.node.try_get_context("nag"):
    # `cdk synth -c nag=true` (the security scan's synth): an unacknowledged cdk-nag finding
    # fails the synth, and the report says which.
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
