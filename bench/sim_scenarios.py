#!/usr/bin/env python3
"""Every policy in every load scenario, over several seeds: the table of docs/simulator.md "Under load".

For each trace, pace (--time-scale), load (--load-scale) and failure case (none, or the busiest center down for
12 h from hour 24) it runs `zhisuan sim --seeds` and prints, per policy, tenant cost over the offline bound (mean
and range over the seeds), in how many seeds it was the cheapest, carbon, JCT p50/p99, SLO and deadline misses,
the largest ratio to the time-indexed bound (a lower bound that holds when capacity binds) over the seeds, and
for the scenario the busiest hub's utilisation under the default policy (first seed, while jobs arrive: its
mean and its peak hour). It ends with the scenarios in which the default policy was not the cheapest in every seed.

  bench/sim_scenarios.py --zhisuan build/release/zhisuan --traces ../shared/traces [--seeds 1-5] [--quick]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

DEFAULT = "lowest-cost"
FAILURE = "huaweicloud-guian@24+12"  # the busiest center under lowest-cost at 50x pace


def run(args, trace, fmt, pace, load, fail, workdir):
    cmd = [args.zhisuan, "--db", os.path.join(workdir, "zhisuan.db"), "sim", "--trace", trace, "--format", fmt,
           "--time-scale", str(pace), "--load-scale", str(load), "--seeds", args.seeds, "--json"]
    if fail:
        cmd += ["--fail", FAILURE]
    started = time.time()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out), time.time() - started


def busiest_hub(report):
    """The hub busiest under the default policy while jobs arrive: (hub, mean, peak hour) over those samples."""
    series = report["series"][DEFAULT]
    until = next(p["last_arrival_h"] for p in report["policies"] if p["policy"] == DEFAULT)
    keep = [i for i, t in enumerate(series["t_h"]) if t <= until] or [0]
    best = None
    for name, all_values in series["hub_utilisation"].items():
        values = [all_values[i] for i in keep if i < len(all_values)]
        if name == "none" or not values:
            continue
        mean = sum(values) / len(values)
        if best is None or mean > best[1]:
            best = (name, mean, max(values))
    return best or ("-", 0.0, 0.0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zhisuan", required=True)
    p.add_argument("--traces", required=True, help="directory holding philly.csv and the Alibaba pod list")
    p.add_argument("--seeds", default="1-5")
    p.add_argument("--quick", action="store_true", help="50x pace only, no failure (a smoke run)")
    args = p.parse_args()
    traces = [
        ("philly", os.path.join(args.traces, "philly.csv"), "philly", [1, 30]),
        ("alibaba", os.path.join(args.traces, "alibaba-gpu-2023-openb_pod_list_default.csv"), "alibaba", [1, 50]),
    ]
    paces = [50] if args.quick else [1, 10, 50]
    fails = [False] if args.quick else [False, True]
    misses = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, path, fmt, loads in traces:
            print(f"\n### {name}\n")
            print("| pace | load | failure | busiest hub: mean / peak | policy | cost / bound (mean, range) | "
                  "cost / time-indexed bound | cheapest | carbon t | JCT p50 h | JCT p99 h | SLO misses | "
                  "deadline misses |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for pace in paces:
                for load in loads:
                    for fail in fails:
                        report, took = run(args, path, fmt, pace, load, fail, workdir)
                        hub, mean, peak = busiest_hub(report)
                        seeds = report["seeds"]["policies"]
                        n = len(report["seeds"]["seeds"])
                        scenario = (f"{pace}x | {load} | {'guian 24+12 h' if fail else '-'} | "
                                    f"{hub} {mean:.0%} / {peak:.0%}")
                        for policy, s in seeds.items():
                            r = s["cost_ratio_to_bound"]
                            ti = s.get("cost_ratio_to_time_indexed_bound", {}).get("max", 0)
                            print(f"| {scenario} | {policy} | {r['mean']:.4f} [{r['min']:.4f}, {r['max']:.4f}] | "
                                  f"{'%.4f' % ti if ti else '-'} (max) | "
                                  f"{s['cheapest_in']}/{n} | {s['carbon_t']['mean']:.1f} | "
                                  f"{s['jct_p50_h']['mean']:.2f} | {s['jct_p99_h']['mean']:.1f} | "
                                  f"{s['slo_misses']['mean']:.0f} | {s['deadline_misses']['mean']:.0f} |")
                            scenario = " | | |"
                        if seeds[DEFAULT]["cheapest_in"] != n:
                            misses.append(f"{name} {pace}x load {load}{' failure' if fail else ''}: "
                                          f"{DEFAULT} cheapest in {seeds[DEFAULT]['cheapest_in']}/{n}")
                        print(f"{name} {pace}x load {load} fail={fail}: {took:.1f} s", file=sys.stderr)
    print("\nscenarios in which the default policy was not the cheapest in every seed:",
          "none" if not misses else "")
    for m in misses:
        print(f"- {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
