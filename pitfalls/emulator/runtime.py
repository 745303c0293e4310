"""What runs on the local AWS (builds, functions, alarms, CodeDeploy releases): the moto
functions it replaces or adds, in the form of `patches.PATCH_POINTS`, installed by `install()`.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.patches import Patch, resolve

RUNTIME_PATCHES: list[Patch] = [
    Patch("moto.codebuild.responses:CodeBuildResponse.start_build",
          "builds run: the buildspec executes here (moto records a build and calls it SUCCEEDED)",
          "64605611d794cd6c3ee383df5cc8cfbee0853b0b50fff1810fa32efffed2aade"),
    Patch("moto.codebuild.responses:CodeBuildResponse.batch_get_builds",
          "BatchGetBuilds answers what the build really did",
          "046241374f0f9038e28aaf87b08e5774ca1ffef668d33fbdeee3811e276ccbcd"),
    Patch("moto.codebuild.responses:CodeBuildResponse.stop_build",
          "StopBuild ends the running command",
          "a37ab21f9121a88bc7cbf40ae9f1000cd014eee1e27b97dfefc0bff2b0e22742"),
    Patch("moto.codebuild.models:CodeBuildBackend.list_builds_for_project",
          "newest build first, as CodeBuild's default sort order",
          "9b36b502fd166c9169def1e0f54961c54dcc966626e680311b4b2f87a543cbd1"),
    Patch("moto.codebuild.models:CodeBuildBackend.list_builds",
          "newest build first, as CodeBuild's default sort order",
          "1ef1eed4d5338df1fd724ce9400e13545301fb0e2e4eaa991d758056de4a3e62"),
    Patch("moto.codebuild.responses:CodeBuildResponse.batch_get_reports",
          "CodeBuild test reports: moto has none (added)", None),
    Patch("moto.codebuild.responses:CodeBuildResponse.describe_test_cases",
          "CodeBuild test reports: moto has none (added)", None),
    Patch("moto.codebuild.responses:CodeBuildResponse.list_reports_for_report_group",
          "CodeBuild test reports: moto has none (added)", None),
    Patch("moto.codebuild.responses:CodeBuildResponse.list_reports",
          "CodeBuild test reports: moto has none (added)", None),
    Patch("moto.awslambda.models:LambdaBackend.invoke",
          "functions run on the local Node (moto needs Docker, or answers a canned reply)",
          "708fb4c92029f2dc29aa3f3f1826f7552de95ad6bfd1fa3fda9eda0f97ce4d61"),
    Patch("moto.awslambda.responses:LambdaResponse.invoke",
          "Invoke honours its Qualifier (moto read a parameter the SDKs never send, so a version "
          "or alias invocation ran $LATEST)",
          "8f68f0bf023a3eb476e13ab0f688e6fbde8462c194532e8ce67421dbeb91c44b"),
    Patch("moto.cloudwatch.models:CloudWatchBackend.get_metric_statistics",
          "GetMetricStatistics answers exactly the dimensions asked for (moto summed every "
          "datapoint that had them among others)",
          "844bf661c8f9b2d658376bfd31721dbb418b47126f0f5b10d1b8422d3477dd35"),
    Patch("moto.codedeploy.responses:CodeDeployResponse.create_deployment",
          "deployments run: traffic shifts, hooks, alarms, rollback (moto records a deployment "
          "that stays Created)",
          "71cbfa0c9b610beedb7c5ad081785be2d6ac4e222841f1b903e2f13c1a4f2266"),
    Patch("moto.codedeploy.responses:_deployment_info",
          "GetDeployment answers errorInformation and rollbackInfo (moto leaves them empty)",
          "f0e2e4a2127d314324c696955f1f6c396a32396010a9974b188af5ca97ba60de"),
    Patch("moto.codedeploy.responses:CodeDeployResponse.put_lifecycle_event_hook_execution_status",
          "hooks answer the deployment that waits for them (added)", None),
    Patch("moto.codedeploy.responses:CodeDeployResponse.stop_deployment",
          "StopDeployment (added)", None),
    Patch("moto.codedeploy.responses:CodeDeployResponse.get_application_revision",
          "GetApplicationRevision, which the course's pre-traffic hook reads (added)", None),
]


def replacements() -> dict[str, Any]:
    from pitfalls.emulator import alarms, builds, functions, releases, reports

    return {
        "moto.codebuild.responses:CodeBuildResponse.start_build": builds.api_start_build,
        "moto.codebuild.responses:CodeBuildResponse.batch_get_builds":
            builds.api_batch_get_builds,
        "moto.codebuild.responses:CodeBuildResponse.stop_build": builds.api_stop_build,
        "moto.codebuild.models:CodeBuildBackend.list_builds_for_project":
            builds.list_builds_for_project,
        "moto.codebuild.models:CodeBuildBackend.list_builds": builds.list_builds,
        "moto.codebuild.responses:CodeBuildResponse.batch_get_reports": reports.batch_get_reports,
        "moto.codebuild.responses:CodeBuildResponse.describe_test_cases":
            reports.describe_test_cases,
        "moto.codebuild.responses:CodeBuildResponse.list_reports_for_report_group":
            reports.list_reports_for_report_group,
        "moto.codebuild.responses:CodeBuildResponse.list_reports": reports.list_reports,
        "moto.awslambda.models:LambdaBackend.invoke": functions.api_invoke,
        "moto.awslambda.responses:LambdaResponse.invoke": functions.api_invoke_response,
        "moto.cloudwatch.models:CloudWatchBackend.get_metric_statistics":
            alarms.get_metric_statistics,
        "moto.codedeploy.responses:CodeDeployResponse.create_deployment":
            releases.api_create_deployment,
        "moto.codedeploy.responses:_deployment_info": releases.deployment_info,
        "moto.codedeploy.responses:CodeDeployResponse.put_lifecycle_event_hook_execution_status":
            releases.api_put_lifecycle_event_hook_execution_status,
        "moto.codedeploy.responses:CodeDeployResponse.stop_deployment":
            releases.api_stop_deployment,
        "moto.codedeploy.responses:CodeDeployResponse.get_application_revision":
            releases.api_get_application_revision,
    }


_installed = False


def install() -> None:
    """Apply every runtime patch and start the background workers (idempotent)."""
    global _installed
    if _installed:
        return
    found = replacements()
    for patch in RUNTIME_PATCHES:
        owner, attr, _current = resolve(patch.target)
        setattr(owner, attr, found[patch.target])
    from pitfalls.emulator import alarms

    alarms.start()
    _installed = True


def shutdown() -> None:
    from pitfalls.emulator import functions

    functions.shutdown()
