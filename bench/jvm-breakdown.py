#!/usr/bin/env python3
"""Where a broker JVM's start-up time and memory go, for bench/run.sh (one line of Markdown table per call).

  jvm-breakdown.py start PID PERFCOUNTERS   at readiness: JVM creation, classes loaded (and from the archive or AOT
                                            cache), class loading / initialisation time, JIT compile time (methods compiled), GC time
                                            (from `jcmd PID PerfCounter.print`), and the CPU the threads used by kind
                                            (from /proc/PID/task/*/stat)
  jvm-breakdown.py memory PID NMT           after load: RSS (anonymous, file-backed) from /proc/PID/status, and the
                                            JVM's own account (`jcmd PID VM.native_memory summary`, committed) by area
"""
import glob
import os
import re
import sys

HZ = os.sysconf("SC_CLK_TCK")


def perf_counters(path):
    counters = {}
    for line in open(path):
        name, _, value = line.strip().partition("=")
        if value.strip('"').lstrip("-").isdigit():
            counters[name] = int(value.strip('"'))
    return counters


def thread_cpu_ms(pid):
    """CPU ms by kind of thread; threads that have ended count as 'ended' (the process total less the live ones)."""
    kinds = {"main": 0, "JIT": 0, "GC and VM": 0, "request threads": 0, "other": 0}
    live = 0
    for stat in glob.glob(f"/proc/{pid}/task/*/stat"):
        try:
            text = open(stat).read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        ms = (int(fields[11]) + int(fields[12])) * 1000 // HZ
        live += ms
        if name == "main" or name == "java":
            kinds["main"] += ms
        elif "CompilerThre" in name:
            kinds["JIT"] += ms
        elif re.match(r"VM Thread|GC Thread|G1 |VM Periodic", name):
            kinds["GC and VM"] += ms
        elif re.match(r"vert\.x|executor-thread", name):
            kinds["request threads"] += ms
        else:
            kinds["other"] += ms
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) * 1000 // HZ
    kinds["ended"] = max(total - live, 0)
    return total, kinds


def start(pid, path):
    c = perf_counters(path)
    hz = c.get("sun.os.hrt.frequency", 1_000_000_000)
    ms = lambda name: c.get(name, 0) * 1000 // hz
    loaded = c.get("java.cls.loadedClasses", 0) + c.get("java.cls.sharedLoadedClasses", 0)
    gc = sum(v for k, v in c.items() if re.fullmatch(r"sun\.gc\.collector\.\d+\.time", k)) * 1000 // hz
    total, kinds = thread_cpu_ms(pid)
    cpu = ", ".join(f"{k} {v}" for k, v in kinds.items() if v)
    print(f"| {c.get('sun.rt.createVmEndTime', 0) - c.get('sun.rt.createVmBeginTime', 0)} | {loaded} "
          f"| {c.get('java.cls.sharedLoadedClasses', 0)} | {ms('sun.cls.time')} | {ms('sun.cls.classInitTime')} "
          f"| {ms('sun.ci.standardTime') + ms('sun.ci.osrTime')} ({c.get('sun.ci.totalCompiles', 0)}) | {gc} | {total}: {cpu} |")


def memory(pid, path):
    status = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            status[key] = int(value.split()[0]) // 1024
    areas = {}
    for line in open(path):
        m = re.match(r"-\s+(.+?) \(reserved=\d+KB, committed=(\d+)KB", line)
        if m:
            areas[m.group(1)] = int(m.group(2)) // 1024
        m = re.match(r"Total: reserved=\d+KB, committed=(\d+)KB", line.strip())
        if m:
            areas["Total"] = int(m.group(1)) // 1024
    named = ["Java Heap", "Class", "Metaspace", "Shared class space", "Code", "Thread", "Symbol", "Arena Chunk"]
    rest = areas.get("Total", 0) - sum(areas.get(n, 0) for n in named)
    print(f"| {status['VmRSS']} ({status['RssAnon']} + {status['RssFile']}) | {areas.get('Total', 0)} | "
          + " | ".join(str(areas.get(n, 0)) for n in named) + f" | {rest} |")


if __name__ == "__main__":
    {"start": start, "memory": memory}[sys.argv[1]](sys.argv[2], sys.argv[3])
