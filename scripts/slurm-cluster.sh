#!/usr/bin/env bash
# Starts, stops or checks a one-host Slurm cluster for tests: munged, slurmctld and slurmd from
# Debian's packages (slurm-wlm, munge), each with its own key, socket, spool and logs inside one
# state folder, so it neither needs nor touches /etc/slurm or the system's munge. Run as root
# (slurmd launches jobs as the submitting user).
#
#   scripts/slurm-cluster.sh start [DIR]   prints `export SLURM_CONF=DIR/slurm.conf`
#   scripts/slurm-cluster.sh status [DIR]  exit 0 when the node takes jobs
#   scripts/slurm-cluster.sh stop [DIR]
#
# DIR defaults to /tmp/weir-slurm. Commands (sbatch, squeue, scontrol, scancel) find the cluster
# through SLURM_CONF. There is no accounting database: finished jobs are read with
# `scontrol show job` while the controller keeps them (MinJobAge below), and sacct is not used.
set -euo pipefail

action="${1:-}"
dir="${2:-/tmp/weir-slurm}"

usage() {
  echo "usage: scripts/slurm-cluster.sh start|status|stop [DIR]" >&2
  exit 2
}

need() {
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "slurm-cluster: $tool is not installed (apt-get install slurm-wlm munge)" >&2
      exit 3
    fi
  done
}

stop_pidfile() {
  local pidfile="$1"
  if [ -s "$pidfile" ]; then
    local pid
    pid="$(cat "$pidfile")"
    if running "$pidfile"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

# True when the pid file names a live process (a missing or empty file is not one; `kill -0 0`
# would signal our own process group and succeed).
running() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null && kill -0 "$pid" 2>/dev/null
}

node_ready() {
  SLURM_CONF="$dir/slurm.conf" sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

case "$action" in
  start)
    need munged slurmctld slurmd sinfo
    mkdir -p "$dir"/{munge,spool/ctld,spool/d,log,run}
    chmod 700 "$dir/munge"
    if [ ! -s "$dir/munge/munge.key" ]; then
      head -c 1024 /dev/urandom >"$dir/munge/munge.key"
      chmod 400 "$dir/munge/munge.key"
    fi
    node="$(hostname -s)"
    cpus="$(nproc)"
    memory_mb="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"
    # Two free ports (another cluster, a test's or the system's, may hold Slurm's own).
    read -r ctld_port d_port < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
    cat >"$dir/slurm.conf" <<EOF
ClusterName=weirtest
SlurmctldHost=$node
SlurmUser=root
SlurmctldPort=${WEIR_SLURMCTLD_PORT:-$ctld_port}
SlurmdPort=${WEIR_SLURMD_PORT:-$d_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munged.socket
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=weir Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    if ! running "$dir/run/munged.pid"; then
      munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munged.socket" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed"
    fi
    export SLURM_CONF="$dir/slurm.conf"
    if ! running "$dir/run/slurmctld.pid"; then
      slurmctld -i
    fi
    if ! running "$dir/run/slurmd.pid"; then
      slurmd
    fi
    for _ in $(seq 100); do
      if node_ready; then
        echo "export SLURM_CONF=$dir/slurm.conf"
        exit 0
      fi
      sleep 0.2
    done
    echo "slurm-cluster: the node did not come up in 20 s; see $dir/log/" >&2
    tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    exit 1
    ;;
  status)
    need sinfo
    if node_ready; then echo "slurm-cluster: up ($dir)"; exit 0; fi
    echo "slurm-cluster: down ($dir)"
    exit 1
    ;;
  stop)
    stop_pidfile "$dir/run/slurmd.pid"
    stop_pidfile "$dir/run/slurmctld.pid"
    stop_pidfile "$dir/run/munged.pid"
    echo "slurm-cluster: stopped ($dir)"
    ;;
  *)
    usage
    ;;
esac
