"""Just enough of a Debug Adapter Protocol client to do what an editor does when
it attaches to debugpy: attach, set a breakpoint, see it hit, continue.

The protocol: JSON messages, each after a `Content-Length` header, over TCP
(https://microsoft.github.io/debug-adapter-protocol/).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any


class DebugSession:
    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""
        self.sequence = 0

    def request(self, command: str, **arguments: Any) -> None:
        self.sequence += 1
        body = json.dumps(
            {"seq": self.sequence, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self.connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise ConnectionError("the debug adapter closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def message(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise ConnectionError("the debug adapter closed the connection")
            self.buffer += chunk
        header, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(header.split(b":", 1)[1])
        message: dict[str, Any] = json.loads(self._read(length))
        return message

    def wait_for(self, *, event: str | None = None, response: str | None = None) -> dict[str, Any]:
        """The next event or response of that name (the socket's timeout bounds it)."""
        while True:
            message = self.message()
            if event and message.get("event") == event:
                return message
            if response and message.get("command") == response:
                if not message.get("success"):
                    raise RuntimeError(f"{response} failed: {message.get('message')}")
                return message

    def break_at(self, path: str, line: int) -> None:
        """Attach as an editor does, with one breakpoint (a path in the container)."""
        self.request(
            "initialize",
            adapterID="debugpy",
            clientID="stack-infra-tests",
            pathFormat="path",
            linesStartAt1=True,
            columnsStartAt1=True,
        )
        self.request("attach", justMyCode=True)
        self.wait_for(event="initialized")
        self.request("setBreakpoints", source={"path": path}, breakpoints=[{"line": line}])
        verified = self.wait_for(response="setBreakpoints")["body"]["breakpoints"]
        if not verified or not verified[0].get("verified"):
            raise RuntimeError(f"breakpoint {path}:{line} not verified: {verified}")
        self.request("configurationDone")

    def stopped_at(self) -> tuple[str, int]:
        """Waits for a stop; returns where (file, line) and lets the program go on."""
        thread = self.wait_for(event="stopped")["body"]["threadId"]
        self.request("stackTrace", threadId=thread, levels=1)
        frame = self.wait_for(response="stackTrace")["body"]["stackFrames"][0]
        self.request("continue", threadId=thread)
        self.wait_for(response="continue")
        return frame["source"]["path"], frame["line"]


@contextmanager
def attached(port: int, timeout: float = 30) -> Iterator[DebugSession]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        session = DebugSession(connection)
        try:
            yield session
        finally:
            with suppress(OSError):
                session.request("disconnect")
