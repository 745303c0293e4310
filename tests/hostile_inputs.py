"""Input made to hurt a parser, for tests/test_hostile_input.py and scripts/bench.py: each
`HOSTILE[kind](folder)` writes one file there and returns its path."""

from __future__ import annotations

from pathlib import Path

# 0.6 KB that expands to 10^9 values: each anchor is a list of ten of the previous one.
ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
) + "Resources: {R: {Type: AWS::S3::Bucket, Properties: {Tags: *a8}}}\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


HOSTILE = {
    "alias-bomb": lambda t: write(t, "bomb.yaml", ALIAS_BOMB),
    "deep-json": lambda t: write(t, "deep.json", '{"Resources": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "deep-yaml-flow": lambda t: write(t, "deep.yaml", "Resources: " + "[" * 100_000 + "]" * 100_000),
    "deep-yaml-block": lambda t: write(t, "block.yaml", "Resources:\n" + "".join(
        " " * i + f"k{i}:\n" for i in range(1, 300)) + " " * 300 + "v: 1\n"),
    "huge-yaml": lambda t: write(t, "huge.yaml", "Resources:\n" + "".join(
        f"  R{i}: {{Type: AWS::S3::Bucket, Properties: {{BucketName: bucket-{i:08d}}}}}\n"
        for i in range(120_000))),
}
