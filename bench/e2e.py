#!/usr/bin/env python3
"""End-to-end benchmark driver: testrail-sync and trcli side by side against our emulator.

Called by bench/run.sh (which builds, installs trcli and generates the reports); it can be run
alone once those exist. Only 127.0.0.1 is contacted: every emulator is ours, started here on a
free port, and trcli's PyPI version check is answered from a pre-seeded cache (see run.sh).

Each measurement gets a fresh emulator process (so one tool's requests never sit in the other's
rate-limit window), then: wall time, peak RSS (wait4 rusage of that child), API calls and status
codes from GET /_emulator/stats, and TCP connections opened to the emulator (distinct client
ports seen by `ss` — the emulator has no connection counter; TIME-WAIT keeps closed ones listed
for 60 s, which is longer than any run here).

Every loop is bounded in count and every child has a timeout.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

EMAIL = "bench@example.com"
KEY = "benchkey"
EMULATOR_START_TIMEOUT = 20.0


class Emulator:
    def __init__(self, binary, fixture, latency_ms=0, rate_limit=0, workdir=".", extra=()):
        self.log = open(os.path.join(workdir, "emulator.log"), "ab")
        args = [binary, "emulator", "--port", "0", "--fixture", fixture, "--user", "%s:%s" % (EMAIL, KEY),
                "--latency-ms", str(latency_ms), "--rate-limit", str(rate_limit), "--seed", "8", "-q", *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        self.url = self._read_url()
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def _read_url(self):
        result = {}

        def read():
            result["line"] = self.proc.stdout.readline().decode().strip()

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(EMULATOR_START_TIMEOUT)
        line = result.get("line", "")
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            sys.exit("emulator did not print its URL within %.0f s (got %r)" % (EMULATOR_START_TIMEOUT, line))
        return line

    def stats(self):
        with urllib.request.urlopen(self.url + "/_emulator/stats", timeout=10) as r:
            return json.load(r)

    def reset(self):
        req = urllib.request.Request(self.url + "/_emulator/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def client_ports(port):
    """Peer ports of every TCP socket to/from the emulator's port (any state but LISTEN)."""
    out = subprocess.run(["ss", "-Htan"], capture_output=True, text=True, timeout=10).stdout
    ports = set()
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 5 or cols[0] == "LISTEN":
            continue
        local, peer = cols[3], cols[4]
        lport, pport = local.rsplit(":", 1)[1], peer.rsplit(":", 1)[1]
        if lport == str(port):
            ports.add(pport)
        elif pport == str(port):
            ports.add(lport)
    return ports


def run_child(args, env, cwd, timeout, out_path):
    """Runs one command; returns (wall seconds, peak RSS KiB, exit code)."""
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, rusage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, rusage.ru_maxrss, proc.returncode


def measure(tool, args, emu, env, cwd, timeout, label):
    emu.reset()
    before = client_ports(emu.port)
    out_path = os.path.join(cwd, "%s.out" % label)
    wall, rss, code = run_child(args, env, cwd, timeout, out_path)
    conns = len(client_ports(emu.port) - before)
    stats = emu.stats()
    row = {
        "label": label, "tool": tool, "wall_s": wall, "rss_kib": rss, "exit": code, "connections": conns,
        "api_calls": stats.get("requests", 0), "endpoints": stats.get("endpoints", {}),
        "status_codes": stats.get("status_codes", {}), "writes": stats.get("writes", 0),
    }
    if code != 0:
        with open(out_path, "rb") as f:
            tail = f.read()[-2000:].decode(errors="replace")
        print("!! %s exited %s; last output:\n%s" % (label, code, tail), file=sys.stderr)
    return row


def ours_cmd(a, report, batch, rate_limit, extra=()):
    """`batch` None: the engine's default batch size."""
    cmd = [a.ours, "report", report, "--project-id", "1", "--suite-id", "1", "--format", "json", "--no-journal",
           "--run-name", "bench", "--rate-limit", str(rate_limit), *extra]
    if batch is not None:
        cmd += ["--batch-size", str(batch)]
    return cmd


def trcli_cmd(a, url, report):
    return [a.trcli, "-y", "-h", url, "--project", "Shop", "-u", EMAIL, "-k", KEY,
            "parse_junit", "-f", report, "--case-matcher", "name", "--suite-id", "1", "--title", "bench"]


def scenario(a, name, latency, limit, ours_limit, reps, batches, timeout):
    """trcli once per rep, ours (default batch) once per rep, then ours at each batch size."""
    rows = []
    report = a.memory_report if name == "memory" else a.report
    env_ours = dict(os.environ, TESTRAIL_USER=EMAIL, TESTRAIL_API_KEY=KEY, NO_COLOR="1")
    env_trcli = dict(os.environ, HOME=a.trcli_home)
    for rep in range(reps):
        for tool in ("trcli", "testrail-sync"):
            if tool == "trcli" and (a.no_trcli or name == "cloud-unpaced"):
                continue
            with Emulator(a.ours, a.fixture, latency, limit, a.workdir) as emu:
                if tool == "trcli":
                    cmd = trcli_cmd(a, emu.url, report)
                    env = env_trcli
                else:
                    cmd = ours_cmd(a, report, a.default_batch, ours_limit)
                    env = dict(env_ours, TESTRAIL_HOST=emu.url)
                rows.append(measure(tool, cmd, emu, env, a.workdir, timeout, "%s-%s-%d" % (name, tool, rep)))
                print_row(name, rows[-1])
    for b in batches:
        with Emulator(a.ours, a.fixture, latency, limit, a.workdir) as emu:
            env = dict(env_ours, TESTRAIL_HOST=emu.url)
            row = measure("testrail-sync B=%d" % b, ours_cmd(a, a.report, b, ours_limit), emu, env, a.workdir,
                          timeout, "%s-B%d" % (name, b))
            row["batch"] = b
            rows.append(row)
            print_row(name, row)
    return rows


def print_row(scn, r):
    codes = ",".join("%s:%d" % kv for kv in sorted(r["status_codes"].items()))
    print("  %-12s %-22s %8.2f s %7.1f MiB %5d calls %4d conns  [%s]%s" % (
        scn, r["tool"], r["wall_s"], r["rss_kib"] / 1024, r["api_calls"], r["connections"], codes,
        "" if r["exit"] == 0 else "  EXIT %s" % r["exit"]), flush=True)


def summarize(name, rows, target):
    by_tool = {}
    for r in rows:
        by_tool.setdefault(r["tool"], []).append(r)
    med = {t: statistics.median(x["wall_s"] for x in rs) for t, rs in by_tool.items()}
    lines = ["", "### %s" % name, "",
             "| tool | wall (median) | API calls | 429s | TCP connections | peak RSS | trcli / this |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    trcli = med.get("trcli")
    for tool, rs in by_tool.items():
        r = rs[0]
        ratio = "%.1f×" % (trcli / med[tool]) if trcli else "–"
        lines.append("| %s | %.2f s | %d | %d | %d | %.0f MiB | %s |" % (
            tool, med[tool], r["api_calls"], r["status_codes"].get("429", 0), r["connections"],
            max(x["rss_kib"] for x in rs) / 1024, ratio))
    if target and trcli and "testrail-sync" in med:
        got = trcli / med["testrail-sync"]
        lines.append("")
        lines.append("Target ≥ %.0f× faster: **%s** (%.1f×)." % (target, "met" if got >= target else "NOT met", got))
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ours", required=True, help="path to the testrail-sync binary")
    p.add_argument("--trcli", required=True, help="path to the trcli entry point")
    p.add_argument("--trcli-home", required=True, help="HOME for trcli (holds its version cache)")
    p.add_argument("--report", required=True)
    p.add_argument("--fixture", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--reps", type=int, default=3, help="repetitions of the trcli/ours pair (1..10)")
    p.add_argument("--default-batch", type=int, default=None,
                   help="batch size of the side-by-side row (default: the engine's own default)")
    p.add_argument("--batches", default="250,500,1000,2000,5000")
    p.add_argument("--scenarios", default="cloud,cloud-unpaced,self-hosted,local")
    p.add_argument("--no-trcli", action="store_true")
    p.add_argument("--memory-report", help="report for the 'memory' scenario")
    p.add_argument("--json", help="write every row here")
    a = p.parse_args()
    a.reps = max(1, min(a.reps, 10))
    for attr in ("ours", "trcli", "trcli_home", "report", "fixture", "workdir", "memory_report"):
        if getattr(a, attr):
            setattr(a, attr, os.path.abspath(getattr(a, attr)))
    batches = [int(b) for b in a.batches.split(",") if b]
    chosen = a.scenarios.split(",")
    all_rows, summary = {}, []
    # name: (latency ms, emulator limit/min, our --rate-limit, reps, target ratio, child timeout s)
    table = {
        "cloud": (100, 180, 180, 1, 10, 300),
        # Ours unpaced under the same limit: what a sliding-window pacer (budget of 180 per 60 s
        # instead of one request per 337 ms) gives a sync of fewer than 180 calls.
        "cloud-unpaced": (100, 180, 0, 1, 0, 300),
        "self-hosted": (20, 0, 0, a.reps, 3, 120),
        "local": (0, 0, 0, a.reps, 0, 120),
        # Peak memory on a bigger report (--memory-report), local emulator, one run each.
        "memory": (0, 0, 0, 1, 0, 600),
    }
    for name in chosen:
        latency, limit, ours_limit, reps, target, timeout = table[name]
        print("scenario %s: latency %d ms, emulator rate limit %s/min, ours --rate-limit %d" % (
            name, latency, limit or "no", ours_limit), flush=True)
        rows = scenario(a, name, latency, limit, ours_limit, reps, [] if name == "memory" else batches, timeout)
        all_rows[name] = rows
        title = "%s: %s ms latency, %s, our --rate-limit %d" % (
            name, latency, "rate limit %d/min" % limit if limit else "no rate limit", ours_limit)
        if name == "memory":
            title += ", report %s" % os.path.basename(a.memory_report)
        summary.append(summarize(title, [r for r in rows if "batch" not in r], target))
        sweep = [r for r in rows if "batch" in r]
        if sweep:
            summary.append("\nBatch size sweep (testrail-sync, %s):\n\n| B | wall | API calls | connections | peak RSS |\n|---:|---:|---:|---:|---:|" % name)
            for r in sweep:
                summary.append("| %d | %.2f s | %d | %d | %.0f MiB |" % (
                    r["batch"], r["wall_s"], r["api_calls"], r["connections"], r["rss_kib"] / 1024))
    print("\n".join(summary))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(all_rows, f, indent=1)


if __name__ == "__main__":
    main()
