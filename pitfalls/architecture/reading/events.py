"""The events panel: EventBridge rules, SNS topics, their subscribers and the alarms that notify."""

from __future__ import annotations

import json

from pitfalls.architecture.model import Card, Flow, Json, Panel
from pitfalls.architecture.reading.base import ALARM, Reader, as_dict, as_str, as_text
from pitfalls.templates import as_list, ref_target, refs_in_order


class EventsReader(Reader):
    """One flow per topic (rules that target it, subscribers) and per rule that targets no topic."""

    def rule_targets(self, rule: str) -> list[tuple[str | None, str, Json]]:
        out = []
        for target in as_list(self.props(rule).get("Targets")):
            arn = as_dict(target).get("Arn")
            lid, text = self.pointer(arn)
            out.append((lid, text, arn))
        return out

    def events_panel(self) -> Panel | None:
        topics = self.of_type("AWS::SNS::Topic")
        rules = self.of_type("AWS::Events::Rule")
        if not (topics or rules):
            return None
        panel = Panel("Events and notifications", "EventBridge rules, SNS topics and who hears them")
        done_rules: set[str] = set()
        done_topics: set[str] = set()
        for topic in topics:
            if topic in done_topics:
                continue
            mine = [
                r
                for r in rules
                if r not in done_rules and any(t == topic for t, _, _ in self.rule_targets(r))
            ]
            done_rules.update(mine)
            panel.flows.append(self.event_flow(mine, topic, done_topics))
        for rule in rules:
            if rule not in done_rules:
                panel.flows.append(self.event_flow([rule], None, done_topics))
        return panel

    def event_flow(self, rules: list[str], topic: str | None, done_topics: set[str]) -> Flow:
        arrows: list[tuple[str, str, str]] = []
        sources: list[Card] = []
        rule_cards: list[Card] = []
        targets: list[Card] = []
        subs: list[Card] = []
        target_keys: dict[str, str] = {}

        def add_target(lid: str | None, text: str, arn: Json, rule: str) -> str:
            name = lid or f"ext:{rule}:{text}"
            if name in target_keys:
                return target_keys[name]
            if lid and self.type(lid) == "AWS::SNS::Topic":
                card = self.topic_card(lid)
                done_topics.add(lid)
                targets.append(card)
                for sub in self.subscriptions(lid):
                    subs.append(sub)
                    arrows.append((lid, sub.key, "delivers"))
            elif lid:
                card = self.resource_card(
                    lid, key=f"target:{rule}:{lid}", elsewhere="above" if lid in self.shown else ""
                )
                targets.append(card)
            elif self.missing(arn):
                card = Card(name, "other", "target", str(ref_target(arn)), [("not in the template", "warn")])
                targets.append(card)
            else:
                card = Card(name, "other", "target", text, elsewhere="outside")
                targets.append(card)
            target_keys[name] = card.key
            return card.key

        if topic:
            add_target(topic, self.label(topic), None, "")
        for rule in rules:
            card = self.rule_card(rule)
            rule_cards.append(card)
            pattern = self.event_pattern(rule)
            src = [r for r in refs_in_order(pattern) if r in self.res]
            for s in src:
                key = f"src:{rule}:{s}"
                sources.append(self.resource_card(s, key=key, elsewhere="above"))
                self.edge(s, rule, "events")
                arrows.append((key, rule, "events"))
            if not src:
                origin = [str(x) for x in as_list(as_dict(pattern).get("source"))]
                schedule = as_str(self.props(rule).get("ScheduleExpression"))
                title = schedule or ", ".join(origin) or "any event"
                key = f"src:{rule}"
                sources.append(
                    Card(
                        key,
                        "integration",
                        "schedule" if schedule else "event source",
                        title,
                        elsewhere="outside",
                    )
                )
                arrows.append((key, rule, "events"))
            for lid, text, arn in self.rule_targets(rule):
                key = add_target(lid, text, arn, rule)
                if lid:
                    self.edge(rule, lid, "target")
                arrows.append((rule, key, "target"))
        for t in [c for c in targets if self.type(c.ids[0] if c.ids else "") == "AWS::SNS::Topic"]:
            alarms = [
                a
                for a in self.referrers.get(t.ids[0], [])
                if self.type(a) == ALARM and t.ids[0] in self.alarm_actions(a)
            ]
            if alarms:
                card = self.alarms_summary(f"notify:{t.ids[0]}", alarms)
                rule_cards.append(card)
                for a in alarms:
                    self.edge(a, t.ids[0], "alarm action")
                arrows.append((card.key, t.key, "alarm"))
        columns = [c for c in (sources, rule_cards, targets, subs) if c]
        return Flow(columns, arrows)

    def event_pattern(self, rule: str) -> Json:
        pattern = self.props(rule).get("EventPattern")
        if isinstance(pattern, str):
            try:
                return json.loads(pattern)
            except ValueError:
                return {}
        return pattern

    def rule_card(self, rule: str) -> Card:
        card = self.resource_card(rule)
        props = self.props(rule)
        pattern = as_dict(self.event_pattern(rule))
        for key in ("detail-type",):
            values = [v for v in as_list(pattern.get(key)) if isinstance(v, str)]
            if values:
                card.lines.append((", ".join(values), "dim"))
        for key, value in as_dict(pattern.get("detail")).items():
            shown = [as_text(v) or "…" for v in as_list(value)]
            card.lines.append((f"{key}: {', '.join(shown)}", ""))
        if props.get("State") == "DISABLED":
            card.lines.append(("disabled", "warn"))
        targets = as_list(props.get("Targets"))
        if not targets:
            card.lines.append(("no targets", "warn"))
        if any("InputTransformer" in as_dict(t) for t in targets):
            card.lines.append(("message from an input transformer", "dim"))
        return card

    def topic_card(self, topic: str) -> Card:
        card = self.resource_card(topic)
        props = self.props(topic)
        if "KmsMasterKeyId" in props:
            key, text = self.pointer(props.get("KmsMasterKeyId"))
            if key:
                self.edge(topic, key, "encrypted by")
            card.lines.append((f"encrypted with {text}", "dim"))
        else:
            card.lines.append(("not encrypted", "warn"))
        for policy in self.referrers.get(topic, []):
            if self.type(policy) == "AWS::SNS::TopicPolicy":
                self.shown.add(policy)
                card.lines.append((f"policy {self.label(policy)}", "dim"))
        return card

    def subscriptions(self, topic: str) -> list[Card]:
        cards = []
        for sub in self.referrers.get(topic, []):
            props = self.props(sub)
            if self.type(sub) != "AWS::SNS::Subscription" or ref_target(props.get("TopicArn")) != topic:
                continue
            card = self.resource_card(sub)
            card.title = as_text(props.get("Protocol")) or self.pointer(props.get("Protocol"))[1]
            _, text = self.pointer(props.get("Endpoint"))
            card.lines = [(f"to {text}", ""), (self.label(sub), "dim")]
            self.edge(topic, sub, "delivers")
            cards.append(card)
        for i, inline in enumerate(as_list(self.props(topic).get("Subscription"))):
            _, text = self.pointer(as_dict(inline).get("Endpoint"))
            cards.append(
                Card(
                    f"inline:{topic}:{i}",
                    "integration",
                    "SNS subscription (inline)",
                    as_text(as_dict(inline).get("Protocol")) or "?",
                    [(f"to {text}", "")],
                )
            )
        if not cards:
            cards.append(
                Card(
                    f"nosub:{topic}",
                    "other",
                    "subscribers",
                    "none",
                    [("nobody hears this topic", "warn")],
                    elsewhere="none",
                )
            )
        return cards
