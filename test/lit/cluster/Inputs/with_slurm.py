#!/usr/bin/env python3
"""Runs a command with a one-host Slurm cluster up: starts it (scripts/slurm-cluster.sh) in a
fresh short folder under /tmp (munge's socket path must stay short), exports SLURM_CONF, runs the
command, and stops the cluster whatever happened. Exits with the command's status.

usage: with_slurm.py CLUSTER_SCRIPT -- COMMAND...
"""
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    script, command = sys.argv[1], sys.argv[3:]
    folder = tempfile.mkdtemp(prefix="weir-slurm-", dir="/tmp")
    try:
        started = subprocess.run(["bash", script, "start", folder], capture_output=True, text=True)
        if started.returncode != 0:
            sys.stderr.write("with_slurm: the cluster did not start:\n" + started.stdout + started.stderr)
            return 2
        env = dict(os.environ, SLURM_CONF=os.path.join(folder, "slurm.conf"))
        return subprocess.run(command, env=env).returncode
    finally:
        subprocess.run(["bash", script, "stop", folder], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
