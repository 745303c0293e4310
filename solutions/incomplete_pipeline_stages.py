"""Scenario 01: a pipeline whose stages build, test and then deploy what was built.

Source -> Build -> Test -> Deploy, each stage fed by the one before through artifacts. The source
is the repository: the CDK app at its root, the function in `lambda_src/`. The Build stage makes
the two things a release needs from it, once: `Package`, the function as it will run (scenario
04's project), and `Template`, the application stack synthesized from the same revision. The Test
stage runs the tests against `Package`; the Deploy stage hands `Template` and `Package` to
CloudFormation, which creates or updates the application stack. Nothing deploys raw source, and
nothing outside CloudFormation changes what the stack owns.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnCapabilities
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from solutions.codebuild_configuration import PACKAGE, TEMPLATE
from solutions.lambda_runtime import CODE_BUCKET_PARAMETER, CODE_KEY_PARAMETER

APPLICATION_STACK = "Application"  # the stack the Deploy stage creates and updates


def deploy_action(
    *,
    stack_name: str,
    template: codepipeline.Artifact,
    package: codepipeline.Artifact,
    role: iam.IRole | None = None,
    parameters: Mapping[str, str] | None = None,
    run_order: int = 1,
) -> actions.CloudFormationCreateUpdateStackAction:
    """CloudFormation creates or updates `stack_name` from the template the build synthesized,
    with the function's code parameters set to where the pipeline stored `package`.

    `role` is the role CloudFormation works as (scenario 02 scopes it to this one stack's
    resources); without one, CDK makes a role with no permissions beyond reading the artifacts.
    """
    return actions.CloudFormationCreateUpdateStackAction(
        action_name="Deploy",
        stack_name=stack_name,
        template_path=template.at_path(f"{stack_name}.template.json"),
        admin_permissions=False,
        deployment_role=role,
        # The stack creates IAM roles (the function's, CodeDeploy's) with generated names.
        cfn_capabilities=[CfnCapabilities.ANONYMOUS_IAM],
        parameter_overrides={
            CODE_BUCKET_PARAMETER: package.bucket_name,  # Fn::GetArtifactAtt, resolved per run
            CODE_KEY_PARAMETER: package.object_key,
            **(parameters or {}),
        },
        extra_inputs=[package],
        variables_namespace="Deploy",  # the stack's outputs, for the actions after it
        run_order=run_order,
    )


class DeliveryPipeline(Construct):
    """A V2 CodePipeline: S3 source, build and synth, tests on the package, CloudFormation deploy.

    `build_project` turns the source into the Package artifact, `synth_project` into the Template
    artifact (both in the Build stage, side by side), `test_project` tests the package.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_bucket: s3.IBucket,
        build_project: codebuild.IProject,
        synth_project: codebuild.IProject,
        test_project: codebuild.IProject,
        application_stack: str = APPLICATION_STACK,
        deployment_role: iam.IRole | None = None,
        deploy_parameters: Mapping[str, str] | None = None,
        trigger: actions.S3Trigger = actions.S3Trigger.POLL,
        source_key: str = "source.zip",
        artifact_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, id)
        source = codepipeline.Artifact("Source")
        package = codepipeline.Artifact(PACKAGE)
        template = codepipeline.Artifact(TEMPLATE)
        self.source_action = actions.S3SourceAction(
            action_name="Source",
            bucket=source_bucket,  # versioned: the action records the object version it took
            bucket_key=source_key,
            output=source,
            trigger=trigger,
            variables_namespace="Source",
        )
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=artifact_bucket,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[self.source_action]),
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Package",
                            project=build_project,
                            input=source,
                            outputs=[package],
                        ),
                        actions.CodeBuildAction(
                            action_name="Synth",
                            project=synth_project,
                            input=source,
                            outputs=[template],
                            environment_variables=self.synth_variables(),
                        ),
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Test",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="UnitTests",
                            type=actions.CodeBuildActionType.TEST,
                            project=test_project,
                            input=package,  # the tests run against what ships
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    actions=[
                        deploy_action(
                            stack_name=application_stack,
                            template=template,
                            package=package,
                            role=deployment_role,
                            parameters=deploy_parameters,
                        )
                    ],
                    on_failure=self.deploy_failure(),
                ),
            ],
        )

    def synth_variables(self) -> dict[str, codebuild.BuildEnvironmentVariable] | None:
        """Variables the Synth action gets from the pipeline (none here; scenario 08 adds one)."""
        return None

    def deploy_failure(self) -> codepipeline.FailureConditions | None:
        """What the Deploy stage does when it fails (stop, here; scenario 08 rolls back)."""
        return None
