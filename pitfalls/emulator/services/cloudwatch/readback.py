"""Read-back of CloudWatch: AWS::CloudWatch::Alarm, AWS::CloudWatch::Dashboard, compared with their
templates through CloudWatch's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Gone, Report, attributes, call, reads


def _alarm(c: Clients, name: str) -> dict[str, Any]:
    found = c.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not found:
        raise Gone(name)
    return dict(found[0])


@reads("AWS::CloudWatch::Alarm")
def _alarm_check(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _alarm(c, name)
    for key in ("MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods",
                "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmDescription",
                "DatapointsToAlarm", "Unit"):
        if key in p:
            r.expect(w, key, got.get(key), p[key])
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        r.expect(w, key, got.get(key, []), p.get(key, []))
    r.expect(w, "dimensions", sorted((d["Name"], d["Value"]) for d in got.get("Dimensions", [])),
             sorted((d["Name"], d["Value"]) for d in p.get("Dimensions", [])))


@reads("AWS::CloudWatch::Dashboard")
def _dashboard(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.cloudwatch.get_dashboard, DashboardName=name)
    r.expect(w, "body", got["DashboardBody"], p["DashboardBody"])


attributes("AWS::CloudWatch::Alarm", Arn=lambda c, p: _alarm(c, p)["AlarmArn"])
