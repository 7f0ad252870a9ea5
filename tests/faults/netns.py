"""A network namespace joined to this host by a veth pair: a second "host" for the tests.

Inside, a process sees only its own loopback and the namespace's end of the veth (a /30);
this host's services are reached at the host end's address, never at 127.0.0.1. Made with
iproute2 (needs root or CAP_NET_ADMIN), named uniquely, and deleted afterwards with its veth.
"""

from __future__ import annotations

import contextlib
import ipaddress
import random
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Namespace:
    name: str
    host_ip: str  # this host's end of the veth
    ns_ip: str  # the namespace's end
    network: str  # the /30 both are in

    def command(self, *args: str) -> list[str]:
        """`args` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *args]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


def available() -> str | None:
    """Why no namespace can be made here, or None (tries one, and deletes it)."""
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    name = f"askwell-probe-{uuid.uuid4().hex[:8]}"
    probe = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        return f"`ip netns add` is not permitted here: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=20)
    return None


def _free_network() -> ipaddress.IPv4Network:
    """A /30 in 10.200.0.0/13 that overlaps no address or route of this host."""
    shown = subprocess.run(
        ["sh", "-c", "ip -4 -o addr show; ip -4 route show table all"], capture_output=True, text=True
    ).stdout
    taken = [
        ipaddress.ip_network(n, strict=False) for n in re.findall(r"\b\d+\.\d+\.\d+\.\d+(?:/\d+)?", shown)
    ]
    for _ in range(100):
        base = f"10.{random.randint(200, 207)}.{random.randint(0, 255)}.{random.randrange(0, 256, 4)}"
        network = ipaddress.IPv4Network(f"{base}/30")
        if not any(network.overlaps(other) for other in taken if other.prefixlen > 0):
            return network
    raise RuntimeError("no free /30 in 10.200.0.0/13 for the test's veth pair")


@contextmanager
def network_namespace() -> Iterator[Namespace]:
    suffix = uuid.uuid4().hex[:8]
    name, host_if, ns_if = f"askwell-t-{suffix}", f"awh{suffix}", f"awn{suffix}"
    network = _free_network()
    host_ip, ns_ip = (str(address) for address in network.hosts())
    _ip("netns", "add", name)
    try:
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", name)
        _ip("addr", "add", f"{host_ip}/30", "dev", host_if)
        _ip("link", "set", host_if, "up")
        _ip("-n", name, "addr", "add", f"{ns_ip}/30", "dev", ns_if)
        _ip("-n", name, "link", "set", ns_if, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield Namespace(name=name, host_ip=host_ip, ns_ip=ns_ip, network=str(network))
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "delete", name)  # takes its end of the veth, and so the pair, with it
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "delete", host_if)  # if the pair outlived it
