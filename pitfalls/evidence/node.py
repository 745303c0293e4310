"""Load a Lambda handler with the course's Node.js, the way the Node.js runtime does, and report.

This is not the Lambda runtime: it imports the handler's module with the pinned Node (Node 24),
so what it reports is what Node itself says (a missing module, a syntax error), plus the shape
of the handler (async or callback-style). What Lambda adds around it (for example the
`Runtime.ImportModuleError` wrapper) is documented by AWS, not reproduced here.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pitfalls import _env

# Resolves "<module>.<function>" the way the Node.js runtime does (module file: .js, .mjs or
# .cjs; failing those, Node's own module resolution from the package root, whose MODULE_NOT_FOUND
# is then Node's answer), imports it, and prints one JSON line: what loaded, or the error raised.
_LOADER = r"""
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dir, handler, eventJson] = process.argv.slice(1);
const dot = handler.lastIndexOf(".");
const modulePath = handler.slice(0, dot);
const base = path.resolve(dir, modulePath);
const name = handler.slice(dot + 1);
const out = { handler };
const fail = (message, code) => Object.assign(new Error(message), { code });
try {
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((f) => existsSync(f))
    ?? createRequire(path.join(dir, "index.js")).resolve(path.basename(modulePath), {
      paths: [dir, path.resolve(dir, path.dirname(modulePath))],
    });
  out.module = path.relative(dir, file);
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[name] ?? mod.default?.[name];
  if (typeof fn !== "function") throw fail(`${out.module} exports no function ${name}`, "NO_HANDLER");
  out.loaded = true;
  out.kind = fn.constructor.name === "AsyncFunction" ? "async" : fn.length >= 3 ? "callback" : "sync";
  out.parameters = fn.length;
  if (eventJson && out.kind !== "callback") out.result = await fn(JSON.parse(eventJson), {});
} catch (err) {
  out.loaded = out.loaded ?? false;
  out.error = { name: err.name, code: err.code ?? null, message: String(err.message).split("\n")[0] };
}
console.log(JSON.stringify(out));
"""


@dataclass(frozen=True)
class HandlerLoad:
    """What happened when Node loaded a handler (and, if asked, invoked it with one event)."""

    handler: str
    node: str
    loaded: bool
    module: str = ""
    kind: str = ""  # async | callback | sync
    parameters: int = 0
    error: dict[str, Any] | None = None
    result: Any = None

    def __repr__(self) -> str:
        head = f"node {self.node} loading {self.handler}"
        if not self.loaded:
            err = self.error or {}
            code = f" [{err.get('code')}]" if err.get("code") else ""
            return f"{head}\n  ✘ {err.get('name', 'Error')}{code}: {err.get('message', '')}"
        article = "an" if self.kind == "async" else "a"
        lines = [
            f"{head}\n  ✔ loaded {self.module}: {article} {self.kind} handler "
            f"({self.parameters} parameters)"
        ]
        if self.result is not None:
            lines.append(f"  → returned {json.dumps(self.result, sort_keys=True)}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def node_version() -> str:
    """The version of the course's Node (`v24.x.y`)."""
    node = _env.node_executable() or "node"
    return subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def load_handler(code_dir: Path | str, handler: str, event: Any = None, timeout: float = 30) -> HandlerLoad:
    """Import `handler` ("src/index.handler") from `code_dir` with the pinned Node."""
    node = _env.node_executable() or "node"
    # No NODE_PATH: only what the package itself carries may be found, as in Lambda.
    env = {k: v for k, v in os.environ.items() if k != "NODE_PATH"}
    args = [node, "--input-type=module", "-e", _LOADER, str(code_dir), handler]
    if event is not None:
        args.append(json.dumps(event))
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"node did not report on {handler}: {r.stderr.strip()[:300]}")
    data = json.loads(lines[-1])
    return HandlerLoad(
        handler=handler,
        node=node_version(),
        loaded=bool(data.get("loaded")),
        module=data.get("module", ""),
        kind=data.get("kind", ""),
        parameters=int(data.get("parameters", 0)),
        error=data.get("error"),
        result=data.get("result"),
    )


def load_inline_handler(
    source: str, handler: str = "index.handler", filename: str = "index.js", event: Any = None
) -> HandlerLoad:
    """Write inline code (what `lambda_.Code.from_inline` deploys) to an empty package and load it."""
    with tempfile.TemporaryDirectory(prefix="pitfalls-handler-") as tmp:
        (Path(tmp) / filename).write_text(source)
        return load_handler(tmp, handler, event)
