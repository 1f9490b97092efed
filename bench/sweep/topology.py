"""The three processes of one grid point: tandem-cloud <- tandem-linkem <- tandem-edge,
on 127.0.0.1 with ports chosen by the kernel (port 0), as deploy/lib/local_topology.sh
starts them. On a machine with 2 or more cores the edge is pinned to core 0 and the
cloud to core 1 (taskset); the link is not pinned.

Stdlib only (any Python 3.11).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import grid

PORT_TIMEOUT_S = 60     # a server must print its port within this
STOP_TIMEOUT_S = 15     # after SIGTERM, before SIGKILL
POLL_INTERVAL_S = 0.02  # between looks at a server's log for its port
PORT_PATTERN = re.compile(rb"listening on port (\d+)")


class TopologyError(Exception):
    """A process of the topology failed; the message says which and why."""


def pin_prefix(core):
    """A command prefix pinning to `core`, or [] on a 1-core machine or without taskset."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(core)]


class Server:
    """A started tandem-cloud or tandem-linkem; stdout and stderr go to log_path.

    listening_at: time.monotonic() when its port was seen in the log (for
    tandem-linkem, within POLL_INTERVAL_S of the start of its --schedule)."""

    def __init__(self, name, command, log_path, cwd):
        self.name = name
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=cwd)
        self.port = self._wait_for_port()
        self.listening_at = time.monotonic()

    def _wait_for_port(self):
        """Polls the log for "listening on port N" until the deadline; returns N."""
        deadline = time.monotonic() + PORT_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as log:
                match = PORT_PATTERN.search(log.read())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                self.stop()
                raise TopologyError(f"{self.name} exited with status {self.process.returncode} "
                                    f"before listening: {self.log_tail()}")
            time.sleep(POLL_INTERVAL_S)
        self.stop()
        raise TopologyError(f"{self.name} printed no port within {PORT_TIMEOUT_S} s: "
                            f"{self.log_tail()}")

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log_tail(self, n_chars=400):
        """The end of the log, on one line."""
        with open(self.log_path, "rb") as log:
            text = log.read().decode("utf-8", "replace")
        return " | ".join(text[-n_chars:].strip().splitlines())


def start_cloud(build, point, log_path, root):
    """tandem-cloud for `point`, listening on 127.0.0.1:0."""
    command = pin_prefix(1) + [os.path.join(build, "cloud", "tandem-cloud"),
                               "--model", grid.TARGET_MODEL, "--address", "127.0.0.1:0",
                               *point.cloud_flags()]
    return Server("tandem-cloud", command, log_path, root)


def start_link(build, link, cloud_port, log_path, stats_path, root):
    """tandem-linkem relaying 127.0.0.1:0 to the cloud over `link`; writes its
    stats as JSON to stats_path when stopped."""
    command = [os.path.join(build, "bench", "linkem", "tandem-linkem"),
               "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{cloud_port}",
               *link.flags(), "--stats_json", stats_path]
    return Server("tandem-linkem", command, log_path, root)


def run_edge(build, point, link_port, prompt, seed, stderr_path, timeout_s, root):
    """Runs one tandem-edge generation; returns its JSON object (a dict).

    Raises TopologyError when it fails, times out or prints no JSON object."""
    command = pin_prefix(0) + [os.path.join(build, "edge", "tandem-edge"), "generate",
                               "--model", grid.DRAFT_MODEL, "--cloud", f"127.0.0.1:{link_port}",
                               "--prompt", prompt, "--seed", str(seed), *point.edge_flags()]
    with open(stderr_path, "wb") as stderr:
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr,
                                  stdin=subprocess.DEVNULL, cwd=root, timeout=timeout_s,
                                  check=False)
        except subprocess.TimeoutExpired as e:
            raise TopologyError(f"tandem-edge (seed {seed}) ran past {timeout_s:.0f} s") from e
    if done.returncode != 0:
        with open(stderr_path, "rb") as f:
            tail = " | ".join(f.read().decode("utf-8", "replace")[-400:].strip().splitlines())
        raise TopologyError(f"tandem-edge (seed {seed}) exited with status {done.returncode}: "
                            f"{tail}")
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as e:
        raise TopologyError(f"tandem-edge (seed {seed}) printed no JSON object: "
                            f"{done.stdout[-200:]!r}") from e


PRESET_NAME = re.compile(r"^(\w+): ")
DIRECTION_FIGURES = re.compile(r"^(uplink|downlink):\s+delay ([\d.]+) ms, jitter ([\d.]+) ms, "
                               r"rate (unlimited|[\d.]+ kbit/s), .*?loss ([\d.]+)%")


def linkem_presets(build):
    """tandem-linkem's presets as {name: (rtt_ms, jitter_ms, rate_kbps, loss)},
    parsed from --list_presets; None for a preset whose directions differ."""
    listing = subprocess.run([os.path.join(build, "bench", "linkem", "tandem-linkem"),
                              "--list_presets"], check=True, capture_output=True,
                             text=True).stdout
    directions, presets, name = {}, {}, None
    for line in listing.splitlines():
        figures = DIRECTION_FIGURES.match(line)
        if figures:
            direction, delay, jitter, rate, loss = figures.groups()
            rate_kbps = 0.0 if rate == "unlimited" else float(rate.split()[0])
            directions[direction] = (float(delay), float(jitter), rate_kbps, float(loss) / 100)
            if len(directions) == 2:
                up, down = directions["uplink"], directions["downlink"]
                presets[name] = ((up[0] + down[0], *up[1:]) if up[1:] == down[1:] else None)
        elif PRESET_NAME.match(line):
            name, directions = PRESET_NAME.match(line).group(1), {}
    return presets
