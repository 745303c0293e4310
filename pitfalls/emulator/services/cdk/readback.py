"""Read-back of the CDK's metadata: AWS::CDK::Metadata, compared with the template through the
stack itself.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, reads


@reads("AWS::CDK::Metadata")
def _metadata(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    """Nothing behind it in any service: being in the stack is all there is."""
