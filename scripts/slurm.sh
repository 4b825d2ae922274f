#!/usr/bin/env bash
# Starts or stops real single-node Slurm clusters on this machine, one per center, for the Slurm backend's tests
# (see ../shared/reference/slurm-local.md). Needs root, slurm-wlm and munge (scripts/setup.sh installs them).
#
#   scripts/slurm.sh up DIR NAME PORT [NAME PORT ...]   # each cluster gets DIR/NAME/slurm.conf; waits until idle
#   SLURM_EXTRA_CONF='MaxJobCount=3\nMinJobAge=2' scripts/slurm.sh up ...  # lines added to each slurm.conf
#   scripts/slurm.sh down DIR                            # stops every daemon started under DIR
set -euo pipefail

cmd=${1:?usage: slurm.sh up DIR NAME PORT ... | down DIR}
dir=$(realpath -m "${2:?DIR}")
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))

# Two fixtures may start at once (ctest -j): one starts munged, the other waits for it under the same lock.
start_munge() {
  mkdir -p /run/lock
  exec 9>/run/lock/zhisuan-munge.lock
  flock 9
  if pgrep -x munged >/dev/null; then exec 9>&-; return; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
  chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged 9>&-
  for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
  exec 9>&-
}

case "$cmd" in
  up)
    shift 2
    start_munge
    started=()
    while [ $# -gt 0 ]; do
      name=$1 port=$2
      shift 2
      c="$dir/$name"
      started+=("$c")
      mkdir -p "$c/state" "$c/spool" "$c/log" "$c/jobs"
      chmod 755 "$dir" "$c" "$c/jobs"
      cat >"$c/slurm.conf" <<CONF
ClusterName=$name
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/log/slurmctld.log
SlurmdLogFile=$c/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
JobCompType=jobcomp/filetxt
JobCompLoc=$c/jobcomp.txt
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
$(printf '%b' "${SLURM_EXTRA_CONF:-}")
CONF
      SLURM_CONF="$c/slurm.conf" /usr/sbin/slurmctld -f "$c/slurm.conf"
      SLURM_CONF="$c/slurm.conf" /usr/sbin/slurmd -f "$c/slurm.conf" -N "$host"
    done
    # Wait until the node of every cluster started here is idle.
    for c in "${started[@]}"; do
      for _ in $(seq 1 150); do
        state=$(SLURM_CONF="$c/slurm.conf" timeout 5 sinfo -h -o %t 2>/dev/null | head -1 || true)
        [ "$state" = idle ] && break
        sleep 0.2
      done
      [ "$state" = idle ] || { echo "slurm.sh: $c did not come up (state '$state')" >&2; tail -5 "$c/log/"*.log >&2; exit 1; }
    done
    ;;
  down)
    for c in "$dir"/*/; do
      for pidfile in "$c/slurmd.pid" "$c/slurmctld.pid"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
      done
    done
    ;;
  *) echo "usage: slurm.sh up DIR NAME PORT ... | down DIR" >&2; exit 2 ;;
esac
