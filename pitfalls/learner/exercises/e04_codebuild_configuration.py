"""Exercise 04: the Build stage's CodeBuild project, bounded in time and with npm's cache kept.

The variant: the same lessons (a Linux image, an inline buildspec on the function's Node.js, the
artifacts the later stages read, a compute type sized to the job) on a project whose ticket caps
its run time and keeps npm's download cache between builds, so the notebook's `BuildProject`
(CodeBuild's 60-minute default, no cache) is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned
from pitfalls.templates.template import Template

TIMEOUT_MINUTES = 15  # the ticket: a hung install must not hold the pipeline for an hour
DEFAULT_TIMEOUT_MINUTES = 60  # CodeBuild's, when TimeoutInMinutes is not set
NPM_CACHE = "/root/.npm"  # npm's download cache in CodeBuild's Linux images (builds run as root)


def harness(stack: Any, cls: type) -> None:
    from solutions.codebuild_configuration import NodeProject, build_spec_for_synth, build_spec_for_tests
    from solutions.incomplete_pipeline_stages import APPLICATION_STACK, DeliveryPipeline
    from solutions.lambda_runtime import ApplicationFunction
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    ApplicationFunction(stack, "App", stage="dev")  # the runtime the build must match
    built = cls(stack, "Build")
    project = getattr(built, "project", None)
    if project is None:
        raise AttributeError("your BuildProject must set self.project to its CodeBuild project")
    tests = NodeProject(stack, "Tests", build_spec=build_spec_for_tests())
    synth = NodeProject(stack, "Synth", build_spec=build_spec_for_synth(APPLICATION_STACK))
    DeliveryPipeline(
        stack,
        "Delivery",
        source_bucket=source.bucket,
        build_project=project,
        synth_project=synth.project,
        test_project=tests.project,
    )


def _projects(t: Template) -> list[str]:
    return owned(t, "Build", "AWS::CodeBuild::Project")


@each(_projects, "CodeBuild project")
def timeout(t: Template, lid: str) -> str:
    minutes = t.props(lid).get("TimeoutInMinutes")
    if minutes == TIMEOUT_MINUTES:
        return ""
    return (f"TimeoutInMinutes is {minutes}" if minutes is not None
            else "no TimeoutInMinutes: CodeBuild stops it after its default "
            f"{DEFAULT_TIMEOUT_MINUTES} minutes")


@each(_projects, "CodeBuild project")
def npm_cache(t: Template, lid: str) -> str:
    cache = t.props(lid).get("Cache")
    cache = cache if isinstance(cache, dict) else {}
    spec = t.buildspec(lid)
    section = spec.data.get("cache") if spec else None
    paths = [str(p) for p in (section.get("paths") or [])] if isinstance(section, dict) else []
    local = cache.get("Type") == "LOCAL" and "LOCAL_CUSTOM_CACHE" in (cache.get("Modes") or [])
    if local and any(p.startswith(NPM_CACHE) for p in paths):
        return ""
    kept = ("Cache Type LOCAL, Modes " + ", ".join(cache.get("Modes") or []) if local
            else f"Cache Type {cache.get('Type', 'NO_CACHE')}")
    return f"{kept}; the buildspec's cache.paths: {', '.join(paths) or 'none'}"


STARTER = """\
class PackageBuild(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.WindowsBuildImage.WIN_SERVER_CORE_2019_BASE_3_0,
                compute_type=codebuild.ComputeType.MEDIUM,
            ),
        )
"""


register(
    Exercise(
        scenario=4,
        class_name="PackageBuild",
        task=(
            "Write PackageBuild(scope, id) that sets self.project to the CodeBuild project of "
            "the Build stage: it installs and checks the function and hands the package on, as "
            "the artifact the tests and the deploy read; it gives up after "
            f"{TIMEOUT_MINUTES} minutes and keeps npm's download cache between builds."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E04-TIMEOUT", f"stop a build that runs longer than {TIMEOUT_MINUTES} minutes",
                        timeout),
            Requirement("E04-NPM-CACHE",
                        f"keep npm's download cache ({NPM_CACHE}) in a local custom cache between "
                        "builds", npm_cache),
        ),
        hints=(
            "AWS::CodeBuild::Project: Environment Type LINUX_CONTAINER with Image "
            "aws/codebuild/standard:7.0 and ComputeType BUILD_GENERAL1_SMALL; Source.BuildSpec "
            "inline, with phases.install.runtime-versions.nodejs equal to the function's major "
            "(nodejs24.x -> 24), and an artifacts section (files, base-directory). The ticket "
            "reads TimeoutInMinutes, the project's Cache (Type LOCAL, Modes LOCAL_CUSTOM_CACHE) "
            "and the buildspec's own cache.paths, which say what the custom cache keeps.",
            "codebuild.PipelineProject(self, 'Project', environment=codebuild.BuildEnvironment("
            "build_image=codebuild.LinuxBuildImage.STANDARD_7_0, "
            "compute_type=codebuild.ComputeType.SMALL), build_spec=codebuild.BuildSpec."
            "from_object({'version': '0.2', 'phases': {'install': {'runtime-versions': "
            "{'nodejs': NODE_MAJOR}, ...}}, 'artifacts': {'base-directory': 'lambda_src', "
            "'files': PACKAGE_FILES}, 'cache': {'paths': [...]}}), "
            "timeout=Duration.minutes(...), cache=codebuild.Cache.local("
            "codebuild.LocalCacheMode.CUSTOM)).",
        ),
        docs=(
            "https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching.html",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-codebuild-project.html",
        ),
        solution="solutions.codebuild_configuration:BuildProject",
        answer="pitfalls.learner.exercises.answers.e04_codebuild_configuration:PackageBuild",
        promised=("PP04-WINDOWS-IMAGE", "PP04-NO-BUILDSPEC", "E04-TIMEOUT", "E04-NPM-CACHE"),
        tool_rules=("AwsSolutions-CB5",),
    )
)
