"""Wall time of the live suite over SSH against ten test hosts, with -n 1 against -n 4, and commands per host.

Ten hosts: the drifted pve, proxmox-home and infra-core, and seven more VMs of the
spine's ssh targets cloned from infra-core (each its own sshd, namespace and
hostname). Commands per host are counted from the hosts' own logs; with -n 4
each xdist worker keeps its own probe cache, so a host may be asked a fact once
per worker. Medians over several runs. Needs what the test hosts need (root,
unshare, sshd).

    python bench/live.py [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ESTATE = REPO / "fixtures" / "estate-2026-02-08"
CLONES = ("docker-host", "automation-stack", "media-stack", "vault", "download-home", "pihole-home", "nas")


def _launcher():
    spec = importlib.util.spec_from_file_location("testhosts_launch", REPO / "fixtures" / "hosts" / "launch.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_once(hosts, workers: int) -> tuple[float, dict[str, int]]:
    before = {a: len(h.commands()) for a, h in hosts.hosts.items()}
    cmd = [
        sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-m", "live", "-n", str(workers),
        "--spine-root", str(ESTATE / "agentic-spine"), "--workbench-root", str(ESTATE / "workbench"),
        f"--hosts={','.join(f'ssh://{a}' for a in hosts.hosts)}", f"--ssh-config={hosts.ssh_config}",
        "--now=2026-02-08T20:00:00Z",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"the live suite exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed, {a: len(h.commands()) - before[a] for a, h in hosts.hosts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    launch = _launcher()
    reason = launch.unavailable()
    if reason:
        sys.exit(f"cannot start test hosts: {reason}")
    names = {
        "pve": "pve",
        "proxmox-home": "proxmox-home",
        "infra-core": "infra-core",
        **dict.fromkeys(CLONES, "infra-core"),
    }
    with tempfile.TemporaryDirectory() as tmp, launch.TestHosts.start("drifted", Path(tmp), names) as hosts:
        run_once(hosts, 1)  # warm .pyc files, and open each host's multiplexed ssh connection
        print(f"hosts: {len(hosts.hosts)}; runs per setting: {runs}")
        for workers in (1, 4):
            results = [run_once(hosts, workers) for _ in range(runs)]
            wall = statistics.median(r[0] for r in results)
            sent = {a: statistics.median(r[1][a] for r in results) for a in hosts.hosts}
            per_host = ", ".join(f"{a} {n:g}" for a, n in sent.items())
            print(f"-n {workers}: {wall:.2f} s (median); commands per host (median): {per_host}")
            print(f"      median over hosts: {statistics.median(sent.values()):g} commands")


if __name__ == "__main__":
    main()
