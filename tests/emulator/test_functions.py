"""Lambda functions run on the local AWS, and alarms fire from their real metrics.

Each test names the AWS documentation page the behaviour follows.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from pitfalls.emulator.verify import Clients
from tests.emulator.conftest import HOST_SECRET, HOST_SECRET_KEY_ID
from tests.emulator.runtime_kit import function, invoke, log_text, wait_for

HANDLER = """
export const handler = async (event, context) => {
  console.log("event", JSON.stringify(event));
  if (event.fail) throw new TypeError("bad input: " + event.fail);
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  return { sum: event.a + event.b, name: context.functionName, request: context.awsRequestId,
           left: context.getRemainingTimeInMillis(), version: context.functionVersion,
           key: process.env.AWS_ACCESS_KEY_ID,
           secretSeen: JSON.stringify(process.env).includes("HOST_SECRET") };
};
""".replace("HOST_SECRET", HOST_SECRET)


def _sum(c: Clients, metric: str, dims: dict[str, str]) -> float:
    now = time.time()
    points = c.cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, StartTime=now - 900, EndTime=now + 60,
        Period=3600, Statistics=["Sum"],
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()])["Datapoints"]
    return sum(p["Sum"] for p in points)


def test_invoke_runs_the_handler_with_a_context_and_logs(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html (the context object),
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html (START, END and
    REPORT lines in /aws/lambda/<name>) and
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html (Invocations)."""
    c = runtime_aws
    function(c, "fn-ok", HANDLER, timeout=5)
    result, response = invoke(c, "fn-ok", {"a": 2, "b": 40})
    assert "FunctionError" not in response
    assert result["sum"] == 42 and result["name"] == "fn-ok" and result["version"] == "$LATEST"
    assert 0 < result["left"] <= 5000
    assert result["key"] == "pitfalls-local-emulator" and result["secretSeen"] is False
    assert HOST_SECRET_KEY_ID not in json.dumps(result)
    stream = c.logs.describe_log_streams(logGroupName="/aws/lambda/fn-ok")["logStreams"][0]
    text = log_text(c, "/aws/lambda/fn-ok", stream["logStreamName"])
    request = result["request"]
    assert f"START RequestId: {request} Version: $LATEST" in text
    assert f"{request}\tINFO\tevent {{\"a\":2,\"b\":40}}" in text
    assert f"END RequestId: {request}" in text and f"REPORT RequestId: {request}" in text
    assert _sum(c, "Invocations", {"FunctionName": "fn-ok"}) == 1


def test_a_throwing_handler_gives_a_function_error_and_an_errors_datapoint(
        runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (X-Amz-Function-Error,
    errorType and errorMessage in the payload) and
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html (Errors counts
    function errors; dimensions FunctionName and Resource)."""
    c = runtime_aws
    function(c, "fn-throws", HANDLER, publish=True)
    result, response = invoke(c, "fn-throws", {"fail": "x"}, Qualifier="1")
    assert response["FunctionError"] == "Unhandled"
    assert result["errorType"] == "TypeError" and result["errorMessage"] == "bad input: x"
    assert _sum(c, "Errors", {"FunctionName": "fn-throws"}) == 1
    assert _sum(c, "Errors", {"FunctionName": "fn-throws", "Resource": "fn-throws:1"}) == 1
    invoke(c, "fn-throws", {"a": 1, "b": 1})
    assert _sum(c, "Invocations", {"FunctionName": "fn-throws"}) == 2
    assert _sum(c, "Errors", {"FunctionName": "fn-throws"}) == 1


def test_a_handler_past_its_timeout_is_stopped(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (the function's
    Timeout, in real time here)."""
    c = runtime_aws
    function(c, "fn-slow", HANDLER, timeout=1)
    started = time.monotonic()
    result, response = invoke(c, "fn-slow", {"sleep": 5000})
    assert time.monotonic() - started < 3
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in result["errorMessage"]
    again, _ = invoke(c, "fn-slow", {"a": 1, "b": 2})  # a fresh runtime answers the next one
    assert again["sum"] == 3


def test_a_runtime_this_machine_lacks_is_refused_with_a_reason(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html: nodejs20.x is a real
    runtime; the local AWS runs only the Node it has (24), and says so."""
    c = runtime_aws
    function(c, "fn-node20", HANDLER, runtime="nodejs20.x")
    with pytest.raises(ClientError) as err:
        invoke(c, "fn-node20", {})
    assert err.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "nodejs20.x" in str(err.value) and "Node 24" in str(err.value)


def test_an_alias_with_routing_weights_splits_invocations(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html (weighted
    alias; the executed version in X-Amz-Executed-Version and the ExecutedVersion dimension)."""
    c = runtime_aws
    function(c, "fn-split", HANDLER, publish=True)
    c.awslambda.update_function_configuration(FunctionName="fn-split", Description="v2")
    wait_for(lambda: c.awslambda.get_function(FunctionName="fn-split")["Configuration"], 5, "x")
    c.awslambda.publish_version(FunctionName="fn-split")
    c.awslambda.create_alias(FunctionName="fn-split", Name="live", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    ran = [invoke(c, "fn-split", {"a": 0, "b": 0}, Qualifier="live")[1]["ExecutedVersion"]
           for _ in range(30)]
    assert set(ran) == {"1", "2"}
    dims = {"FunctionName": "fn-split", "Resource": "fn-split:live"}
    assert _sum(c, "Invocations", {**dims, "ExecutedVersion": "2"}) == ran.count("2")


def test_an_alarm_goes_to_alarm_from_failed_invocations_and_notifies(
        runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
    (period, evaluation periods, threshold, TreatMissingData; SNS actions): a 60-second period is
    one second on the compressed clock."""
    c = runtime_aws
    function(c, "fn-alarmed", HANDLER)
    topic = c.sns.create_topic(Name="alarm-topic")["TopicArn"]
    queue = c.sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    queue_arn = c.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    c.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    c.cloudwatch.put_metric_alarm(
        AlarmName="fn-alarmed-errors", Namespace="AWS/Lambda", MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "fn-alarmed"}], Statistic="Sum",
        Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=[topic])

    def state() -> str:
        return str(c.cloudwatch.describe_alarms(AlarmNames=["fn-alarmed-errors"])[
            "MetricAlarms"][0]["StateValue"])

    wait_for(lambda: state() == "OK", 3, "the alarm evaluating to OK")
    for _ in range(3):
        invoke(c, "fn-alarmed", {"a": 1, "b": 1})
    time.sleep(1.2)
    assert state() == "OK"  # successful invocations do not breach
    invoke(c, "fn-alarmed", {"fail": "boom"})
    wait_for(lambda: state() == "ALARM", 3, "the alarm firing")
    message = wait_for(lambda: c.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get(
        "Messages"), 5, "the alarm notification")
    alarm = json.loads(json.loads(message[0]["Body"])["Message"])
    assert alarm["AlarmName"] == "fn-alarmed-errors" and alarm["NewStateValue"] == "ALARM"
    assert alarm["Trigger"]["MetricName"] == "Errors"
    wait_for(lambda: state() == "OK", 4, "the alarm clearing once the errors are old")
