"""Exercise 09's answer: the release-notes table and queue, named for the environment, tagged."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from solutions.naming_and_tagging import PROJECT, Naming


class ReleaseNotes(Construct):
    """Names from `Naming` (the environment in each); the course's tags and finance's on all."""

    def __init__(self, scope: Construct, id: str, *, environment: str) -> None:
        super().__init__(scope, id)
        naming = Naming(PROJECT, environment)
        naming.apply_tags(self, extra={"CostCenter": "cc-4711", "Team": "release-notes"})
        self.table = dynamodb.Table(
            self,
            "Releases",
            table_name=naming.name("releases"),
            partition_key=dynamodb.Attribute(name="version", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        self.dead_letters = sqs.Queue(
            self, "DeadLetters", queue_name=naming.name("release-notes-dead-letters"), enforce_ssl=True
        )
