"""A fake Asterisk Manager Interface on loopback, and the AMI events of typical calls."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

AMI_USER = "crmkit"
AMI_SECRET = "s3cr3t-ami"  # noqa: S105 - the fake PBX's test secret


def event(name: str, **fields: str) -> bytes:
    """Return one AMI event as Asterisk sends it (keys with dashes written as ``Cause_txt``)."""
    lines = [f"Event: {name}"] + [f"{k.replace('_', '-')}: {v}" for k, v in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def inbound_call(uid: str, caller: str, agent: str = "101", status: str = "ANSWER") -> list[bytes]:
    """Return the events of an incoming call from ``caller`` rung to ``agent``."""
    agent_uid = f"{uid}9"
    common = {"Linkedid": uid}
    events = [
        event(
            "Newchannel",
            Channel=f"SIP/trunk-{uid}",
            ChannelState="4",
            ChannelStateDesc="Ring",
            CallerIDNum=caller,
            CallerIDName="Ivan Petrov",
            Exten="74950001122",
            Context="from-trunk",
            Uniqueid=uid,
            **common,
        ),
        event("VarSet", Channel=f"SIP/trunk-{uid}", Variable="X", Value="1", Uniqueid=uid),
        event(
            "DialBegin",
            Channel=f"SIP/trunk-{uid}",
            CallerIDNum=caller,
            Uniqueid=uid,
            DestChannel=f"SIP/{agent}-0001",
            DestCallerIDNum=agent,
            DestExten=agent,
            DestUniqueid=agent_uid,
            DestLinkedid=uid,
            DialString=agent,
            **common,
        ),
        event(
            "DialEnd",
            Channel=f"SIP/trunk-{uid}",
            Uniqueid=uid,
            DestChannel=f"SIP/{agent}-0001",
            DestCallerIDNum=agent,
            DestUniqueid=agent_uid,
            DialStatus=status,
            **common,
        ),
    ]
    if status == "ANSWER":
        events.append(
            event(
                "Newstate",
                Channel=f"SIP/{agent}-0001",
                ChannelStateDesc="Up",
                CallerIDNum=agent,
                Uniqueid=agent_uid,
                **common,
            )
        )
    events += [
        event("Hangup", Channel=f"SIP/{agent}-0001", Uniqueid=agent_uid, Cause="16", **common),
        event(
            "Hangup",
            Channel=f"SIP/trunk-{uid}",
            Uniqueid=uid,
            Cause="16",
            Cause_txt="Normal Clearing",
            **common,
        ),
    ]
    return events


class FakeAsterisk:
    """A TCP server speaking AMI: banner, login, then scripted sessions of event chunks.

    Each accepted login takes the next session from ``sessions``: a list of byte chunks sent
    with a short pause between them, then ``"drop"`` (close at once) or ``"hold"`` (keep the
    connection until the client leaves).
    """

    def __init__(self) -> None:
        self.sessions: list[tuple[list[bytes], str]] = []
        self.logins: list[tuple[str, str]] = []
        self.secret = AMI_SECRET
        self.pause = 0.002
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.05)
        while not self.stopped.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _login(self, conn: socket.socket) -> dict[str, str] | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            data += chunk
        lines = data.decode().split("\r\n")
        return {k: v.strip() for k, _, v in (line.partition(":") for line in lines if ":" in line)}

    def _session(self, conn: socket.socket) -> None:
        with conn:
            conn.sendall(b"Asterisk Call Manager/5.0.1\r\n")
            action = self._login(conn)
            if action is None:
                return
            self.logins.append((action.get("Username", ""), action.get("Secret", "")))
            if action.get("Username") != AMI_USER or action.get("Secret") != self.secret:
                conn.sendall(
                    b"Response: Error\r\nActionID: crmkit-login\r\n"
                    b"Message: Authentication failed\r\n\r\n"
                )
                return
            conn.sendall(
                b"Response: Success\r\nActionID: crmkit-login\r\n"
                b"Message: Authentication accepted\r\n\r\n"
                b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
            )
            chunks, end = self.sessions.pop(0) if self.sessions else ([], "hold")
            for chunk in chunks:
                time.sleep(self.pause)
                conn.sendall(chunk)
            if end == "hold":
                conn.settimeout(0.05)
                while not self.stopped.is_set():
                    try:
                        if not conn.recv(4096):
                            return
                    except TimeoutError:
                        continue
                    except OSError:
                        return

    def close(self) -> None:
        """Stop accepting and end every session."""
        self.stopped.set()
        self.server.close()
        self.thread.join(timeout=2)


def ami_config(port: int, **extra: Any) -> dict[str, Any]:
    """Return the asterisk-ami settings for the fake server."""
    return {
        "host": "127.0.0.1",
        "port": port,
        "username": AMI_USER,
        "secret": AMI_SECRET,
        "timeout_seconds": 2.0,
        "read_seconds": 3.0,
        "reconnect_seconds": 0.05,
        **extra,
    }


def split_bytes(data: bytes, size: int) -> list[bytes]:
    """Return ``data`` cut into pieces of ``size`` bytes (events split across packets)."""
    return [data[i : i + size] for i in range(0, len(data), size)]
