"""Exercise 02: the promote job, a CodeBuild project whose role may move the alias and nothing else.

The variant: the same lessons (the right trust, no administrator, actions on the function's ARN,
CDK's scoped grants acknowledged) for a job with a smaller duty: it points the `live` alias at a
version already published, so the notebook's `DeployProject` (which may also upload code and
publish versions) is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.checks.grants import allows
from pitfalls.checks.s02_iam_least_privilege import ADMIN_POLICIES, managed_policy_names
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned, reference_alias, reference_projects
from pitfalls.templates.template import Template

# What the promote buildspec calls: read the alias (the version it leaves, for the log), move it.
PROMOTE_ACTIONS = ("lambda:GetAlias", "lambda:UpdateAlias")
# What it must not be able to do: change the code or the configuration, make versions.
CODE_ACTIONS = ("lambda:UpdateFunctionCode", "lambda:PublishVersion",
                "lambda:UpdateFunctionConfiguration")
LAMBDA_TYPES = ("AWS::Lambda::Function", "AWS::Lambda::Alias", "AWS::Lambda::Version")


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
        raise AttributeError(f"your {cls.__name__} must set self.project to its CodeBuild project")
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


def _roles(t: Template) -> list[str]:
    return owned(t, "Deploy", "AWS::IAM::Role")


@each(_roles, "IAM role")
def code_actions(t: Template, role: str) -> str:
    admin = [n for n in managed_policy_names(t, role) if n in ADMIN_POLICIES]
    if admin:
        return (f"its managed policy {admin[0]} allows every action, "
                + ", ".join(CODE_ACTIONS) + " included")
    allowed = [a for a in CODE_ACTIONS if allows(t, role, a)]
    return f"its policies allow {', '.join(allowed)}" if allowed else ""


@each(_roles, "IAM role")
def alias_actions(t: Template, role: str) -> str:
    admin = [n for n in managed_policy_names(t, role) if n in ADMIN_POLICIES]
    if admin:
        return (f"it may {' and '.join(PROMOTE_ACTIONS)} only through its managed "
                f"policy {admin[0]}, on every function of the account")
    targets = [lid for lid, _ in t.resources(*LAMBDA_TYPES)]
    lacking = [a for a in PROMOTE_ACTIONS if not any(allows(t, role, a, x) for x in targets)]
    return (f"its policies allow no {' nor '.join(lacking)} on the function, "
            "its versions or its alias") if lacking else ""


STARTER = """\
def promote_spec():
    \"\"\"Read the alias, then point it at the version the pipeline hands over.\"\"\"
    return codebuild.BuildSpec.from_object({
        "version": "0.2",
        "phases": {"build": {"commands": [
            'aws lambda get-alias --function-name "$FUNCTION_NAME" --name "$ALIAS_NAME"',
            'aws lambda update-alias --function-name "$FUNCTION_NAME" --name "$ALIAS_NAME" '
            '--function-version "$TARGET_VERSION"',
        ]}},
    })


class PromoteProject(Construct):
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
            build_spec=promote_spec(),
            environment_variables={
                "FUNCTION_NAME": codebuild.BuildEnvironmentVariable(value=function.function_name),
                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value=ALIAS_NAME),
            },
        )
"""


register(
    Exercise(
        scenario=2,
        class_name="PromoteProject",
        task=(
            "Write PromoteProject(scope, id, *, function, alias) that sets self.project to a "
            "CodeBuild project whose role CodeBuild can assume and that may only read and move "
            "`alias` of `function`: no code upload, no new version."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E02-ALIAS-ACTIONS",
                        f"the promote job may {' and '.join(PROMOTE_ACTIONS)} on the function",
                        alias_actions),
            Requirement("E02-NO-CODE-CHANGES",
                        "the promote job cannot change the function's code or configuration, nor "
                        "publish versions", code_actions),
        ),
        hints=(
            "Read your AWS::IAM::Role: AssumeRolePolicyDocument names who may assume it "
            "(Principal Service), ManagedPolicyArns what AWS managed policies it carries, and "
            "the AWS::IAM::Policy attached to it (Roles) each Action and Resource it allows. "
            "The promote buildspec calls lambda:GetAlias and lambda:UpdateAlias, nothing else; "
            "an action is scoped to one function by its ARN (or a version's or the alias's). The "
            "scoped `*` that CDK's own grants write (the project's logs) must appear under "
            "suppressedViolations, with a reason.",
            "iam.Role(self, 'Role', assumed_by=iam.ServicePrincipal(...)); "
            "role.add_to_policy(iam.PolicyStatement(actions=[...], "
            "resources=[function.function_arn, alias.function_arn])); "
            "codebuild.PipelineProject(..., role=role); then "
            "`from solutions.iam_least_privilege import acknowledge_scoped_grants` and "
            "acknowledge_scoped_grants(self, reason='...').",
        ),
        docs=(
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
            "https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html",
        ),
        solution="solutions.iam_least_privilege:DeployProject",
        answer="pitfalls.learner.exercises.answers.e02_iam_least_privilege:PromoteProject",
        promised=("PP02-ADMIN-ACCESS", "PP02-WRONG-TRUST", "E02-ALIAS-ACTIONS",
                  "E02-NO-CODE-CHANGES"),
        tool_rules=("AwsSolutions-IAM4", "AwsSolutions-IAM5"),
    )
)
