"""Scenario 04: CodeBuild projects fit to build a Node.js Lambda.

CDK refuses one mistake by itself (a Windows image with BUILD_GENERAL1_SMALL); cdk-nag checks
encryption (AwsSolutions-CB4) and custom images (CB5). Everything below synthesizes without a
word and fails, or costs, only when the pipeline runs: a Windows image for a Linux function, no
buildspec, a build that declares no artifact for the deploy stage, a deprecated image, a Node.js
major different from the function's, and a machine far larger than an `npm ci`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.checks.s05_lambda_runtime import application_functions, node_major
from pitfalls.templates import PIPELINE, BuildSpec, Json, Template, pipeline_actions

PROJECT = "AWS::CodeBuild::Project"

# Images AWS no longer maintains: CDK 2.275 marks their constants @deprecated
# (LinuxBuildImage.STANDARD_1_0 to STANDARD_4_0, AMAZON_LINUX_2 to AMAZON_LINUX_2_3,
# AMAZON_LINUX_2_ARM, WindowsBuildImage.WINDOWS_BASE_2_0), and AWS moved standard 4.0 to its
# unsupported images (aws/aws-codebuild-docker-images, pull request 621, April 2023).
DEPRECATED_IMAGES = frozenset(
    {
        "aws/codebuild/standard:1.0",
        "aws/codebuild/standard:2.0",
        "aws/codebuild/standard:3.0",
        "aws/codebuild/standard:4.0",
        "aws/codebuild/amazonlinux2-x86_64-standard:1.0",
        "aws/codebuild/amazonlinux2-x86_64-standard:2.0",
        "aws/codebuild/amazonlinux2-x86_64-standard:3.0",
        "aws/codebuild/amazonlinux2-aarch64-standard:1.0",
        "aws/codebuild/windows-base:1.0",
        "aws/codebuild/windows-base:2.0",
    }
)
# The language images that came before the standard images (aws/codebuild/nodejs:10.14.1, ...).
LEGACY_IMAGE = re.compile(
    r"^aws/codebuild/(?:nodejs|python|java|golang|ruby|php|dot-net|docker|android-java-8|"
    r"ubuntu-base|eb-[a-z0-9-]+):"
)
# Node.js majors an image offers to runtime-versions, from the image's runtimes.yml in
# aws/aws-codebuild-docker-images (only images whose file we read).
IMAGE_NODE_MAJORS = {"aws/codebuild/standard:4.0": ("10", "12")}

# Far more machine than an `npm ci`: 36 and 72 vCPUs (CodeBuild API reference, ProjectEnvironment).
OVERSIZED = {"BUILD_GENERAL1_XLARGE": "36 vCPUs, 72 GiB", "BUILD_GENERAL1_2XLARGE": "72 vCPUs, 144 GiB"}

NODE_COMMAND = re.compile(r"(?:^|[\s;&|(])(?:npm|npx|node|yarn|pnpm)(?:\s|$)")


def lambda_node_majors(t: Template) -> set[str]:
    """Node.js majors of the application's Lambda functions (nodejs24.x -> 24): the deployment's
    own helpers (custom resource providers, traffic hooks) are not what the builds build."""
    majors = (node_major(t.props(lid).get("Runtime")) for lid, _ in application_functions(t))
    return {m for m in majors if m}


def _is_node_build(t: Template, lid: str) -> bool:
    spec = t.buildspec(lid)
    if spec is not None:
        return spec.runtime_version("nodejs") is not None or _runs_node(spec)
    return bool(lambda_node_majors(t))  # no inline buildspec: judge by what the stack deploys


def _runs_node(spec: BuildSpec) -> bool:
    return any(NODE_COMMAND.search(c) for c in spec.all_commands())


def _env(props: dict[str, Json]) -> dict[str, Json]:
    env = props.get("Environment")
    return env if isinstance(env, dict) else {}


@check(
    id="PP04-WINDOWS-IMAGE",
    scenario=4,
    severity="error",
    requirement="A Node.js Lambda is built on a Linux image.",
    rationale=(
        "Lambda runs the package on Amazon Linux. On a Windows image the Linux shell commands of "
        "the buildspec (zip, [ -d ]) do not exist, and native modules npm compiles are Windows "
        "binaries the function cannot load. Windows also starts at the MEDIUM compute type."
    ),
    fix="environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0)",
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-available.html",
)
def windows_image(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(PROJECT):
        props = t.props(lid)
        env_type = str(_env(props).get("Type", ""))
        if env_type.startswith("WINDOWS") and _is_node_build(t, lid):
            yield lid, f"builds Node.js on {env_type} ({_env(props).get('Image')})"


@check(
    id="PP04-NO-BUILDSPEC",
    scenario=4,
    severity="warning",
    requirement="A project says where its buildspec is: inline, or a named file.",
    rationale=(
        "Without a BuildSpec, CodeBuild reads buildspec.yml from the root of the source; when "
        "the upload has none, every build fails in DOWNLOAD_SOURCE with YAML_FILE_ERROR."
    ),
    fix=(
        "build_spec=codebuild.BuildSpec.from_object({...}) (inline, versioned with the "
        "pipeline), or BuildSpec.from_source_filename('buildspec.yml') to make the file explicit."
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
)
def no_buildspec(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(PROJECT):
        source = t.props(lid).get("Source") or {}
        if source.get("Type") != "NO_SOURCE" and not source.get("BuildSpec"):
            yield lid, "no BuildSpec: the build depends on a buildspec.yml in the source"


def _pipeline_build_outputs(t: Template) -> Iterator[tuple[str, str, list[str]]]:
    """(pipeline, project, output artifact names) for every CodeBuild action with outputs."""
    for pid, _ in t.resources(PIPELINE):
        for action in pipeline_actions(t.props(pid)):
            if action.provider == "CodeBuild" and action.project and action.outputs:
                yield pid, action.project, list(action.outputs)


@check(
    id="PP04-NO-ARTIFACTS",
    scenario=4,
    severity="error",
    requirement="A build whose action declares an output artifact says which files it contains.",
    rationale=(
        "The pipeline action promises an artifact to the next stage, but a buildspec without an "
        "artifacts section names no files: the deploy stage receives nothing to deploy."
    ),
    fix="Add artifacts={'files': ['function.zip']} to the buildspec of the build project.",
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
)
def no_artifacts(t: Template) -> Iterator[Violation]:
    for pid, project, outputs in _pipeline_build_outputs(t):
        spec = t.buildspec(project)
        if spec is None:
            continue  # buildspec read from the source: not visible here
        artifacts = spec.data.get("artifacts")
        if not isinstance(artifacts, dict) or not (artifacts.get("files")
                                                   or artifacts.get("secondary-artifacts")):
            yield project, (
                f"feeds artifact {', '.join(outputs)} of {pid} but its buildspec has no "
                "artifacts files"
            )


@check(
    id="PP04-DEPRECATED-IMAGE",
    scenario=4,
    severity="warning",
    requirement="Projects run on a build image AWS still maintains.",
    rationale=(
        "A deprecated image gets no security patches and no new runtimes: standard:4.0 offers "
        "Node.js 10 and 12 only, so a buildspec asking for the function's Node.js fails in INSTALL."
    ),
    fix="codebuild.LinuxBuildImage.STANDARD_7_0 (or AMAZON_LINUX_2023_5).",
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-available.html",
)
def deprecated_image(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(PROJECT):
        image = str(_env(t.props(lid)).get("Image", ""))
        if image in DEPRECATED_IMAGES or LEGACY_IMAGE.match(image):
            offers = IMAGE_NODE_MAJORS.get(image)
            extra = f"; it offers nodejs {' and '.join(offers)} only" if offers else ""
            yield lid, f"uses the deprecated image {image}{extra}"


@check(
    id="PP04-RUNTIME-MISMATCH",
    scenario=4,
    severity="warning",
    requirement="The build pins Node.js to the major version the Lambda function runs on.",
    rationale=(
        "Tests that pass on the image's default Node.js, or on another major, say nothing about "
        "the function's runtime; the default also changes when CodeBuild updates the image."
    ),
    fix=(
        "In the install phase: 'runtime-versions': {'nodejs': NODE_MAJOR}, with NODE_MAJOR "
        "derived from the function's lambda_.Runtime."
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/runtime-versions.html",
)
def runtime_mismatch(t: Template) -> Iterator[Violation]:
    majors = lambda_node_majors(t)
    if not majors:
        return
    want = " or ".join(sorted(majors))
    for lid, _ in t.resources(PROJECT):
        props = t.props(lid)
        spec = t.buildspec(lid)
        if spec is None or str(_env(props).get("Type", "")).startswith("WINDOWS"):
            continue
        version = spec.runtime_version("nodejs")
        if version is None:
            if _runs_node(spec):
                yield lid, f"runs npm/node without runtime-versions nodejs (the function runs {want})"
        elif version.split(".", 1)[0] not in majors:
            yield lid, f"runtime-versions nodejs {version}, but the function runs Node.js {want}"


@check(
    id="PP04-OVERSIZED-COMPUTE",
    scenario=4,
    severity="warning",
    requirement="A Node.js build runs on a compute type sized to the job.",
    rationale=(
        "An npm install, test and zip uses one or two cores; BUILD_GENERAL1_XLARGE and 2XLARGE "
        "bill every build minute for 36 or 72 vCPUs that sit idle."
    ),
    fix="compute_type=codebuild.ComputeType.SMALL (2 vCPUs, 4 GiB); MEDIUM for heavy test suites.",
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html",
)
def oversized_compute(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(PROJECT):
        props = t.props(lid)
        compute = str(_env(props).get("ComputeType", ""))
        if compute in OVERSIZED and _is_node_build(t, lid):
            yield lid, f"{compute} ({OVERSIZED[compute]}) for a Node.js build"
