"""Writing to CloudWatch Logs from inside the local AWS (builds and functions log here).

As CodeBuild and Lambda do, a missing log group or stream is created on first write.
"""

from __future__ import annotations

import threading
import time

from moto.logs.models import logs_backends

_lock = threading.Lock()  # moto's log streams are not thread safe (its own TODO says so)


def now_ms() -> int:
    return int(time.time() * 1000)


class LogWriter:
    """One log stream; `write` appends lines (one event each), thread safe."""

    def __init__(self, account_id: str, region: str, group: str, stream: str) -> None:
        self.group, self.stream = group, stream
        backend = logs_backends[account_id][region]
        with _lock:
            if group not in backend.groups:
                backend.create_log_group(group, {})
            log_group = backend.groups[group]
            if stream not in log_group.streams:
                log_group.create_log_stream(stream)
            self._group = log_group

    def write(self, *lines: str, timestamp: int | None = None) -> None:
        events = [{"timestamp": timestamp or now_ms(), "message": line} for line in lines]
        if events:
            with _lock:
                self._group.put_log_events(self.stream, events)
