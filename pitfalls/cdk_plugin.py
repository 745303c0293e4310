"""The course's checks at `cdk synth`: a CDK policy validation plugin.

    import aws_cdk as cdk
    from pitfalls.cdk_plugin import PitfallsChecks

    app = cdk.App()
    ...
    cdk.Validations.of(app).add_plugins(PitfallsChecks())
    app.synth()

CDK calls `validate` after it has written the cloud assembly, with every stack template of the app
(the stacks of nested Stages too) and the account and region each was synthesized for, and prints
the findings in its validation report next to its own and cdk-nag's. An `error` finding fails the
synth (CDK treats a report that is not a success as a failure); `warning` findings are printed and
the synth goes on. The findings are the ones `python -m pitfalls check cdk.out` reports on the same
assembly: the same checks, on the same templates, named after the same files.

aws-cdk-lib 2.275 registers plugins through `Validations.of(app).add_plugins(...)`; the App
property `policy_validation_beta1` and the `...Beta1` types still exist but are deprecated.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import jsii

from pitfalls import __version__
from pitfalls.checks import all_checks, run_checks
from pitfalls.checks.tools import OWN_PLUGIN
from pitfalls.templates import concrete_env, load_template_file


@jsii.implements(cdk.IPolicyValidationPlugin)
class PitfallsChecks:
    """Pipeline Pitfalls' checks as a CDK validation plugin."""

    @property
    def name(self) -> str:
        return OWN_PLUGIN

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return [c.id for c in all_checks()]

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        checks = {c.id: c for c in all_checks()}
        violations = []
        failed = False
        for stack in context.stack_templates:
            template = load_template_file(Path(stack.template_path))
            template.account, template.region = concrete_env(stack.account_id, stack.region)
            template.environment_known = True  # CDK says which environment, even when agnostic
            for f in run_checks(template):
                failed = failed or f.severity == "error"
                c = checks[f.check]
                violations.append(
                    cdk.PolicyViolation(
                        rule_name=f.check,
                        description=f.message,
                        fix=f.fix,
                        severity=f.severity,
                        rule_metadata={
                            "scenario": str(f.scenario),
                            "requirement": c.requirement,
                            "source": c.source_url,
                        },
                        violating_resources=[
                            cdk.PolicyViolatingResource(
                                resource_logical_id=f.resource,
                                template_path=stack.template_path,
                                locations=[],
                            )
                        ],
                    )
                )
        return cdk.PolicyValidationPluginReport(success=not failed, violations=violations)
