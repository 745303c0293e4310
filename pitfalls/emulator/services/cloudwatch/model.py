"""CloudWatch alarms and dashboards."""

from __future__ import annotations

import json
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends

from pitfalls.emulator.cloudformation.errors import InvalidProperty
from pitfalls.emulator.cloudformation.resource import Resource, as_bool, register, tag_list


def cloudwatch(account_id: str, region: str) -> CloudWatchBackend:
    return cloudwatch_backends[account_id][region]


@register
class Alarm(Resource):
    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    NAME_MAX = 255
    PROPERTIES = {
        "AlarmName": "", "AlarmDescription": "", "MetricName": "", "Namespace": "",
        "Statistic": "", "ExtendedStatistic": "", "Period": "", "EvaluationPeriods": "",
        "DatapointsToAlarm": "", "Threshold": "", "ComparisonOperator": "", "Dimensions": "",
        "TreatMissingData": "", "Unit": "", "ActionsEnabled": "", "AlarmActions": "",
        "OKActions": "", "InsufficientDataActions": "",
        "EvaluateLowSampleCountPercentile": "", "Tags": "",
    }
    REQUIRED = ("ComparisonOperator", "EvaluationPeriods", "MetricName", "Namespace", "Period")
    ATTRIBUTES = ("Arn",)
    REF = "alarm name"
    READ_BACK = "DescribeAlarms"

    def _put(self) -> None:
        p = self.props
        cloudwatch(self.account_id, self.region).put_metric_alarm(
            name=self.name, namespace=p["Namespace"], metric_name=p["MetricName"],
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]), period=int(p["Period"]),
            threshold=float(p["Threshold"]) if "Threshold" in p else None,  # type: ignore[arg-type]
            statistic=p.get("Statistic"),  # type: ignore[arg-type]
            description=p.get("AlarmDescription", ""), dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []),
            datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
            extended_statistic=p.get("ExtendedStatistic"), ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []), unit=p.get("Unit"),
            actions_enabled=as_bool(p.get("ActionsEnabled", True)),
            treat_missing_data=p.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            tags=p.get("Tags"),
        )

    def create(self) -> None:
        if self.name in cloudwatch(self.account_id, self.region).alarms:
            raise InvalidProperty(f"An alarm named {self.name} already exists")
        self._put()

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._put()

    def destroy(self) -> None:
        cloudwatch(self.account_id, self.region).delete_alarms([self.name])

    def attribute(self, name: str) -> Any:
        return cloudwatch(self.account_id, self.region).alarms[self.name].alarm_arn

    def actual(self) -> dict[str, Any] | None:
        b = cloudwatch(self.account_id, self.region)
        a = b.alarms.get(self.name)
        if a is None:
            return None
        out: dict[str, Any] = {
            "AlarmName": a.name, "AlarmDescription": a.description or "",
            "MetricName": a.metric_name, "Namespace": a.namespace, "Statistic": a.statistic,
            "ExtendedStatistic": a.extended_statistic, "Period": a.period,
            "EvaluationPeriods": a.evaluation_periods, "DatapointsToAlarm": a.datapoints_to_alarm,
            "Threshold": a.threshold, "ComparisonOperator": a.comparison_operator,
            "Dimensions": [{"Name": d.name, "Value": d.value} for d in a.dimensions],
            "TreatMissingData": a.treat_missing_data, "Unit": a.unit,
            "ActionsEnabled": a.actions_enabled, "AlarmActions": list(a.alarm_actions or []),
            "OKActions": list(a.ok_actions or []),
            "InsufficientDataActions": list(a.insufficient_data_actions or []),
            "EvaluateLowSampleCountPercentile": a.evaluate_low_sample_count_percentile,
            "Tags": tag_list(b.list_tags_for_resource(a.alarm_arn)),
        }
        return {k: v for k, v in out.items() if v is not None}


@register
class Dashboard(Resource):
    TYPE = "AWS::CloudWatch::Dashboard"
    NAME_PROPERTY = "DashboardName"
    NAME_MAX = 255
    PROPERTIES = {"DashboardName": "", "DashboardBody": "must be JSON", "Tags": ""}
    REQUIRED = ("DashboardBody",)
    REF = "dashboard name"
    READ_BACK = "GetDashboard"

    @classmethod
    def _name_for(cls, props: dict[str, Any], stack_id: str, logical_id: str) -> str:
        # dashboard names allow only letters, digits, - and _
        return super()._name_for(props, stack_id, logical_id).replace(".", "-")

    def _put(self) -> None:
        body = self.props["DashboardBody"]
        try:
            json.loads(body)
        except ValueError:
            raise InvalidProperty("The field DashboardBody must be a valid JSON object") from None
        b = cloudwatch(self.account_id, self.region)
        dashboard = b.put_dashboard(self.name, body)
        b.tagger.delete_all_tags_for_resource(dashboard.arn)
        if self.props.get("Tags"):
            b.tagger.tag_resource(dashboard.arn, self.props["Tags"])

    def create(self) -> None:
        self._put()

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._put()

    def destroy(self) -> None:
        cloudwatch(self.account_id, self.region).dashboards.pop(self.name, None)
