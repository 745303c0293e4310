"""CodeBuild builds run on the local AWS: the buildspec's commands really execute here.

Each test names the AWS documentation page the behaviour follows.
"""

from __future__ import annotations

import io
import json
import zipfile

from pitfalls.emulator.verify import Clients
from tests.emulator.conftest import HOST_SECRET, HOST_SECRET_KEY_ID
from tests.emulator.runtime_kit import LINUX, build, build_log, phases, project, role, zipped

PHASE_ORDER = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
               "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]


def test_a_build_runs_its_commands_and_its_output_is_in_cloudwatch_logs(
        runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/view-build-details-phases.html
    (phases in order) and https://docs.aws.amazon.com/codebuild/latest/APIReference/
    API_LogsConfig.html (the default group /aws/codebuild/<project>, or the one LogsConfig names)."""
    c = runtime_aws
    spec = ("version: 0.2\nphases:\n  build:\n    commands:\n"
            "      - echo computed $((6 * 7))\n      - cd /tmp && pwd\n      - pwd\n")
    found = build(c, project(c, "b-logs", spec))
    assert found["buildStatus"] == "SUCCEEDED"
    assert [p["phaseType"] for p in found["phases"]] == PHASE_ORDER
    assert found["logs"]["groupName"] == "/aws/codebuild/b-logs"
    text = build_log(c, found)
    assert "computed 42" in text  # the shell did the arithmetic: the command ran
    assert text.count("\n/tmp\n") == 2  # the second pwd is still in /tmp: cd carried over
    named = build(c, project(c, "b-logs-named", spec, logsConfig={"cloudWatchLogs": {
        "status": "ENABLED", "groupName": "team/builds", "streamName": "ci"}}))
    assert named["logs"]["groupName"] == "team/builds"
    assert named["logs"]["streamName"].startswith("ci/")
    assert "computed 42" in build_log(c, named)


def test_a_failing_command_fails_its_phase_and_finally_still_runs(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html (finally runs
    after a failed command; the rest of the commands are skipped) and view-build-details-phases
    (a BUILD failure still runs POST_BUILD; a PRE_BUILD failure ends the build)."""
    c = runtime_aws
    spec = """version: 0.2
phases:
  build:
    commands:
      - echo before
      - exit 3
      - echo never-printed
    finally:
      - echo finally-ran
  post_build:
    commands:
      - echo post-build succeeding=$CODEBUILD_BUILD_SUCCEEDING
"""
    found = build(c, project(c, "b-fail", spec))
    assert found["buildStatus"] == "FAILED"
    assert phases(found)["BUILD"] == "FAILED"
    assert phases(found)["POST_BUILD"] == "SUCCEEDED"
    (context,) = next(p for p in found["phases"] if p["phaseType"] == "BUILD")["contexts"]
    assert context["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert "exit 3" in context["message"] and "exit status 3" in context["message"]
    text = build_log(c, found)
    assert "finally-ran" in text and "never-printed" not in text
    assert "post-build succeeding=0" in text

    early = build(c, project(c, "b-fail-early", spec.replace("  build:", "  pre_build:")))
    assert phases(early)["PRE_BUILD"] == "FAILED"
    assert "BUILD" not in phases(early) and "POST_BUILD" not in phases(early)
    assert early["currentPhase"] == "COMPLETED"


def test_on_failure_continue_goes_on_and_abort_stops(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.phases.on-failure"""
    c = runtime_aws
    spec = """version: 0.2
phases:
  pre_build:
    on-failure: {mode}
    commands: [false]
  build:
    commands: [echo build-ran]
"""
    going_on = build(c, project(c, "b-continue", spec.format(mode="CONTINUE")))
    assert going_on["buildStatus"] == "FAILED"
    assert phases(going_on)["PRE_BUILD"] == "FAILED" and phases(going_on)["BUILD"] == "SUCCEEDED"
    assert "build-ran" in build_log(c, going_on)
    stopped = build(c, project(c, "b-abort", spec.format(mode="ABORT")))
    assert "BUILD" not in phases(stopped) and "build-ran" not in build_log(c, stopped)


def test_variables_parameter_store_secrets_and_exported_variables(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html (env:
    variables, parameter-store, secrets-manager, exported-variables) and
    https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html
    (CODEBUILD_* variables; the project's variables win over the buildspec's, StartBuild's over
    both)."""
    c = runtime_aws
    c.ssm.put_parameter(Name="/app/db-host", Value="db.internal", Type="String")
    c.secretsmanager.create_secret(Name="app/creds", SecretString=json.dumps({"user": "ci"}))
    spec = """version: 0.2
env:
  variables: {STAGE: from-buildspec, COLOUR: blue}
  parameter-store: {DB_HOST: /app/db-host}
  secrets-manager: {DB_USER: "app/creds:user"}
  exported-variables: [RELEASE, STAGE]
phases:
  build:
    commands:
      - echo "stage=$STAGE colour=$COLOUR db=$DB_HOST user=$DB_USER id=$CODEBUILD_BUILD_ID"
      - RELEASE=r$CODEBUILD_BUILD_NUMBER-$COLOUR
"""
    name = project(c, "b-env", spec, environment={**LINUX, "environmentVariables": [
        {"name": "STAGE", "value": "from-project", "type": "PLAINTEXT"}]})
    found = build(c, name, environmentVariablesOverride=[
        {"name": "COLOUR", "value": "green", "type": "PLAINTEXT"}])
    assert found["buildStatus"] == "SUCCEEDED"
    text = build_log(c, found)
    assert f"stage=from-project colour=green db=db.internal user=ci id={found['id']}" in text
    assert found["exportedEnvironmentVariables"] == [
        {"name": "RELEASE", "value": "r1-green"}, {"name": "STAGE", "value": "from-project"}]

    missing = build(c, project(c, "b-env-missing", spec.replace("/app/db-host", "/app/nope")))
    assert missing["buildStatus"] == "FAILED" and phases(missing)["DOWNLOAD_SOURCE"] == "FAILED"
    assert "/app/nope" in missing["phases"][3]["contexts"][0]["message"]


def test_artifacts_are_zipped_as_the_buildspec_says(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.artifacts
    (files, base-directory, discard-paths, name with overrideArtifactName), from an S3 source."""
    c = runtime_aws
    c.s3.create_bucket(Bucket="b-src")
    c.s3.create_bucket(Bucket="b-out")
    spec = """version: 0.2
phases:
  build:
    commands:
      - mkdir -p dist/lib && cp app.js dist/ && echo x > dist/lib/util.js && echo n > notes.txt
artifacts:
  base-directory: dist
  files: ['**/*']
  discard-paths: yes
  name: app-$CODEBUILD_BUILD_NUMBER.zip
"""
    c.s3.put_object(Bucket="b-src", Key="src.zip",
                    Body=zipped({"app.js": "console.log(1)", "buildspec.yml": spec}))
    c.codebuild.create_project(
        name="b-art", source={"type": "S3", "location": "b-src/src.zip"},
        artifacts={"type": "S3", "location": "b-out", "path": "builds", "name": "default.zip",
                   "packaging": "ZIP", "overrideArtifactName": True},
        environment=LINUX, serviceRole=role(c))
    found = build(c, "b-art")
    assert found["buildStatus"] == "SUCCEEDED", found["phases"]
    assert found["artifacts"]["location"] == "arn:aws:s3:::b-out/builds/app-$CODEBUILD_BUILD_NUMBER.zip" \
        or found["artifacts"]["location"].startswith("arn:aws:s3:::b-out/builds/app-")
    key = found["artifacts"]["location"].split(":::b-out/", 1)[1]
    body = c.s3.get_object(Bucket="b-out", Key=key)["Body"].read()
    assert sorted(zipfile.ZipFile(io.BytesIO(body)).namelist()) == ["app.js", "util.js"]

    none = build(c, project(c, "b-art-none", "version: 0.2\nphases:\n  build:\n    commands: "
                            "[true]\nartifacts:\n  files: [missing/*]\n",
                            artifacts={"type": "S3", "location": "b-out", "name": "x.zip",
                                       "packaging": "ZIP"}))
    assert phases(none)["UPLOAD_ARTIFACTS"] == "FAILED"
    assert "no matching artifact paths found" in str(none["phases"])


def test_a_junit_report_is_readable_with_describe_test_cases(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/test-reporting.html (JUNITXML
    reports into a report group named <project>-<name>) and
    https://docs.aws.amazon.com/codebuild/latest/APIReference/API_DescribeTestCases.html"""
    c = runtime_aws
    spec = """version: 0.2
phases:
  build:
    commands:
      - |
        cat > app.test.mjs <<'END'
        import { test } from "node:test";
        import assert from "node:assert";
        test("adds", () => assert.equal(1 + 1, 2));
        test("breaks", () => assert.equal(1 + 1, 3));
        END
      - node --test --test-reporter=junit --test-reporter-destination=junit.xml app.test.mjs
reports:
  unit:
    files: [junit.xml]
    file-format: JUNITXML
"""
    found = build(c, project(c, "b-report", spec))
    assert found["buildStatus"] == "FAILED"  # a test failed, so did node --test
    (arn,) = found["reportArns"]
    (report,) = c.codebuild.batch_get_reports(reportArns=[arn])["reports"]
    assert report["reportGroupArn"].endswith(":report-group/b-report-unit")
    assert report["status"] == "FAILED" and report["testSummary"]["total"] == 2
    cases = c.codebuild.describe_test_cases(reportArn=arn)["testCases"]
    assert {t["name"]: t["status"] for t in cases} == {"adds": "SUCCEEDED", "breaks": "FAILED"}
    failed = c.codebuild.describe_test_cases(reportArn=arn, filter={"status": "FAILED"})
    assert [t["name"] for t in failed["testCases"]] == ["breaks"]
    assert arn in c.codebuild.list_reports_for_report_group(
        reportGroupArn=report["reportGroupArn"])["reports"]


def test_a_runtime_this_machine_cannot_provide_fails_the_build(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/runtime-versions.html"""
    c = runtime_aws
    spec = ("version: 0.2\nphases:\n  install:\n    runtime-versions:\n      nodejs: {v}\n"
            "    commands: [node --version]\n")
    ok = build(c, project(c, "b-node-24", spec.format(v=24)))
    assert ok["buildStatus"] == "SUCCEEDED" and "v24." in build_log(c, ok)
    found = build(c, project(c, "b-node-18", spec.format(v=18)))
    assert found["buildStatus"] == "FAILED" and phases(found)["INSTALL"] == "FAILED"
    message = str(found["phases"])
    assert "'18' of nodejs" in message and "24" in message


def test_what_cannot_run_here_fails_with_a_reason(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html
    (Windows and privileged environments): the local AWS cannot give them, and says so."""
    c = runtime_aws
    spec = "version: 0.2\nphases:\n  build:\n    commands: [echo ran]\n"
    cases = {
        "b-docker": ({**LINUX, "privilegedMode": True}, "privileged mode"),
        "b-windows": ({"type": "WINDOWS_CONTAINER",
                       "image": "aws/codebuild/windows-base:2019-3.0",
                       "computeType": "BUILD_GENERAL1_MEDIUM"}, "Windows"),
        "b-custom": ({**LINUX, "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/b:1"},
                     "custom image"),
    }
    for name, (environment, reason) in cases.items():
        found = build(c, project(c, name, spec, environment=environment))
        assert found["buildStatus"] == "FAILED", name
        assert phases(found)["PROVISIONING"] == "FAILED", name
        assert reason in found["phases"][2]["contexts"][0]["message"], name
        assert "ran" not in build_log(c, found).split("\n"), name


def test_the_project_timeout_ends_a_build_on_the_compressed_clock(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/APIReference/API_Project.html
    (timeoutInMinutes, 5 at least): 5 minutes at PITFALLS_EMULATOR_CLOCK=60 take 5 s."""
    c = runtime_aws
    spec = "version: 0.2\nphases:\n  build:\n    commands: [sleep 60, echo never]\n"
    found = build(c, project(c, "b-timeout", spec, timeoutInMinutes=5), timeout=20)
    assert found["buildStatus"] == "TIMED_OUT"
    assert phases(found)["BUILD"] == "TIMED_OUT"
    assert "UPLOAD_ARTIFACTS" not in phases(found)
    assert 4 <= (found["endTime"] - found["startTime"]).total_seconds() < 15


def test_a_buildspec_that_does_not_parse_fails_with_the_line(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html (a buildspec
    must be valid YAML): a bad one fails DOWNLOAD_SOURCE with YAML_FILE_ERROR."""
    c = runtime_aws
    found = build(c, project(c, "b-yaml", "version: 0.2\nphases:\n  build:\n   - [unclosed\n"))
    assert phases(found)["DOWNLOAD_SOURCE"] == "FAILED"
    context = found["phases"][3]["contexts"][0]
    assert context["statusCode"] == "YAML_FILE_ERROR" and "line" in context["message"]


def test_a_buildspec_sees_only_the_local_aws_identity(runtime_aws: Clients) -> None:
    """Security: the emulator was started with host credentials in its environment and a
    ~/.aws/credentials in its HOME; a build that prints AWS_ACCESS_KEY_ID, reads ~/.aws and asks
    STS who it is sees the local AWS's fake identity only
    (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html: the
    environment and the shared files are where SDKs look)."""
    c = runtime_aws
    spec = """version: 0.2
phases:
  build:
    commands:
      - echo "key=$AWS_ACCESS_KEY_ID profile=${AWS_PROFILE:-none}"
      - cat ~/.aws/credentials || echo no-aws-dir
      - env | grep -c AKIAHOST || true
      - >-
        python -c "import boto3; i = boto3.client('sts').get_caller_identity();
        print('sts', i['Account'], i['Arn'])"
      - node -e "console.log('node-env', process.env.AWS_SECRET_ACCESS_KEY)"
"""
    found = build(c, project(c, "b-secure", spec))
    assert found["buildStatus"] == "SUCCEEDED", build_log(c, found)
    text = build_log(c, found)
    assert HOST_SECRET_KEY_ID not in text and HOST_SECRET not in text
    assert "key=pitfalls-local-emulator profile=none" in text
    assert "no-aws-dir" in text
    assert "sts 123456789012 " in text
    assert "node-env pitfalls-local-emulator-secret" in text
