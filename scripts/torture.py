#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""syncsock's torture campaign: `make torture`.

Phases, each in its own guest boot, on each kernel of the campaign:
  fuzz     ioctl_fuzz: structure-aware and random ioctls from privileged and
           unprivileged callers in several network and user namespaces,
           32-bit callers too, with traffic, listener churn and namespace
           exits; then a quiet check that unprivileged callers change nothing
  unload   unload_storm: rmmod and listener delete under load (echo, http
           and the kvcounter example module), each unload timed, memory and
           kmemleak checked after every round
  soak     soak: echo and framed echo through the lossy network, random
           sizes and closes, every byte and every close checked
  faults   failslab (failslab and fail_page_alloc aimed at the module's
           stack), at several failure rates (the debug kernels only)

A campaign is resumable: its figures add up in build/torture/campaign.json
across runs (and sessions) until every target is met; --reset starts anew.
Each run works for --duration (DURATION=, e.g. 90m or 2h), phase by phase
towards the targets, and writes build/torture/report.md and report.json.
--quick runs a short version of every phase once per kernel (the same as
make check's torture-* tests), in build/torture-quick/, without touching
the campaign.

Exit status: 0 when no guest reported a splat, a hang, a leak or a failed
check; 1 otherwise; 2 on a usage or setup error.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the module builds and guest arguments of make check)

TOP = check.TOP
BUILD = check.BUILD
DEFAULT_KERNELS = ["6.12", "debug", "debug-rt"]
STOCK = ("6.1", "6.12", "rt")

# Targets of a full campaign, per kernel.  The stock kernel takes the
# full-scale figures (10M fuzzed calls: about 190,000 a second there); the
# debug kernels (KASAN, lockdep, kmemleak: ~30x slower per connection, ~150x
# per ioctl) the shares that fit them, the PREEMPT_RT one a smaller share.
TARGETS = {
    "stock": {"fuzz_calls": 10_000_000, "unload_rounds": 100, "unload_conns": 10_000,
              "soak_bytes": 1 << 30, "fault_runs": 0},
    "debug": {"fuzz_calls": 200_000, "unload_rounds": 20, "unload_conns": 1_000,
              "soak_bytes": 64 << 20, "fault_runs": 3},
    "debug-rt": {"fuzz_calls": 100_000, "unload_rounds": 5, "unload_conns": 1_000,
                 "soak_bytes": 16 << 20, "fault_runs": 3},
}
# The quick mode: every phase once, small.
QUICK = {
    "stock": {"fuzz_s": 30, "quiet_s": 10, "unload_rounds": 2, "unload_conns": 1000,
              "soak_mb": 32, "fault_runs": 0},
    "debug": {"fuzz_s": 30, "quiet_s": 10, "unload_rounds": 2, "unload_conns": 100,
              "soak_mb": 4, "fault_runs": 1},
}
FAULT_PERCENTS = [5, 10, 25]


def log(msg):
    sys.stderr.write(f"\033[1m[torture]\033[0m {msg}\n")
    sys.stderr.flush()


def kind(kernel):
    """The TARGETS row of a kernel."""
    if kernel in STOCK:
        return "stock"
    return "debug-rt" if kernel == "debug-rt" else "debug"


def parse_duration(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration '{text}' (e.g. 45m, 2h, 3600)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


# --- the guest commands of each phase --------------------------------------

def fuzz_cmd(calls, seconds, quiet_seconds, jobs):
    """Fuzzing with traffic and churn, then the quiet check."""
    fuzz = (f"ioctl_fuzz --errno-doc /tests/ioctl.rst --jobs {jobs} --calls {calls} "
            f"--seconds {seconds} --json")
    quiet = (f"ioctl_fuzz --errno-doc /tests/ioctl.rst --quiet-check --calls {calls} "
             f"--seconds {quiet_seconds} --json")
    return ("{ . /tests/lib.sh && ssk_load && insmod /modules/syncsock_kvcounter.ko; } || exit 1; "
            f"{fuzz} >/tmp/fuzz.json; a=$?; echo \"##TORTURE fuzz $(tr -d '\\n' </tmp/fuzz.json)\"; "
            f"{quiet} >/tmp/quiet.json; b=$?; echo \"##TORTURE quiet $(tr -d '\\n' </tmp/quiet.json)\"; "
            "ssk_rmmod_wait syncsock_kvcounter && [ $a -eq 0 ] && [ $b -eq 0 ]")


def unload_cmd(conns, rounds, seconds, debug):
    slab = " SSK_SLAB_MB=96" if debug else ""
    return (f"SSK_CONNS={conns} SSK_ROUNDS={rounds} SSK_SECONDS={int(seconds)}{slab} "
            "unload_storm --use-colour no")


def soak_cmd(mb, seed, debug):
    # The debug kernels are ~10x slower: fewer clients, and an idle timeout
    # far above their stalls behind the lossy link.
    conns, idle = (8, 120) if debug else (32, 60)
    return (f"SSK_SOAK_MB={mb} SSK_SOAK_CONNS={conns} SSK_SOAK_IDLE_S={idle} SSK_SEED={seed} "
            "soak --use-colour no")


def fault_cmd(percent, kernel):
    # On PREEMPT_RT the kernel's fail_function splats by itself (see
    # tests/guest/failslab.cpp): its cases are left out there.
    rt = " '~[fail-function]'" if kernel == "debug-rt" else ""
    return f"SSK_FAIL_PERCENT={percent} failslab --use-colour no{rt}"


# --- running a phase --------------------------------------------------------

def run_phase(kernel, built, name, cmd, timeout, logdir):
    """Boot a guest for one plan line; return (summary, figure lines)."""
    info, out = built[kernel]
    os.makedirs(logdir, exist_ok=True)
    plan = os.path.join(logdir, "plan")
    with open(plan, "w") as f:
        f.write(f"{name} {int(timeout)} all {cmd}\n")
    extra = ["--script", os.path.join(TOP, "Documentation/ioctl.rst")]
    if kernel.startswith("debug"):
        extra += ["--mem", "4G"]
    rc, summary = check.run_guest(None, kernel, info, out, plan, logdir, extra)
    figures = []
    try:
        with open(os.path.join(logdir, "tests.log"), errors="replace") as f:
            for line in f:
                m = re.match(r"^##TORTURE (\S+) (\{.*\})\s*$", line)
                if m:
                    try:
                        figures.append((m.group(1), json.loads(m.group(2))))
                    except ValueError:
                        figures.append((m.group(1), {"unparsed": m.group(2)[:200]}))
    except OSError:
        pass
    return summary, figures


class Campaign:
    def __init__(self, path, reset):
        self.path = path
        self.state = {"version": 1, "started": now(), "runs": [], "kernels": {}}
        if os.path.exists(path) and not reset:
            with open(path) as f:
                self.state = json.load(f)

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=1)
        os.replace(tmp, self.path)

    @staticmethod
    def new_fuzz():
        return {"calls": 0, "runs": 0, "violations": 0, "errnos": {}, "by_command": {},
                "workers": {}, "namespaces": 0, "listeners_added": 0,
                "quiet_checks": 0, "quiet_calls": 0, "quiet_differences": 0,
                "calls_per_s": []}

    def redo_fuzz(self, kernels, why):
        """Forget the fuzz figures of @kernels (a changed fuzzer), saying so."""
        for kernel in kernels:
            ks = self.state["kernels"].get(kernel)
            if ks and ks["fuzz"]["calls"]:
                self.state.setdefault("redone", []).append(
                    {"at": now(), "kernel": kernel, "phase": "fuzz",
                     "dropped_calls": ks["fuzz"]["calls"], "why": why})
                ks["fuzz"] = self.new_fuzz()

    def k(self, kernel, release):
        ks = self.state["kernels"].setdefault(kernel, {
            "release": release,
            "fuzz": self.new_fuzz(),
            "unload": {"rounds": []},
            "soak": {"runs": [], "bytes": 0, "connections": 0, "wrong": 0,
                     "close_mismatches": 0},
            "faults": {"runs": []},
            "guests": 0, "guest_seconds": 0.0, "problems": [], "failed_tests": [],
            "kmemleak_scans": 0,
        })
        ks["release"] = release
        return ks

    # What is left to do on a kernel, by phase.
    def left(self, kernel, release):
        t = TARGETS[kind(kernel)]
        ks = self.k(kernel, release)
        return {
            "fuzz": max(0, t["fuzz_calls"] - ks["fuzz"]["calls"]),
            "unload": max(0, t["unload_rounds"] - sum(
                1 for r in ks["unload"]["rounds"] if r.get("conns", 0) >= t["unload_conns"])),
            "soak": max(0, t["soak_bytes"] - ks["soak"]["bytes"]),
            "faults": max(0, t["fault_runs"] - len(ks["faults"]["runs"])),
        }


def commit_of_tree():
    """The commit a run tested ("+dirty" with uncommitted changes)."""
    try:
        rev = subprocess.run(["git", "-C", TOP, "describe", "--always", "--dirty=+dirty"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    return rev


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


# The fuzzer's worker kinds that must have made calls in every run (churn and
# traffic make few or none); compat32 only where the 32-bit build exists.
FUZZ_KINDS = ["root", "netns", "userns-own", "userns-foreign", "nobody", "capdrop", "compat32"]
QUIET_KINDS = ["userns-foreign", "nobody", "capdrop", "compat32"]


def missing_kinds(kind_, fig):
    want = FUZZ_KINDS if kind_ == "fuzz" else QUIET_KINDS
    if not os.path.exists(os.path.join(BUILD, "userspace/guest-bin/ioctl_fuzz32")):
        want = [k for k in want if k != "compat32"]
    ran = fig.get("kinds", {})
    return [k for k in want if not ran.get(k)]


def record(ks, phase, summary, figures):
    """Add one guest's results to a kernel's figures."""
    ks["guests"] += 1
    ks["guest_seconds"] += summary.get("seconds", 0)
    for p in summary["problems"]:
        ks["problems"].append(f"{now()} {phase}: {p}")
    for r in summary["results"]:
        if r["name"] == "kmemleak":
            ks["kmemleak_scans"] += 1
        if r["status"] == "not-ok":
            ks["failed_tests"].append(f"{now()} {phase}: {r['name']}: {r['detail']}")
    for kind_, fig in figures:
        if kind_ in ("fuzz", "quiet"):
            fz = ks["fuzz"]
            fz["calls"] += fig.get("calls", 0)
            fz["violations"] += fig.get("violations", 0)
            for key in ("errnos", "by_command", "workers", "kinds"):
                for name, n in fig.get(key, {}).items():
                    fz.setdefault(key, {})
                    fz[key][name] = fz[key].get(name, 0) + n
            fz["ro_add_efault"] = fz.get("ro_add_efault", 0) + fig.get("ro_add_efault", 0)
            missing = missing_kinds(kind_, fig)
            if missing:
                ks["failed_tests"].append(f"{now()} {kind_}: no calls from the worker kinds "
                                          f"{', '.join(missing)}")
            fz["namespaces"] += fig.get("namespaces", 0)
            fz["listeners_added"] += fig.get("listeners_added", 0)
            if fig.get("seconds"):
                fz["calls_per_s"].append(round(fig.get("calls", 0) / fig["seconds"]))
            if kind_ == "fuzz":
                fz["runs"] += 1
            else:
                q = fig.get("quiet_check", {})
                fz["quiet_checks"] += 1 if q.get("ran") else 0
                fz["quiet_calls"] += fig.get("calls", 0)
                fz["quiet_differences"] += q.get("differences", 0)
            for s in fig.get("violation_samples", [])[:5]:
                ks["failed_tests"].append(f"{now()} {kind_} violation: {s}")
        elif kind_ == "unload":
            ks["unload"]["rounds"].append(fig)
        elif kind_ == "soak":
            sk = ks["soak"]
            sk["runs"].append(fig)
            sk["bytes"] += fig.get("sent_bytes", 0)
            sk["connections"] += fig.get("connections", 0)
            sk["wrong"] += fig.get("wrong", 0)
            sk["close_mismatches"] += fig.get("close_mismatches", 0)
    if phase.startswith("faults"):
        ks["faults"]["runs"].append({"ok": summary["ok"], "seconds": summary.get("seconds", 0),
                                     "percent": int(phase.split("-")[1])})


# --- the report ---------------------------------------------------------------

def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def summarize(state):
    out = {"started": state["started"], "runs": state["runs"], "kernels": {}, "totals": {},
           "redone": state.get("redone", [])}
    tot = {"fuzz_calls": 0, "unload_rounds": 0, "soak_bytes": 0, "splats_or_hangs": 0,
           "failed_checks": 0, "violations": 0, "leaks": 0, "bytes_wrong": 0}
    for kernel, ks in state["kernels"].items():
        rounds = ks["unload"]["rounds"]
        rm = [r.get("rmmod_s", 0) for r in rounds]
        dl = [r.get("delete_s", 0) for r in rounds]
        # The third-party module's unload: from its listener's graceful
        # delete until its connections, which pin it, are gone.
        # Rounds before the storm's clients closed at EOF measured the
        # listener's 5 s close timeout instead: reported apart.
        rx = [r.get("rmmod_example_s", 0) for r in rounds if r.get("clients_close_at_eof")]
        rx_old = [r.get("rmmod_example_s", 0) for r in rounds
                  if not r.get("clients_close_at_eof")]
        leaks = sum(r.get("kmemleak_syncsock", 0) for r in rounds)
        unsettled = sum(1 for r in rounds if not r.get("settled", False))
        t = TARGETS[kind(kernel)]
        full = sum(1 for r in rounds if r.get("conns", 0) >= t["unload_conns"])
        k = {
            "release": ks["release"],
            "guests": ks["guests"], "guest_hours": round(ks["guest_seconds"] / 3600, 2),
            "splats_or_hangs": len(ks["problems"]),
            "problems": ks["problems"][-10:],
            "failed_checks": len(ks["failed_tests"]), "failed": ks["failed_tests"][-10:],
            "fuzz": {k2: ks["fuzz"][k2] for k2 in ("calls", "runs", "violations", "errnos",
                                                   "by_command", "workers", "namespaces",
                                                   "listeners_added", "quiet_checks",
                                                   "quiet_calls", "quiet_differences")},
            "fuzz_kinds": ks["fuzz"].get("kinds", {}),
            "fuzz_ro_add_efault": ks["fuzz"].get("ro_add_efault", 0),
            "fuzz_calls_per_s_median": pct(ks["fuzz"]["calls_per_s"], 50),
            "unload": {
                "rounds": len(rounds), "rounds_at_target_conns": full,
                "target_conns": t["unload_conns"],
                "conns_max": max((r.get("conns", 0) for r in rounds), default=0),
                "rmmod_s_p50": pct(rm, 50), "rmmod_s_p90": pct(rm, 90),
                "rmmod_s_max": max(rm, default=0),
                "delete_s_p50": pct(dl, 50), "delete_s_max": max(dl, default=0),
                "rmmod_example_s_p50": pct(rx, 50), "rmmod_example_s_p90": pct(rx, 90),
                "rmmod_example_s_max": max(rx, default=0),
                "example_under_2s": sum(1 for x in rx if x < 2), "example_rounds": len(rx),
                "example_rounds_open_clients": len(rx_old),
                "rmmod_example_s_p50_open_clients": pct(rx_old, 50),
                "under_2s": sum(1 for x in rm if x < 2),
                "unsettled_rounds": unsettled, "kmemleak_syncsock": leaks,
                "kmemleak_scans": sum(1 for r in rounds if r.get("kmemleak")),
                "slab_delta_kb_max": max((r.get("slab_delta_kb", 0) for r in rounds), default=0),
            },
            "soak": {"bytes": ks["soak"]["bytes"], "mib": round(ks["soak"]["bytes"] / 2**20, 1),
                     "connections": ks["soak"]["connections"], "wrong": ks["soak"]["wrong"],
                     "close_mismatches": ks["soak"]["close_mismatches"],
                     "runs": len(ks["soak"]["runs"])},
            "faults": {"runs": len(ks["faults"]["runs"]),
                       "failed": sum(1 for r in ks["faults"]["runs"] if not r["ok"])},
            "kmemleak_final_scans": ks["kmemleak_scans"],
        }
        out["kernels"][kernel] = k
        tot["fuzz_calls"] += ks["fuzz"]["calls"]
        tot["unload_rounds"] += len(rounds)
        tot["soak_bytes"] += ks["soak"]["bytes"]
        tot["splats_or_hangs"] += len(ks["problems"])
        tot["failed_checks"] += len(ks["failed_tests"])
        # The fuzzer counts the quiet check's differences among its violations.
        tot["violations"] += ks["fuzz"]["violations"]
        tot["leaks"] += leaks
        tot["bytes_wrong"] += ks["soak"]["wrong"]
    out["totals"] = tot
    return out


def markdown(s, title):
    lines = [f"# {title}", "",
             f"Campaign started {s['started']}; {len(s['runs'])} run(s) of `make torture`, "
             "on commits " + ", ".join(sorted({r.get("commit", "unrecorded")
                                                for r in s["runs"]})) + ".", ""]
    for r in s["redone"]:
        lines += [f"{r['kernel']}: the {r['phase']} figures were dropped at {r['at']} "
                  f"({r['dropped_calls']:,} calls) and taken again: {r['why']}.", ""]
    t = s["totals"]
    lines += ["| Total | |", "|---|---:|",
              f"| fuzzed ioctl calls | {t['fuzz_calls']:,} |",
              f"| errno or privilege violations | {t['violations']} |",
              f"| unload rounds | {t['unload_rounds']} |",
              f"| soak through the lossy network | {t['soak_bytes'] / 2**30:.2f} GiB |",
              f"| bytes lost, duplicated or wrong | {t['bytes_wrong']} |",
              f"| kernel splats or hangs | {t['splats_or_hangs']} |",
              f"| kmemleak reports naming syncsock | {t['leaks']} |",
              f"| failed checks | {t['failed_checks']} |", ""]
    for kernel, k in s["kernels"].items():
        u, fz, sk = k["unload"], k["fuzz"], k["soak"]
        lines += [f"## {kernel} ({k['release']})", "",
                  f"{k['guests']} guest boots, {k['guest_hours']} guest hours.", "",
                  "| Phase | Figure | Value |", "|---|---|---:|",
                  f"| fuzz | calls | {fz['calls']:,} |",
                  f"| fuzz | calls/s (median run) | {k['fuzz_calls_per_s_median']:,} |",
                  f"| fuzz | violations | {fz['violations']} |",
                  f"| fuzz | namespaces created | {fz['namespaces']:,} |",
                  f"| fuzz | listeners added | {fz['listeners_added']:,} |",
                  f"| fuzz | quiet checks (unprivileged calls) | {fz['quiet_checks']} "
                  f"({fz['quiet_calls']:,}) |",
                  f"| fuzz | state changed by unprivileged callers | {fz['quiet_differences']} |",
                  "| fuzz | calls by worker kind (since kinds were recorded) | " +
                  (", ".join(f"{n} {c:,}" for n, c in k["fuzz_kinds"].items()) or "-") + " |",
                  f"| fuzz | read-only adds that reached the kernel's undo (EFAULT) | "
                  f"{k['fuzz_ro_add_efault']:,} |",
                  f"| unload | rounds (at {u['target_conns']:,} connections) | {u['rounds']} "
                  f"({u['rounds_at_target_conns']}) |",
                  f"| unload | rmmod p50 / p90 / max | {u['rmmod_s_p50']:.2f} / "
                  f"{u['rmmod_s_p90']:.2f} / {u['rmmod_s_max']:.2f} s |",
                  f"| unload | rmmod under 2 s | {u['under_2s']} of {u['rounds']} |",
                  f"| unload | listener delete p50 / max | {u['delete_s_p50']:.2f} / "
                  f"{u['delete_s_max']:.2f} s |",
                  f"| unload | rmmod kvcounter (third-party) p50 / p90 / max | " +
                  (f"{u['rmmod_example_s_p50']:.2f} / {u['rmmod_example_s_p90']:.2f} / "
                   f"{u['rmmod_example_s_max']:.2f} s |" if u["example_rounds"] else
                   "no round with clients that close at EOF |"),
                  f"| unload | rmmod kvcounter under 2 s | {u['example_under_2s']} of "
                  f"{u['example_rounds']} |"]
        if u["example_rounds_open_clients"]:
            lines += [f"| unload | earlier rounds, clients left open at EOF (5 s close "
                      f"timeout): rmmod kvcounter p50 | {u['example_rounds_open_clients']} "
                      f"rounds, {u['rmmod_example_s_p50_open_clients']:.2f} s |"]
        lines += [
                  f"| unload | rounds not back to baseline | {u['unsettled_rounds']} |",
                  f"| unload | kmemleak scans / reports naming syncsock | {u['kmemleak_scans']} / "
                  f"{u['kmemleak_syncsock']} |",
                  f"| soak | payload | {sk['mib']:,} MiB in {sk['connections']:,} connections |",
                  f"| soak | bytes wrong / close mismatches | {sk['wrong']} / "
                  f"{sk['close_mismatches']} |",
                  f"| faults | failslab runs (failed) | {k['faults']['runs']} "
                  f"({k['faults']['failed']}) |",
                  f"| all | splats or hangs | {k['splats_or_hangs']} |",
                  f"| all | failed checks | {k['failed_checks']} |", ""]
        if fz["errnos"]:
            lines += ["errnos seen: " + ", ".join(f"{e} {n:,}" for e, n in
                                                  sorted(fz["errnos"].items(),
                                                         key=lambda x: -x[1])), ""]
        for p in k["problems"] + k["failed"]:
            lines.append(f"- {p}")
        if k["problems"] or k["failed"]:
            lines.append("")
    return "\n".join(lines)


def write_report(outdir, state, title):
    s = summarize(state)
    with open(os.path.join(outdir, "report.json"), "w") as f:
        json.dump(s, f, indent=1)
    text = markdown(s, title)
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(text + "\n")
    return s, text


# --- main -----------------------------------------------------------------

def build(kernels):
    """The user-space programs and the modules for each kernel."""
    res = check.Results()
    check.OUT = os.path.join(BUILD, "torture", "build-logs")
    os.makedirs(check.OUT, exist_ok=True)
    if check.run([os.path.join(TOP, "scripts/deps.sh")]):
        log("installing the dependencies failed (scripts/deps.sh)")
        return None
    bdir = os.path.join(BUILD, "userspace")
    blog = os.path.join(check.OUT, "userspace.log")
    if check.run(["cmake", "-S", os.path.join(TOP, "userspace"), "-B", bdir,
                  "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSYNCSOCK_WERROR=ON"], blog) or \
       check.run(["cmake", "--build", bdir, f"-j{os.cpu_count()}"], blog):
        print(check.tail(blog))
        log(f"the user-space build failed: {blog}")
        return None
    for k in kernels:
        if k.startswith("debug"):
            log(f"the {k} kernel: built once, cached (the first build takes ~10 min)")
            args = [os.path.join(TOP, "scripts/debug-kernel.sh")] + (["--rt"] if k == "debug-rt" else [])
            if subprocess.run(args, stdout=subprocess.DEVNULL).returncode:
                log(f"building the {k} kernel failed")
                return None
    check.stage("modules")
    built = check.stage_build(res, kernels)
    if res.count("not-ok"):
        return None
    return built


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default=os.environ.get("KERNELS", ",".join(DEFAULT_KERNELS)))
    ap.add_argument("--duration", type=parse_duration,
                    default=parse_duration(os.environ.get("DURATION", "2h")),
                    help="how long this run works towards the targets (default 2h)")
    ap.add_argument("--quick", action="store_true", help="every phase once, short")
    ap.add_argument("--reset", action="store_true", help="start a new campaign")
    ap.add_argument("--report", action="store_true", help="only write the report")
    ap.add_argument("--phases", default="fuzz,unload,soak,faults")
    ap.add_argument("--redo-fuzz", metavar="WHY",
                    help="forget the fuzz figures of --kernels and fuzz again (the fuzzer "
                         "changed); WHY goes into the campaign's record and report")
    args = ap.parse_args()

    kernels = [k for k in args.kernels.split(",") if k]
    phases = [p for p in args.phases.split(",") if p]
    outdir = os.path.join(BUILD, "torture-quick" if args.quick else "torture")
    os.makedirs(outdir, exist_ok=True)
    camp = Campaign(os.path.join(outdir, "campaign.json"), args.reset or args.quick)
    title = "syncsock torture: quick run" if args.quick else "syncsock torture campaign"
    if args.redo_fuzz:
        camp.redo_fuzz(kernels, args.redo_fuzz)
        camp.save()
    if args.report:
        _, text = write_report(outdir, camp.state, title)
        print(text)
        return 0

    built = build(kernels)
    if built is None:
        return 2
    t_start = time.monotonic()
    deadline = t_start + args.duration
    run_rec = {"started": now(), "kernels": kernels, "quick": args.quick,
               "duration_s": args.duration, "commit": commit_of_tree()}
    camp.state["runs"].append(run_rec)
    camp.save()
    seed = int(time.time())

    def phase(kernel, name, cmd, timeout):
        info, _ = built[kernel]
        ks = camp.k(kernel, info["KREL"])
        logdir = os.path.join(outdir, "logs", f"{kernel}-{name}-{ks['guests'] + 1:04d}")
        log(f"{kernel}: {name} ({timeout / 60:.0f} min at most), logs in {logdir}")
        t0 = time.monotonic()
        summary, figures = run_phase(kernel, built, name, cmd, timeout, logdir)
        record(ks, name, summary, figures)
        camp.save()
        bad = summary["problems"] or any(r["status"] == "not-ok" for r in summary["results"])
        log(f"{kernel}: {name} {'FAILED' if bad else 'ok'} in {time.monotonic() - t0:.0f} s: " +
            "; ".join(f"{k_} {short(f)}" for k_, f in figures) +
            ("; " + "; ".join(summary["problems"]) if summary["problems"] else ""))
        return not bad

    ok = True
    if args.quick:
        for kernel in kernels:
            q = QUICK["stock" if kind(kernel) == "stock" else "debug"]
            dbg = kind(kernel) != "stock"
            ok &= phase(kernel, "fuzz", fuzz_cmd(10**9, q["fuzz_s"], q["quiet_s"], 2),
                        q["fuzz_s"] + q["quiet_s"] + 240)
            ok &= phase(kernel, "unload", unload_cmd(q["unload_conns"], q["unload_rounds"],
                                                     600, dbg), 900)
            ok &= phase(kernel, "soak", soak_cmd(q["soak_mb"], seed, dbg), 900)
            for i in range(q["fault_runs"]):
                p = FAULT_PERCENTS[i % 3]
                ok &= phase(kernel, f"faults-{p}", fault_cmd(p, kernel), 900)
    else:
        # Round-robin over kernels and phases, a slice at a time, until the
        # targets are met or the time is spent.
        while time.monotonic() < deadline - 120:
            work = False
            for kernel in kernels:
                info, _ = built[kernel]
                for name in phases:
                    left = camp.left(kernel, info["KREL"])[name]
                    remaining = deadline - time.monotonic()
                    if not left or remaining < 180:
                        continue
                    work = True
                    dbg = kind(kernel) != "stock"
                    t = TARGETS[kind(kernel)]
                    slice_s = min(remaining - 60, 1800 if dbg else 1500)
                    if name == "fuzz":
                        secs = max(60, slice_s - 240)
                        ok &= phase(kernel, "fuzz", fuzz_cmd(left, int(secs * 0.85),
                                                             int(secs * 0.1), 4),
                                    secs + 360)
                    elif name == "unload":
                        ok &= phase(kernel, "unload",
                                    unload_cmd(t["unload_conns"], left, slice_s - 120, dbg),
                                    slice_s + 600)
                    elif name == "soak":
                        mb = max(1, min(left >> 20, 256 if not dbg else 32))
                        ok &= phase(kernel, "soak", soak_cmd(mb, seed + len(
                            camp.k(kernel, info["KREL"])["soak"]["runs"]), dbg), slice_s + 600)
                    elif name == "faults":
                        n = len(camp.k(kernel, info["KREL"])["faults"]["runs"])
                        p = FAULT_PERCENTS[n % 3]
                        ok &= phase(kernel, f"faults-{p}", fault_cmd(p, kernel), min(slice_s + 300, 1200))
            if not work:
                log("every target of the campaign is met")
                break

    run_rec["ended"] = now()
    run_rec["seconds"] = round(time.monotonic() - t_start)
    camp.save()
    s, text = write_report(outdir, camp.state, title)
    print(text)
    log(f"report: {outdir}/report.md and report.json")
    bad = s["totals"]["splats_or_hangs"] + s["totals"]["failed_checks"] + \
        s["totals"]["violations"] + s["totals"]["leaks"] + s["totals"]["bytes_wrong"]
    return 0 if ok and not bad else 1


def short(fig):
    keys = ("calls", "violations", "round", "rmmod_s", "sent_bytes", "wrong", "ok")
    return " ".join(f"{k}={fig[k]}" for k in keys if k in fig)


if __name__ == "__main__":
    sys.exit(main())
