"""Exercise 04's answer: the Build stage's project, capped at 15 minutes, npm's cache kept."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_codebuild as codebuild
from constructs import Construct

from solutions.codebuild_configuration import PACKAGE_FILES
from solutions.lambda_runtime import APP_DIR, NODE_MAJOR


class PackageBuild(Construct):
    """Linux, small, the function's Node.js; the package handed on; bounded and cached."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            build_spec=codebuild.BuildSpec.from_object({
                "version": "0.2",
                "phases": {
                    "install": {
                        "runtime-versions": {"nodejs": NODE_MAJOR},
                        "commands": [f"npm --prefix {APP_DIR} ci --omit=dev"],
                    },
                    "pre_build": {"commands": [f"npm --prefix {APP_DIR} run lint"]},
                },
                "artifacts": {"base-directory": APP_DIR, "files": PACKAGE_FILES},
                # What the custom cache keeps: npm's downloads, so `npm ci` does not fetch them again.
                "cache": {"paths": ["/root/.npm/**/*"]},
            }),
            cache=codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
            timeout=Duration.minutes(15),
        )
