"""Exercise 02: the deploy stage's CodeBuild project with a least-privilege role."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_alias, reference_projects


def harness(stack: Any, cls: type) -> None:
    from solutions.deployment_validation import add_smoke_test
    from solutions.iam_least_privilege import acknowledge_managed_policy, acknowledge_scoped_grants
    from solutions.incomplete_pipeline_stages import APPLICATION_STACK, DeliveryPipeline
    from solutions.lambda_runtime import ApplicationFunction
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    app = ApplicationFunction(stack, "App", stage="dev")
    deploy = cls(stack, "Deploy", function=app.function, alias=reference_alias(stack, app.function))
    project = getattr(deploy, "project", None)
    if project is None:
        raise AttributeError("your DeployProject must set self.project to its CodeBuild project")
    # The reference pipeline runs it as an action of its deploy stage (the pipeline grants it its
    # input artifact, as it does every project it runs).
    projects = reference_projects(stack)
    pipeline = DeliveryPipeline(stack, "Delivery", source_bucket=source.bucket, **projects)
    add_smoke_test(pipeline.pipeline, project)
    # The reference parts acknowledge their own scoped grants (and the deploy action's rights on
    # the one stack it deploys); the learner's construct does its own.
    for part in (source, app, pipeline, *projects.values()):
        acknowledge_scoped_grants(part, reason="reference pipeline: CDK grant scoped to one resource",
                                  name_prefixes=[f":stack/{APPLICATION_STACK}/"])
    if app.function.role is not None:
        acknowledge_managed_policy(
            app.function.role, "AWSLambdaBasicExecutionRole", reason="logs-only execution policy"
        )


STARTER = """\
class DeployProject(Construct):
    def __init__(self, scope, id, *, function, alias):
        super().__init__(scope, id)
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
        )
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            role=role,
            build_spec=build_spec_for_alias_deploy(),
            environment_variables={
                "FUNCTION_NAME": codebuild.BuildEnvironmentVariable(value=function.function_name),
                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value=ALIAS_NAME),
            },
        )
"""


register(
    Exercise(
        scenario=2,
        class_name="DeployProject",
        task=(
            "Write DeployProject(scope, id, *, function, alias) that sets self.project to a "
            "CodeBuild project whose role CodeBuild can assume and that may only deploy `function`."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "The AWS::IAM::Role needs AssumeRolePolicyDocument Principal Service "
            "codebuild.amazonaws.com and no AdministratorAccess; its policy allows "
            "lambda:GetFunction, lambda:UpdateFunctionCode and lambda:PublishVersion on the "
            "function's ARN and lambda:UpdateAlias on the alias, nothing on '*'. The scoped `*` "
            "that CDK's own grants write must appear under suppressedViolations, with a reason.",
            "iam.Role(self, 'Role', assumed_by=iam.ServicePrincipal('codebuild.amazonaws.com')); "
            "role.add_to_policy(iam.PolicyStatement(actions=[...], "
            "resources=[function.function_arn])); codebuild.PipelineProject(..., role=role); "
            "then `from solutions.iam_least_privilege import acknowledge_scoped_grants` and "
            "acknowledge_scoped_grants(self, reason='...').",
        ),
        solution="solutions.iam_least_privilege:DeployProject",
        tool_rules=("AwsSolutions-IAM4", "AwsSolutions-IAM5"),
    )
)
