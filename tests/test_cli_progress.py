"""pitfalls.evidence.show.cli_progress: the CDK CLI's deploy output, shortened for a notebook."""

from __future__ import annotations

from pitfalls.evidence.show import cli_progress

S = "App"
LOG = [
    "Using the local AWS at http://localhost:1234",
    "\x1b[1mCDKToolkit\x1b[22m: creating CloudFormation changeset...",
    "CDKToolkit |  0/3 | 1:00:00 PM | CREATE_IN_PROGRESS | AWS::S3::Bucket | StagingBucket",
    "Trusted accounts for deployment: (none)",
    "\x1b[1mApp\x1b[22m: deploying... [1/1]",
    *[f"App | {i}/9 | 1:00:01 PM | \x1b[32mCREATE_COMPLETE\x1b[39m | AWS::IAM::Role | R{i}"
      for i in range(8)],
    "App | 8/9 | 1:00:02 PM | UPDATE_FAILED | AWS::Lambda::Alias | Alias (A1) alarm in ALARM",
    "",
    "\x1b[31m❌  App failed to deploy\x1b[39m",
    "Stack ARN:",
    "arn:aws:cloudformation:us-east-1:123456789012:stack/App/x",
]


def test_events_follow_the_deploying_line_with_the_middle_elided() -> None:
    out = cli_progress(LOG, S, head=2, tail=2).splitlines()
    assert "\x1b" not in "\n".join(out)
    assert out[:2] == ["Using the local AWS at http://localhost:1234", "App: deploying... [1/1]"]
    assert out[2].endswith("| R0") and out[3].endswith("| R1")
    assert out[4] == "   … 5 more events …"
    assert out[5].endswith("| R7") and "UPDATE_FAILED" in out[6]
    assert out[7] == "❌  App failed to deploy"
    assert not any(ln.startswith(("CDKToolkit", "Stack ARN", "arn:", "Trusted")) for ln in out)


def test_only_keeps_the_matching_events_and_the_result() -> None:
    out = cli_progress(LOG, S, only=("AWS::Lambda::Alias",)).splitlines()
    assert len(out) == 2
    assert "UPDATE_FAILED" in out[0] and out[1] == "❌  App failed to deploy"


def test_a_short_log_is_shown_whole() -> None:
    out = cli_progress(LOG, S, head=10, tail=10)
    assert "more events" not in out and out.count("CREATE_COMPLETE") == 8


def test_asset_lines_in_any_order_become_one_line() -> None:
    lines = ["App: start: Building T", "App: success: Built T",
             "App: start: Publishing Code (123-us-east-1-ab)", "App: start: Publishing T (1-x)",
             "App: success: Published T (1-x)", "App: success: Published Code (123-us-east-1-ab)",
             "App: deploying... [1/1]"]
    a = cli_progress(lines, S)
    b = cli_progress([lines[0], lines[1], lines[3], lines[2], lines[5], lines[4], lines[6]], S)
    assert a == b == "App: built and published 2 assets: Code, T\nApp: deploying... [1/1]"
