"""Pipelines execute on the local AWS: triggers, stages and run orders, artifacts, variables,
failures, rollback, execution modes, state-change events and notification rules.

Each pipeline is made through the CodePipeline API over a small world of resources deployed
through the emulator's CloudFormation (`pipelines.WORLD`); each test names, in its docstring, the
AWS documentation page whose behaviour it checks.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pitfalls.emulator.settings import PIPELINE_POLL_SECONDS

from .conftest import Emulator
from .pipelines import (
    World,
    action,
    actions_of,
    approval,
    deploy,
    drain,
    executions,
    finished,
    latest_finished,
    make_pipeline,
    make_world,
    queue,
    s3_source,
    stage,
    stage_states,
    wait_for,
)
from .runtime_kit import zipped

# An application stack: an SSM parameter holding the Version it was deployed with.
APP = {
    "Parameters": {"Version": {"Type": "String", "Default": "none"}},
    "Resources": {"Value": {"Type": "AWS::SSM::Parameter",
                            "Properties": {"Type": "String", "Value": {"Ref": "Version"}}}},
    "Outputs": {"Version": {"Value": {"Ref": "Version"}}},
}
BAD_TYPE = {"Resources": {"Net": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}}}


@pytest.fixture(scope="module")
def world(emulator: Emulator) -> World:
    return make_world(emulator.clients)


def _upload(world: World, key: str, files: dict[str, str]) -> str:
    return str(world.c.s3.put_object(Bucket=world["Sources"], Key=key,
                                     Body=zipped(files))["VersionId"])


def _deployed_version(world: World, stack: str) -> str:
    outputs = world.c.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    return str({o["OutputKey"]: o["OutputValue"] for o in outputs}["Version"])


def _record_events(world: World, name: str) -> str:
    """A rule sending every state-change event of pipeline `name` to a queue; the queue URL."""
    url, arn = queue(world.c, f"{name}-events")
    world.c.events.put_rule(Name=f"{name}-events", EventPattern=json.dumps(
        {"source": ["aws.codepipeline"], "detail": {"pipeline": [name]}}))
    world.c.events.put_targets(Rule=f"{name}-events", Targets=[{"Id": "q", "Arn": arn}])
    return url


def _trigger_rule(world: World, name: str, key: str) -> str:
    """The EventBridge rule the CDK writes for an S3 source with S3Trigger.EVENTS."""
    bucket = world["Sources"]
    world.c.events.put_rule(Name=f"{name}-source", EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"resources": {"ARN": [f"arn:aws:s3:::{bucket}/{key}"]},
                   "eventName": ["CompleteMultipartUpload", "CopyObject", "PutObject"],
                   "requestParameters": {"bucketName": [bucket], "key": [key]}}}))
    world.c.events.put_targets(Rule=f"{name}-source", Targets=[{
        "Id": "pipeline", "Arn": f"arn:aws:codepipeline:us-east-1:123456789012:{name}",
        "RoleArn": world["PipelineRole"]}])
    return str(world.c.events.describe_rule(Name=f"{name}-source")["Arn"])


def _trail(world: World, name: str, selects: str, read_write: str = "WriteOnly") -> None:
    c = world.c
    c.cloudtrail.create_trail(Name=name, S3BucketName=world["Artifacts"])
    c.cloudtrail.put_event_selectors(TrailName=name, EventSelectors=[{
        "ReadWriteType": read_write, "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [selects]}]}])
    c.cloudtrail.start_logging(Name=name)


def test_upload_runs_the_pipeline_end_to_end_when_a_trail_records_it(world: World) -> None:
    """An upload starts the pipeline through the rule CDK writes for S3Trigger.EVENTS, because a
    trail records the object's write data events
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/create-cloudtrail-S3-source.html);
    source -> CodeBuild (its exported variable) -> CloudFormation deploy, artifacts SSE-KMS
    encrypted with the store's key
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/S3-artifact-encryption.html)."""
    c, name, key = world.c, "e2e", "e2e/app.zip"
    events = _record_events(world, name)
    rule = _trigger_rule(world, name, key)
    _trail(world, "e2e-trail", f"arn:aws:s3:::{world['Sources']}/e2e/")
    make_pipeline(world, name, [
        stage("Source", s3_source(world, key)),
        stage("Build", action("Build", "CodeBuild", "Build", configuration={
            "ProjectName": world["Build"], "EnvironmentVariables": json.dumps(
                [{"name": "V", "value": "#{SourceVariables.VersionId}", "type": "PLAINTEXT"}])},
            inputArtifacts=[{"name": "Src"}], namespace="BuildVariables")),
        stage("Deploy", deploy(world, "e2e-app", ParameterOverrides=json.dumps(
            {"Version": "#{BuildVariables.GREETING}"}))),
    ])
    created = latest_finished(c, name)
    assert (created["trigger"]["triggerType"], created["status"]) == ("CreatePipeline", "Failed")
    drain(c, events)
    version = _upload(world, key, {"app.json": json.dumps(APP)})
    run = latest_finished(c, name, count=2)
    ran = actions_of(c, name, run["pipelineExecutionId"])
    assert run["status"] == "Succeeded", [v["output"]["executionResult"] for v in ran.values()]
    assert run["trigger"] == {"triggerType": "CloudWatchEvent", "triggerDetail": rule}
    assert [r["revisionId"] for r in run["artifactRevisions"]] == [version]
    assert _deployed_version(world, "e2e-app") == f"hello-{version}"  # exported by the build
    assert ran["Build/Build"]["output"]["outputVariables"] == {"GREETING": f"hello-{version}"}
    assert set(ran) == {"Source/Source", "Build/Build", "Deploy/Deploy"}
    assert json.loads(ran["Build/Build"]["input"]["resolvedConfiguration"][
        "EnvironmentVariables"])[0]["value"] == version
    for out in ran["Source/Source"]["output"]["outputArtifacts"]:
        head = c.s3.head_object(Bucket=out["s3location"]["bucket"], Key=out["s3location"]["key"])
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", world["Key"])
    got = drain(c, events)
    states = [(e["detail-type"].split()[1], e["detail"].get("stage", ""),
               e["detail"].get("action", ""), e["detail"]["state"]) for e in got]
    assert states[0] == ("Pipeline", "", "", "STARTED") and states[-1] == (
        "Pipeline", "", "", "SUCCEEDED")
    assert ("Stage", "Deploy", "", "SUCCEEDED") in states
    assert ("Action", "Build", "Build", "SUCCEEDED") in states
    started = got[0]["detail"]
    assert started["execution-trigger"] == {"trigger-type": "CloudWatchEvent",
                                            "trigger-detail": rule}
    assert got[0]["resources"] == [f"arn:aws:codepipeline:us-east-1:123456789012:{name}"]
    source_done = next(e["detail"] for e in got if e["detail"].get("action") == "Source"
                       and e["detail"]["state"] == "SUCCEEDED")
    assert source_done["type"] == {"owner": "AWS", "provider": "S3", "category": "Source",
                                   "version": "1"}
    assert source_done["output-artifacts"][0]["name"] == "Src"


def test_no_trail_recording_the_write_no_execution(world: World) -> None:
    """The same rule stays silent while no trail records the object's write data events (a
    read-only selector, another prefix), as on AWS
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html);
    once a trail records them, the next upload starts the pipeline."""
    c, name, key = world.c, "quiet", "quiet/app.zip"
    _trigger_rule(world, name, key)
    _trail(world, "quiet-reads", f"arn:aws:s3:::{world['Sources']}/quiet/", "ReadOnly")
    _trail(world, "quiet-elsewhere", f"arn:aws:s3:::{world['Sources']}/elsewhere/")
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Deploy", deploy(world, "quiet-app"))])
    latest_finished(c, name)
    _upload(world, key, {"app.json": json.dumps(APP)})
    with pytest.raises(AssertionError, match="timed out"):
        wait_for("a second execution", lambda: len(executions(c, name)) > 1, timeout=1.5)
    c.cloudtrail.put_event_selectors(TrailName="quiet-elsewhere", EventSelectors=[{
        "ReadWriteType": "All", "DataResources": [
            {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{world['Sources']}/quiet/"]}]}])
    _upload(world, key, {"app.json": json.dumps(APP)})
    assert latest_finished(c, name, count=2)["trigger"]["triggerType"] == "CloudWatchEvent"


def test_polling_source_starts_on_a_new_version(world: World) -> None:
    """PollForSourceChanges (the default) starts an execution when the object changes
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html),
    checked every PITFALLS_EMULATOR_POLL_SECONDS here."""
    c, name, key = world.c, "polled", "polled/app.zip"
    make_pipeline(world, name, [stage("Source", s3_source(world, key, poll=True)),
                                stage("Deploy", deploy(world, "polled-app"))])
    latest_finished(c, name)
    version = _upload(world, key, {"app.json": json.dumps(APP)})
    run = latest_finished(c, name, count=2, timeout=PIPELINE_POLL_SECONDS + 10)
    assert run["trigger"] == {"triggerType": "PollForSourceChanges", "triggerDetail": "Source"}
    assert (run["status"], run["artifactRevisions"][0]["revisionId"]) == ("Succeeded", version)


def _action_state(c: Any, name: str, stage_name: str, action_name: str) -> dict[str, Any]:
    states = stage_states(c, name)[stage_name]["actionStates"]
    return next(a for a in states if a["actionName"] == action_name).get("latestExecution", {})


def _approve(c: Any, name: str, stage_name: str, action_name: str, ok: bool = True) -> None:
    token = wait_for(f"{action_name} to wait for approval", lambda: _action_state(
        c, name, stage_name, action_name).get("token"))
    c.codepipeline.put_approval_result(
        pipelineName=name, stageName=stage_name, actionName=action_name, token=token,
        result={"summary": "looks good" if ok else "no", "status": "Approved" if ok
                else "Rejected"})


def test_actions_of_one_run_order_run_in_parallel(world: World) -> None:
    """Actions with the same runOrder run at the same time; the next runOrder waits for all
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html#action-requirements)."""
    c, name, key = world.c, "parallel", "parallel/app.zip"
    _upload(world, key, {"app.json": json.dumps(APP)})
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Gate", approval("A", 1), approval("B", 1),
                                      approval("After", 2))])
    wait_for("A and B in progress at once", lambda: all(
        _action_state(c, name, "Gate", each).get("status") == "InProgress" for each in "AB"))
    _approve(c, name, "Gate", "A")
    wait_for("A done", lambda: _action_state(c, name, "Gate", "A").get("status") == "Succeeded")
    assert _action_state(c, name, "Gate", "After") == {}  # B still holds run order 1
    _approve(c, name, "Gate", "B")
    _approve(c, name, "Gate", "After")
    assert latest_finished(c, name)["status"] == "Succeeded"


def test_variables_and_parameter_override_functions_resolve(world: World) -> None:
    """#{variables.NAME}, #{codepipeline.PipelineExecutionId} and namespaced output variables
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html);
    Fn::GetArtifactAtt and Fn::GetParam over an OutputFileName artifact
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-parameter-override-functions.html)."""
    c, name, key = world.c, "vars", "vars/app.zip"
    _upload(world, key, {"app.json": json.dumps(APP)})
    first = deploy(world, "vars-first", name="First", ParameterOverrides=json.dumps(
        {"Version": "#{variables.stage}-#{codepipeline.PipelineExecutionId}"}),
        OutputFileName="outputs.json")
    first["outputArtifacts"], first["namespace"] = [{"name": "Out"}], "FirstStack"
    second = deploy(world, "vars-second", name="Second", run_order=2, inputs=("Src", "Out"),
                    ParameterOverrides=json.dumps({"Version": {
                        "Fn::GetParam": ["Out", "outputs.json", "Version"]}}))
    third = deploy(world, "vars-third", name="Third", run_order=2, ParameterOverrides=json.dumps(
        {"Version": {"Fn::GetArtifactAtt": ["Src", "ObjectKey"]}}))
    fourth = deploy(world, "vars-fourth", name="Fourth", run_order=2,
                    ParameterOverrides=json.dumps({"Version": "#{FirstStack.Version}"}))
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Deploy", first, second, third, fourth)],
                  variables=[{"name": "stage", "defaultValue": "dev"}])
    latest_finished(c, name)
    run_id = c.codepipeline.start_pipeline_execution(
        name=name, variables=[{"name": "stage", "value": "prod"}])["pipelineExecutionId"]
    run = finished(c, name, run_id)
    assert run["status"] == "Succeeded", actions_of(c, name, run_id)
    assert run["variables"] == [{"name": "stage", "resolvedValue": "prod"}]
    assert _deployed_version(world, "vars-first") == f"prod-{run_id}"
    assert _deployed_version(world, "vars-second") == f"prod-{run_id}"
    assert _deployed_version(world, "vars-fourth") == f"prod-{run_id}"
    ran = actions_of(c, name, run_id)
    src = ran["Source/Source"]["output"]["outputArtifacts"][0]["s3location"]
    assert _deployed_version(world, "vars-third") == src["key"]
    assert ran["Deploy/First"]["output"]["outputVariables"] == {"Version": f"prod-{run_id}"}


def test_a_failing_action_fails_its_stage_and_nothing_later_runs(world: World) -> None:
    """A failed action fails its stage and the execution; later stages do not run
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html);
    the failure events reach a queue through a rule in AWS's shapes
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html)."""
    c, name, key = world.c, "failing", "failing/app.zip"
    _upload(world, key, {"app.json": json.dumps(BAD_TYPE)})
    events = _record_events(world, name)
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Deploy", deploy(world, "failing-app")),
                                stage("Later", approval("Never"))])
    run = latest_finished(c, name)
    assert run["status"] == "Failed"
    states = stage_states(c, name)
    assert states["Deploy"]["latestExecution"]["status"] == "Failed"
    assert "latestExecution" not in states["Later"]
    summary = states["Deploy"]["actionStates"][0]["latestExecution"]["summary"]
    assert "failing-app" in summary and "AWS::EC2::VPC" in summary
    failed = [e for e in drain(c, events) if e["detail"]["state"] == "FAILED"]
    assert [e["detail-type"] for e in failed] == [
        "CodePipeline Action Execution State Change", "CodePipeline Stage Execution State Change",
        "CodePipeline Pipeline Execution State Change"]
    result = failed[0]["detail"]["execution-result"]
    assert result["error-code"] == "JobFailed" and "AWS::EC2::VPC" in result[
        "external-execution-summary"]


def test_rollback_on_failure_redeploys_the_previous_revision(world: World) -> None:
    """A V2 stage with OnFailure ROLLBACK, when it fails, is rolled back to the last execution
    that succeeded in it: a new ROLLBACK execution with that execution's source revisions and
    artifacts (https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback.html)."""
    c, name, key = world.c, "rollback", "rollback/app.zip"
    good = _upload(world, key, {"app.json": json.dumps(APP), "check.json": json.dumps(APP)})
    make_pipeline(world, name, [
        stage("Source", s3_source(world, key)),
        stage("Deploy", deploy(world, "rollback-app", ParameterOverrides=json.dumps(
            {"Version": "#{SourceVariables.VersionId}"})),
            deploy(world, "rollback-check", "Src::check.json", name="Check", run_order=2),
            rollback=True)])
    first = latest_finished(c, name)
    assert first["status"] == "Succeeded"
    assert _deployed_version(world, "rollback-app") == good
    bad = _upload(world, key, {"app.json": json.dumps(APP), "check.json": json.dumps(BAD_TYPE)})
    failed = finished(c, name, c.codepipeline.start_pipeline_execution(name=name)[
        "pipelineExecutionId"])
    assert failed["status"] == "Failed" and failed["artifactRevisions"][0]["revisionId"] == bad
    rolled = latest_finished(c, name, count=3)
    assert rolled["executionType"] == "ROLLBACK"
    assert rolled["trigger"] == {"triggerType": "AutomatedRollback",
                                 "triggerDetail": failed["pipelineExecutionId"]}
    assert rolled["rollbackMetadata"] == {
        "rollbackTargetPipelineExecutionId": first["pipelineExecutionId"]}
    assert rolled["status"] == "Succeeded"
    assert _deployed_version(world, "rollback-app") == good
    assert set(actions_of(c, name, rolled["pipelineExecutionId"])) == {"Deploy/Deploy",
                                                                      "Deploy/Check"}


def test_superseded_replaces_a_waiting_execution(world: World) -> None:
    """In SUPERSEDED mode a stage holds one execution; one waiting to enter it is superseded
    by a newer one that arrives
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html#concepts-how-it-works-executions)."""
    c, name, key = world.c, "superseded", "superseded/app.zip"
    _upload(world, key, {"app.json": json.dumps(APP)})
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Gate", approval("Hold"))], executionMode="SUPERSEDED")
    holding = wait_for("the first execution", lambda: executions(c, name))[0][
        "pipelineExecutionId"]
    wait_for("Gate held", lambda: _action_state(c, name, "Gate", "Hold").get("token"))
    second = c.codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    wait_for("the second execution to wait at Gate", lambda: stage_states(c, name)["Gate"].get(
        "inboundExecution", {}).get("pipelineExecutionId") == second)
    third = c.codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    superseded = finished(c, name, second)
    assert superseded["status"] == "Superseded"
    _approve(c, name, "Gate", "Hold")
    assert finished(c, name, holding)["status"] == "Succeeded"
    wait_for("the third execution at Gate", lambda: stage_states(c, name)["Gate"][
        "latestExecution"]["pipelineExecutionId"] == third)
    _approve(c, name, "Gate", "Hold", ok=False)
    assert finished(c, name, third)["status"] == "Failed"


def test_notification_rule_delivers_to_sns_and_sqs(world: World) -> None:
    """A notification rule on the pipeline publishes its matching events to an SNS topic whose
    policy lets codestar-notifications.amazonaws.com publish, in the processed-event shape
    (https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html); a topic without that
    permission receives nothing and its target is UNREACHABLE."""
    c, name, key = world.c, "notified", "notified/app.zip"
    url, arn = queue(c, "notified-inbox")
    allowed = c.sns.create_topic(Name="notified-allowed")["TopicArn"]
    denied = c.sns.create_topic(Name="notified-denied")["TopicArn"]
    c.sns.set_topic_attributes(TopicArn=allowed, AttributeName="Policy", AttributeValue=json.dumps(
        {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sns:Publish", "Resource": allowed,
            "Principal": {"Service": "codestar-notifications.amazonaws.com"}}]}))
    for topic in (allowed, denied):
        c.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    _upload(world, key, {"app.json": json.dumps(BAD_TYPE)})
    pipeline_arn = f"arn:aws:codepipeline:us-east-1:123456789012:{name}"
    rule = c.codestarnotifications.create_notification_rule(
        Name="notified-failures", Resource=pipeline_arn, DetailType="FULL",
        EventTypeIds=["codepipeline-pipeline-pipeline-execution-failed",
                      "codepipeline-pipeline-action-execution-failed"],
        Targets=[{"TargetType": "SNS", "TargetAddress": t} for t in (allowed, denied)])["Arn"]
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Deploy", deploy(world, "notified-app"))])
    run = latest_finished(c, name)
    messages = drain(c, url)
    assert {m["TopicArn"] for m in messages} == {allowed}
    notices = [json.loads(m["Message"]) for m in messages]
    assert [(n["detailType"], n["detail"]["state"]) for n in notices] == [
        ("CodePipeline Action Execution State Change", "FAILED"),
        ("CodePipeline Pipeline Execution State Change", "FAILED")]
    assert all(n["notificationRuleArn"] == rule and n["resources"] == [pipeline_arn]
               and n["detail"]["execution-id"] == run["pipelineExecutionId"] for n in notices)
    assert notices[1]["additionalAttributes"]["failedStage"] == "Deploy"
    described = c.codestarnotifications.describe_notification_rule(Arn=rule)
    assert {t["TargetAddress"]: t["TargetStatus"] for t in described["Targets"]} == {
        allowed: "ACTIVE", denied: "UNREACHABLE"}


def test_bad_input_ends_as_a_failed_action_with_its_reason(world: World) -> None:
    """A missing input artifact, an action provider the local AWS does not run, and a template
    that does not parse each end a FAILED action whose summary says why
    (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionExecution.html)."""
    c, name, key = world.c, "badinput", "badinput/app.zip"
    _upload(world, key, {"app.json": "{not json: [", "ok.json": json.dumps(APP)})
    make_pipeline(world, name, [
        stage("Source", s3_source(world, key)),
        stage("Deploy",
              deploy(world, "bad-missing", "Nope::app.json", name="Missing", inputs=("Nope",)),
              action("Deploy", "ElasticBeanstalk", "Unknown", inputArtifacts=[{"name": "Src"}]),
              deploy(world, "bad-template", name="Unparsable"))])
    run = latest_finished(c, name)
    assert run["status"] == "Failed"
    ran = actions_of(c, name, run["pipelineExecutionId"])
    summaries = {k: v["output"]["executionResult"]["externalExecutionSummary"]
                 for k, v in ran.items() if v["status"] == "Failed"}
    assert "Input artifact Nope does not exist" in summaries["Deploy/Missing"]
    assert "AWS/Deploy/ElasticBeanstalk is not run by the local AWS" in summaries[
        "Deploy/Unknown"]
    assert summaries["Deploy/Unparsable"].startswith("Template format error: Src::app.json")


def test_lambda_invoke_action_answers_its_job(world: World) -> None:
    """A Lambda invoke action gives its function the job event and waits for
    PutJobSuccessResult (a continuationToken invokes it again; outputVariables become the
    action's variables) or PutJobFailureResult
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html);
    a handler that throws fails the action with its error."""
    c, name, key = world.c, "invoked", "invoked/app.zip"
    _upload(world, key, {"app.json": json.dumps(APP)})

    def invoke(action_name: str, **params: str) -> dict[str, Any]:
        return action("Invoke", "Lambda", action_name, inputArtifacts=[{"name": "Src"}],
                      configuration={"FunctionName": world["JobFunction"],
                                     "UserParameters": json.dumps(params)})

    make_pipeline(world, name, [stage("Source", s3_source(world, key)), stage(
        "Check", invoke("Passes"), invoke("Fails", mode="fail", why="502 from /health"),
        invoke("Throws", mode="throw"))])
    run = latest_finished(c, name, timeout=40)
    assert run["status"] == "Failed"
    ran = actions_of(c, name, run["pipelineExecutionId"])
    passes = ran["Check/Passes"]
    assert passes["status"] == "Succeeded"
    assert passes["output"]["outputVariables"] == {"Checked": "step-2"}
    assert passes["output"]["executionResult"]["externalExecutionSummary"] == "checked Src"
    fails = ran["Check/Fails"]["output"]["executionResult"]
    assert fails["errorDetails"] == {"code": "JobFailed",
                                     "message": "smoke test failed: 502 from /health"}
    throws = ran["Check/Throws"]["output"]["executionResult"]["externalExecutionSummary"]
    assert "failed (Unhandled)" in throws and "the handler crashed" in throws


def test_change_set_replace_execute_then_delete_only(world: World) -> None:
    """CHANGE_SET_REPLACE creates a change set, CHANGE_SET_EXECUTE runs it, DELETE_ONLY deletes
    the stack (and succeeds when it is already gone), all through CloudFormation
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CloudFormation.html)."""
    c, name, key = world.c, "changeset", "changeset/app.zip"
    _upload(world, key, {"app.json": json.dumps(APP)})
    replace = deploy(world, "changeset-app", name="Replace", ActionMode="CHANGE_SET_REPLACE",
                     ChangeSetName="release", ParameterOverrides=json.dumps({"Version": "cs"}))
    execute = action("Deploy", "CloudFormation", "Execute", 2, configuration={
        "ActionMode": "CHANGE_SET_EXECUTE", "StackName": "changeset-app",
        "ChangeSetName": "release"})
    make_pipeline(world, name, [stage("Source", s3_source(world, key)),
                                stage("Deploy", replace, execute), stage("Teardown", *(
                                    action("Deploy", "CloudFormation", f"Delete{i}", i,
                                           configuration={"ActionMode": "DELETE_ONLY",
                                                          "StackName": "changeset-app",
                                                          "RoleArn": world["DeployRole"]})
                                    for i in (1, 2)))])
    run = latest_finished(c, name)
    ran = actions_of(c, name, run["pipelineExecutionId"])
    assert run["status"] == "Succeeded", [v["output"]["executionResult"] for v in ran.values()]
    assert ran["Deploy/Execute"]["output"]["outputVariables"] == {"Version": "cs"}
    stacks = c.cloudformation.list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == "changeset-app"] == [
        "DELETE_COMPLETE"]
