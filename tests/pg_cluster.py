"""A throwaway PostgreSQL cluster in a temp folder (initdb/pg_ctl), for outage tests.

    with PgCluster.create() as cluster:
        url = cluster.url          # postgresql+psycopg://postgres@127.0.0.1:<port>/postgres
        cluster.stop(); cluster.start()

It never touches the machine's shared server: its own folder, its own free port, its own socket
directory. initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

WAIT_SECONDS = 60  # pg_ctl waits this long for a start or stop


def bin_dir() -> Path | None:
    """The newest PostgreSQL bin folder that has initdb and pg_ctl, if any."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = [d for d in found if (d / "pg_ctl").exists()]
    if not found and shutil.which("initdb") and shutil.which("pg_ctl"):
        return Path(shutil.which("initdb")).parent
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, default=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, bindir: Path, folder: Path, port: int, user: str | None):
        self.bindir, self.folder, self.port, self.user = bindir, folder, port, user
        self.data = folder / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    @classmethod
    def create(cls, bindir: Path) -> "PgCluster":
        user = "postgres" if os.geteuid() == 0 else None
        folder = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
        if user:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        cluster = cls(bindir, folder, free_port(), user)
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--no-sync", "--locale=C")
        return cluster

    def _run(self, program: str, *args: str) -> str:
        command = [str(self.bindir / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=WAIT_SECONDS + 30)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", str(WAIT_SECONDS), "start")

    def stop(self, mode: str = "fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", str(WAIT_SECONDS), "stop")

    def running(self) -> bool:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True).returncode == 0

    def remove(self):
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
