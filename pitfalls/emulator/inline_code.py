"""Inline Lambda code (`Code.ZipFile`) as the deployment package CloudFormation makes of it.

CloudFormation writes the text to one file, `index.js` (Node.js) or `index.py` (Python), and
zips it. The emulator's zip is deterministic (fixed time stamp), so the verify module can compare
the function's CodeSha256 with the package the template's text gives.
"""

from __future__ import annotations

import io
import zipfile

INLINE_FILES = {"nodejs": "index.js", "python": "index.py"}


def inline_file_name(runtime: str | None) -> str | None:
    """The file CloudFormation puts inline code in, for a runtime (None: not supported)."""
    for prefix, name in INLINE_FILES.items():
        if (runtime or "").startswith(prefix):
            return name
    return None


def inline_zip(code: str, runtime: str | None) -> bytes:
    """The deployment package of inline code: one file, zipped."""
    name = inline_file_name(runtime)
    if name is None:
        raise ValueError(f"Code.ZipFile is not supported for runtime {runtime}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        z.writestr(info, code)
    return out.getvalue()
