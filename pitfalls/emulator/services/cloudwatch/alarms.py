"""CloudWatch alarms evaluated from their metric's datapoints, on the emulator's clock.

Every alarm on a single metric is evaluated once per period (`clock`: at
PITFALLS_EMULATOR_CLOCK=60 a 60-second period is one real second) over its last
EvaluationPeriods periods: the period's statistic against the threshold, M of N datapoints
(DatapointsToAlarm), missing periods treated as TreatMissingData says
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
A state change runs the alarm's actions (SNS topics get AWS's alarm message) and puts a
"CloudWatch Alarm State Change" event on the default bus. A state set by hand (SetAlarmState)
holds until the next evaluation, as in CloudWatch.

Not evaluated: metric math alarms (Metrics), composite alarms, anomaly-detection thresholds.
"""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import UTC, datetime
from typing import Any, cast

from moto.cloudwatch.models import Alarm, CloudWatchBackend, MetricAggregatedDatum, cloudwatch_backends

from pitfalls.emulator import clock
from pitfalls.emulator.moto_patch import replaces

TICK = 0.1  # real seconds between looks at the alarms
COMPARE = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
REGION_NAMES = {"us-east-1": "US East (N. Virginia)"}


def _epoch(ts: datetime) -> float:
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).timestamp()


def _key(dimensions: list[Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(d.name), str(d.value)) for d in dimensions))


def statistic(alarm: Alarm, points: list[Any]) -> float:
    """The alarm's statistic over the datapoints of one period."""
    values: list[float] = []
    total, count, low, high = 0.0, 0.0, math.inf, -math.inf
    for p in points:
        if isinstance(p, MetricAggregatedDatum):
            p = cast(Any, p)  # moto's class sets these in __init__ without annotations
            total += p.sum_stat
            count += p.sample_count
            low, high = min(low, p.min_stat), max(high, p.max_stat)
        else:
            values.append(p.value)
            total += p.value
            count += 1
            low, high = min(low, p.value), max(high, p.value)
    stat = alarm.statistic or ""
    if alarm.extended_statistic and alarm.extended_statistic.startswith("p") and values:
        ranked = sorted(values)
        rank = float(alarm.extended_statistic[1:]) / 100 * (len(ranked) - 1)
        return ranked[round(rank)]
    return {"Sum": total, "SampleCount": count, "Minimum": low, "Maximum": high,
            "Average": total / count if count else 0.0}.get(stat, total)


def evaluate(alarm: Alarm, backend: CloudWatchBackend, now: float) -> tuple[str, str, str] | None:
    """(state, reason, reason data) the alarm's datapoints give, or None to keep its state."""
    if alarm.metric_data_queries or alarm.rule or not alarm.metric_name:
        return None
    if alarm.comparison_operator not in COMPARE:
        return None
    period = clock.real(alarm.period)
    n = int(alarm.evaluation_periods)
    m = int(alarm.datapoints_to_alarm or n)
    start = now - n * period
    key = _key(alarm.dimensions)
    buckets: list[list[Any]] = [[] for _ in range(n)]  # newest period first
    for datum in backend.metric_data:
        if datum.name != alarm.metric_name or datum.namespace != alarm.namespace:
            continue
        at = _epoch(datum.timestamp)
        if not start <= at <= now or _key(datum.dimensions) != key:
            continue
        if alarm.unit and datum.unit and datum.unit != alarm.unit:
            continue
        buckets[min(int((now - at) // period), n - 1)].append(datum)
    test, words = COMPARE[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    treat = alarm.treat_missing_data or "missing"
    values = [statistic(alarm, b) if b else None for b in buckets]
    breaching = sum(1 for v in values if v is not None and test(v, threshold))
    present = sum(1 for v in values if v is not None)
    missing = n - present
    if treat == "breaching":
        breaching += missing
    elif treat == "notBreaching":
        present = n
    recent = [v for v in values if v is not None]
    data = json.dumps({"version": "1.0", "queryDate": datetime.now(UTC).isoformat(),
                       "statistic": alarm.statistic, "period": alarm.period,
                       "recentDatapoints": recent, "threshold": threshold,
                       "evaluatedDatapoints": len(recent)})
    shown = ", ".join(f"{v}" for v in recent[:m]) or "no datapoints"
    if breaching >= m:
        return ("ALARM", f"Threshold Crossed: {breaching} out of the last {n} datapoints "
                         f"[{shown}] was {words} the threshold ({threshold}) (minimum {m} "
                         "datapoint(s) for OK -> ALARM transition).", data)
    if present or treat in ("breaching", "notBreaching"):
        return ("OK", f"Threshold Crossed: {n - breaching} out of the last {n} datapoints "
                      f"[{shown}] was not {words} the threshold ({threshold}) (minimum 1 "
                      "datapoint for ALARM -> OK transition).", data)
    if treat == "ignore":
        return None
    return ("INSUFFICIENT_DATA", f"Insufficient Data: {n} datapoint(s) were unknown.", data)


def _message(alarm: Alarm, account: str, region: str, old: str) -> dict[str, Any]:
    """The alarm notification AWS publishes to an SNS action."""
    return {
        "AlarmName": alarm.name, "AlarmDescription": alarm.description or None,
        "AWSAccountId": account, "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        "Region": REGION_NAMES.get(region, region), "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old, "OKActions": alarm.ok_actions,
        "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "Trigger": {
            "MetricName": alarm.metric_name, "Namespace": alarm.namespace,
            "StatisticType": "Statistic", "Statistic": str(alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period, "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm,
            "ComparisonOperator": alarm.comparison_operator, "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


def _announce(alarm: Alarm, account: str, region: str, old: str) -> None:
    """The alarm's actions for its new state, and the state-change event."""
    from moto.events.models import events_backends
    from moto.sns.models import sns_backends

    state = alarm.state_value
    if alarm.actions_enabled:
        actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state]
        message = json.dumps(_message(alarm, account, region, old))
        subject = f'{state}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'[:100]
        for arn in actions or []:
            if ":sns:" in arn:
                try:
                    sns_backends[account][region].publish(message, arn=arn, subject=subject)
                except Exception:  # a deleted topic: CloudWatch records a failed action
                    pass
    detail = {"alarmName": alarm.name, "state": {"value": state, "reason": alarm.state_reason,
                                                 "reasonData": alarm.state_reason_data},
              "previousState": {"value": old}}
    try:
        events_backends[account][region].put_events([{
            "Source": "aws.cloudwatch", "DetailType": "CloudWatch Alarm State Change",
            "Detail": json.dumps(detail), "Resources": [alarm.alarm_arn]}])
    except Exception:
        pass


def tick(now: float | None = None) -> None:
    """Evaluate every alarm whose period has come round."""
    now = time.time() if now is None else now
    for account, regions in list(cloudwatch_backends.items()):
        for region, backend in list(regions.items()):
            for alarm in list(backend.alarms.values()):
                if not hasattr(alarm, "pitfalls_next"):
                    alarm.pitfalls_next = 0.0  # type: ignore[attr-defined]
                    if alarm.state_reason.startswith("Unchecked"):
                        alarm.state_value = "INSUFFICIENT_DATA"  # CloudWatch's initial state
                if now < alarm.pitfalls_next:  # type: ignore[attr-defined]
                    continue
                alarm.pitfalls_next = now + clock.real(alarm.period)  # type: ignore[attr-defined]
                found = evaluate(alarm, backend, now)
                if found is None or found[0] == alarm.state_value:
                    continue
                old = alarm.state_value
                alarm.update_state(found[1], found[2], found[0])
                _announce(alarm, account, region, old)


def state_now(account: str, region: str, name: str) -> str | None:
    """An alarm's state (None when it does not exist): CodeDeploy polls its group's alarms."""
    backend = cloudwatch_backends[account][region]
    alarm = backend.alarms.get(name)
    return None if alarm is None else str(alarm.state_value)


@replaces("moto.cloudwatch.models:CloudWatchBackend.get_metric_statistics",
          "844bf661c8f9b2d658376bfd31721dbb418b47126f0f5b10d1b8422d3477dd35")
def get_metric_statistics(self: CloudWatchBackend, namespace: str, metric_name: str,
                          start_time: datetime, end_time: datetime, period: int,
                          stats: list[str], dimensions: list[dict[str, str]],
                          unit: str | None = None) -> list[Any]:
    """GetMetricStatistics answers exactly the dimensions asked for, as CloudWatch does
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html);
    moto summed every datapoint that had them among others (FunctionName alone also counted the
    Resource and ExecutedVersion datapoints of the same invocations)."""
    from datetime import timedelta

    from moto.cloudwatch.exceptions import InvalidParameterValue
    from moto.cloudwatch.models import Statistics

    start_time, end_time = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
    if start_time >= end_time:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter "
                                    "EndTime.")
    wanted = tuple(sorted((str(d["Name"]), str(d.get("Value"))) for d in dimensions or []))
    found = sorted((md for md in list(self.get_all_metrics())
                    if md.namespace == namespace and md.name == metric_name
                    and start_time <= md.timestamp < end_time
                    and (not unit or md.unit == unit) and _key(md.dimensions) == wanted),
                   key=lambda md: md.timestamp)
    out: list[Any] = []
    step = timedelta(seconds=period)
    at, i = (found[0].timestamp if found else end_time), 0
    while i < len(found):
        bucket = Statistics(stats, at)
        while i < len(found) and found[i].timestamp < at + step:
            bucket.metric_data.append(found[i])
            bucket.unit = found[i].unit
            i += 1
        if bucket.metric_data:
            out.append(bucket)
        at += step
    return out


_started = threading.Event()


def start() -> None:
    """The evaluator thread of the server (idempotent)."""
    if _started.is_set():
        return
    _started.set()

    def loop() -> None:
        while True:
            try:
                tick()
            except Exception:  # an odd alarm must not stop every other alarm's evaluation
                pass
            time.sleep(TICK)

    threading.Thread(target=loop, name="alarm evaluator", daemon=True).start()
