#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""syncsock's whole test suite: `make check`.

Stages, in order (each result is counted):
  host     user-space build and the Catch2 unit tests (ctest)
  build    syncsock.ko against the stock 6.1, 6.12 and 6.12-rt headers and the debug
           kernel, warnings as errors at W=1
  style    checkpatch --strict and sparse on the module
  harness  the harness's own tests: a WARN_ON fails a run, a hung guest trips
           the watchdog, a failing in-guest test fails `make check`
  guest    tests/guest/plan in a guest of each kernel (6.1, 6.12, rt, debug),
           then tests/guest/plan.tcg-single in one with single-threaded TCG,
           KUnit on the debug kernel; a kernel splat fails the kernel's run

The last line is "N passed, N failed" (", N skipped" when something was).
Logs of every guest run stay in build/check/.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

from vm import plan_tests

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
OUT = os.path.join(BUILD, "check")
DEFAULT_PLAN = os.path.join(TOP, "tests/guest/plan")
SINGLE_PLAN = os.path.join(TOP, "tests/guest/plan.tcg-single")
ALL_STAGES = ["host", "build", "style", "harness", "guest"]
ALL_KERNELS = ["6.1", "6.12", "rt", "debug"]
# Host programs the in-guest tests use, copied in with their libraries.
GUEST_TOOLS = ["/usr/sbin/ip", "/usr/sbin/tc", "curl", "wrk", "sockperf", "/usr/sbin/haproxy",
               "/usr/sbin/nginx"]
# nginx's stream module (the bench's nginx proxy path).
GUEST_FILES = ["/usr/lib/nginx/modules/ngx_stream_module.so"]


class Results:
    def __init__(self):
        self.rows = []
        self.timings = []
        self.excerpts = []

    def add(self, name, status, detail=""):
        self.rows.append((name, status, detail))
        color = {"ok": "32", "not-ok": "31", "skip": "33"}[status]
        word = {"ok": "ok", "not-ok": "FAIL", "skip": "skip"}[status]
        print(f"  \033[{color}m{word:4}\033[0m {name}" + (f"  ({detail})" if detail else ""),
              flush=True)

    def count(self, status):
        return sum(1 for r in self.rows if r[1] == status)


def stage(title):
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def run(cmd, log=None, **kw):
    """Run a command; its output goes to @log (or is kept for errors)."""
    if log:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "w") as f:
            return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw).returncode
    return subprocess.run(cmd, **kw).returncode


def kernel_info(name):
    out = subprocess.run([os.path.join(TOP, "scripts/kernels.sh"), name], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return {k: shlex.split(v)[0] if v else "" for k, _, v in
            (line.partition("=") for line in out.splitlines())}


def kmod_dir(kernel, info):
    tag = f"{kernel}-{info['KREL']}" if kernel.startswith("debug") else info["KREL"]
    return os.path.join(BUILD, "kmod", tag)


def example_dir(out):
    return out + "-example"


def probe_dir(out):
    return out + "-probe"


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


# --- stages -------------------------------------------------------------

def tracer_path():
    return os.path.join(BUILD, "userspace/trace/syncsock-trace")


def stage_host(res):
    stage("host: user-space build and unit tests")
    bdir = os.path.join(BUILD, "userspace")
    log = os.path.join(OUT, "host-build.log")
    if run(["cmake", "-S", os.path.join(TOP, "userspace"), "-B", bdir,
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSYNCSOCK_WERROR=ON"], log) or \
       run(["cmake", "--build", bdir, f"-j{os.cpu_count()}"], log.replace(".log", "2.log")):
        print(tail(log) + tail(log.replace(".log", "2.log")))
        res.add("host/build", "not-ok", f"see {log}")
        return False
    res.add("host/build", "ok")
    # The tracer, against the tree's own CO-RE header (no kernel's BTF).
    if os.path.exists(tracer_path()):
        res.add("host/build/syncsock-trace", "ok", "CO-RE against userspace/trace/core/vmlinux.h")
    else:
        res.add("host/build/syncsock-trace", "not-ok", f"not built; see {log}")
    # The library as another project builds it: only a compiler and CMake
    # (no tools, tests, bench or tracer: no nlohmann-json, CLI11, Catch2,
    # liburing or libbpf), without -Werror, in each build type (GCC 12 has
    # false positives at -O3); in Release, syncsockctl too (nlohmann-json).
    for btype, tools, targets in (("Release", "ON", ["syncsock", "syncsock_static", "syncsockctl"]),
                                  ("MinSizeRel", "OFF", ["syncsock", "syncsock_static"]),
                                  ("Debug", "OFF", ["syncsock", "syncsock_static"])):
        rdir = os.path.join(BUILD, f"userspace-{btype.lower()}")
        log = os.path.join(OUT, f"host-build-{btype.lower()}.log")
        if run(["cmake", "-S", os.path.join(TOP, "userspace"), "-B", rdir,
                f"-DCMAKE_BUILD_TYPE={btype}", "-DBUILD_TESTING=OFF", f"-DSYNCSOCK_BUILD_TOOLS={tools}",
                "-DSYNCSOCK_BUILD_BENCH=OFF", "-DSYNCSOCK_BUILD_TRACE=OFF"], log) or \
           run(["cmake", "--build", rdir, f"-j{os.cpu_count()}", "--target"] + targets,
               log.replace(".log", "2.log")):
            print(tail(log) + tail(log.replace(".log", "2.log")))
            res.add(f"host/build/library-{btype.lower()}", "not-ok", f"see {log}")
        else:
            res.add(f"host/build/library-{btype.lower()}", "ok",
                    f"{', '.join(targets)}" + (" (syncsockctl: and nlohmann-json)" if tools == "ON"
                                               else " with only a compiler and CMake"))
    junit = os.path.join(OUT, "ctest.xml")
    run(["ctest", "--test-dir", bdir, "--output-junit", junit, "--output-on-failure"],
        os.path.join(OUT, "ctest.log"))
    try:
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = "host/" + case.get("name")
            if case.find("failure") is not None or case.get("status") == "fail":
                res.add(name, "not-ok", f"see {OUT}/ctest.log")
            elif case.find("skipped") is not None:
                res.add(name, "skip")
            else:
                res.add(name, "ok")
    except (OSError, ET.ParseError) as e:
        res.add("host/ctest", "not-ok", f"no results: {e}")
    return True


def run_checks(res, prefix, cmd, log, expected):
    """Run a script that prints "##CHECK NAME ok|not-ok DETAIL" lines: one
    result each, as PREFIX/NAME, and a failure if fewer than @expected
    came (it stopped early)."""
    run(cmd, log)
    seen = 0
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"##CHECK (\S+) (ok|not-ok) (.*)", line)
            if m:
                seen += 1
                res.add(f"{prefix}/{m.group(1)}", m.group(2), m.group(3).strip())
    if seen < expected:
        print(tail(log))
        res.add(f"{prefix}/run", "not-ok",
                f"{os.path.basename(cmd[0])} stopped early; see {log}")


def stage_install(res, built):
    """make install into a staging root against the stock 6.12 headers, the
    file list checked, and a program outside the tree built against the
    installed libsyncsock (find_package, pkg-config); then make deb, its
    packages unpacked and the module source built by DKMS."""
    stage("install: make install DESTDIR, a program built against it, make deb")
    if "6.12" not in built:
        res.add("install/files", "skip", "needs the 6.12 build")
        return
    info = kernel_info("6.12")
    run_checks(res, "install",
               [os.path.join(TOP, "tests/install/check_install.sh"), info["KDIR"], BUILD,
                os.path.join(OUT, "install")],
               os.path.join(OUT, "install.log"), 4)

    # make deb: both packages lintian clean, the tools run from the
    # unpacked package, and the dkms package's source built by DKMS
    # against the stock 6.1 and 6.12 headers.
    kdirs = []
    for k in ("6.1", "6.12"):
        try:
            kdirs.append(kernel_info(k)["KDIR"])
        except subprocess.CalledProcessError:
            res.add(f"deb/dkms-{k}", "not-ok", "kernel headers not available")
    run_checks(res, "deb",
               [os.path.join(TOP, "tests/install/check_deb.sh"), os.path.join(OUT, "deb")] + kdirs,
               os.path.join(OUT, "deb.log"), 2 + len(kdirs))


def stage_build(res, kernels):
    stage("build: syncsock.ko at W=1, warnings as errors")
    built = {}
    for k in kernels:
        try:
            info = kernel_info(k)
        except subprocess.CalledProcessError:
            res.add(f"build/{k}", "not-ok", "kernel not available")
            continue
        out = kmod_dir(k, info)
        log = os.path.join(OUT, f"build-{k}.log")
        t0 = time.monotonic()
        rc = run([os.path.join(TOP, "scripts/build-module.sh"), info["KDIR"], out], log)
        if rc:
            print(tail(log))
            res.add(f"build/{k}", "not-ok", f"see {log}")
            continue
        res.add(f"build/{k}", "ok", f"{info['KREL']}, {time.monotonic() - t0:.0f}s")
        built[k] = (info, out)
        # The example handler, built as an outside author would.
        log = os.path.join(OUT, f"build-{k}-example.log")
        if run([os.path.join(TOP, "scripts/build-example.sh"), info["KDIR"], out,
                example_dir(out)], log):
            print(tail(log))
            res.add(f"build/{k}/example", "not-ok", f"see {log}")
        else:
            res.add(f"build/{k}/example", "ok", "examples/kvcounter against Module.symvers")
        # The tests' probe handler, built the same way.
        log = os.path.join(OUT, f"build-{k}-probe.log")
        if run([os.path.join(TOP, "scripts/build-example.sh"), info["KDIR"], out,
                probe_dir(out), os.path.join(TOP, "tests/probe")], log):
            print(tail(log))
            res.add(f"build/{k}/probe", "not-ok", f"see {log}")
        else:
            res.add(f"build/{k}/probe", "ok", "tests/probe against Module.symvers")
    return built


def stage_style(res, built):
    stage("style: checkpatch --strict, sparse")
    log = os.path.join(OUT, "style.log")
    rc = run([os.path.join(TOP, "scripts/style.sh")], log)
    out = tail(log, 200)
    for tool in ("checkpatch", "sparse"):
        m = re.search(rf"^{tool}: (ok|FAIL)(.*)$", out, re.M)
        if not m:
            res.add(f"style/{tool}", "not-ok", f"did not run, see {log}")
        elif m.group(1) == "ok":
            res.add(f"style/{tool}", "ok", m.group(2).strip())
        else:
            print(tail(log, 30))
            res.add(f"style/{tool}", "not-ok", f"see {log}")
    return rc == 0


def guest_args(kernel, info, out, plan):
    args = [sys.executable, os.path.join(TOP, "scripts/vm.py"), "--kernel", kernel,
            "--plan", plan, "--quiet"]
    for tool in GUEST_TOOLS:
        args += ["--host-tool", tool]
    for f in GUEST_FILES:
        args += ["--host-file", f]
    for ko in ("module/syncsock.ko", "tests/kunit/syncsock_kunit.ko"):
        if os.path.exists(os.path.join(out, ko)):
            args += ["--module", os.path.join(out, ko)]
    example = os.path.join(example_dir(out), "syncsock_kvcounter.ko")
    if os.path.exists(example):
        args += ["--module", example]
    probe = os.path.join(probe_dir(out), "syncsock_probe.ko")
    if os.path.exists(probe):
        args += ["--module", probe]
    gdir = os.path.join(TOP, "tests/guest")
    for f in sorted(os.listdir(gdir)):
        if f.endswith((".sh", ".expected")):
            args += ["--script", os.path.join(gdir, f)]
    # The errno table the ioctl fuzzer checks every answer against.
    args += ["--script", os.path.join(TOP, "Documentation/ioctl.rst")]
    bindir = os.path.join(BUILD, "userspace/guest-bin")
    if os.path.isdir(bindir):
        for f in sorted(os.listdir(bindir)):
            args += ["--bin", os.path.join(bindir, f)]
    for prog in (os.path.join(BUILD, "userspace/cli/syncsockctl"), tracer_path()):
        if os.path.exists(prog):
            args += ["--bin", prog]
    return args


def plan_timeout(plan, kernel):
    """The guest's watchdog: its tests' timeouts and three minutes."""
    return sum(t for _, t in plan_tests(plan, kernel)) + 180


def test_output(log, name):
    """The lines test @name printed in a guest's tests.log."""
    lines, inside = [], False
    try:
        with open(log, errors="replace") as f:
            for line in f:
                if line.startswith(f"##SYNCSOCK run {name}"):
                    lines, inside = [], True
                elif line.startswith("##SYNCSOCK ") and inside:
                    inside = False
                elif inside:
                    lines.append(line.rstrip("\n"))
    except OSError as e:
        return f"(no test log: {e})"
    return "\n".join(lines)


def run_guest(res, kernel, info, out, plan, logdir, extra=()):
    js = os.path.join(logdir, "result.json")
    if os.path.exists(js):
        os.unlink(js)
    args = guest_args(kernel, info, out, plan) + ["--log-dir", logdir, "--json", js,
                                                  "--timeout", str(plan_timeout(plan, kernel))]
    rc = subprocess.run(args + list(extra)).returncode
    try:
        with open(js) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        summary = {"results": [], "problems": [f"vm.py exited {rc} without results"],
                   "ok": False, "seconds": 0}
    return rc, summary


def console_context(path, splats, before=25, after=35):
    """The console lines around the first splat ("N: text" in vm.py's
    summary), or "" when there is none or no console."""
    if not splats:
        return ""
    try:
        first = int(splats[0].split(":", 1)[0])
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except (OSError, ValueError):
        return ""
    lo = max(first - 1 - before, 0)
    return "\n".join(f"{n:6}: {t}" for n, t in
                     enumerate(lines[lo:first - 1 + after], lo + 1))


def stage_guest(res, built, plans):
    stage("guest: the test plan in each kernel")
    for k, (info, out) in built.items():
        t0 = time.monotonic()
        for plan, suffix, extra in plans:
            logdir = os.path.join(OUT, f"guest-{k}{suffix}")
            rc, summary = run_guest(res, k, info, out, plan, logdir, extra)
            for r in summary["results"]:
                res.add(f"guest/{k}/{r['name']}", r["status"], r["detail"])
                if r["status"] == "not-ok":
                    res.excerpts.append((f"guest/{k}/{r['name']}",
                                         test_output(os.path.join(logdir, "tests.log"),
                                                     r["name"])))
            # The run itself: it finished, and the kernel never complained.
            if summary["problems"]:
                res.add(f"guest/{k}/clean-run{suffix}", "not-ok",
                        "; ".join(summary["problems"]) + f"; logs in {logdir}")
                # A CI log is all there is of a CI run: the console around
                # the first splat, which says what the kernel complained of.
                ctx = console_context(os.path.join(logdir, "console.log"),
                                      summary.get("splats", []))
                if ctx:
                    res.excerpts.append((f"guest/{k}/console{suffix}", ctx))
            else:
                res.add(f"guest/{k}/clean-run{suffix}", "ok", "no splat, no hang")
        res.timings.append((f"guest {k}", time.monotonic() - t0))


def stage_split(res):
    """The benchmark's two-host set-up, briefly: two 1-vCPU 6.12 guests on a
    virtio link, every path (and every proxy path, relaying to a backend on
    the client guest) served on the server guest's own vCPU, every byte
    checked, each host's CPU split recorded and none leaking."""
    stage("guest: the server on its own CPU (make bench's split guests, briefly)")
    t0 = time.monotonic()
    out = os.path.join(OUT, "bench-split")
    log = os.path.join(OUT, "bench-split.log")
    env = dict(os.environ, BUILD=BUILD)
    rc = run([os.path.join(TOP, "scripts/bench.sh"), "--quick", "--guests", "split",
              "--out", out], log, env=env)
    bench = os.path.join(BUILD, "userspace/guest-bin/syncsock-bench")
    # The echo paths (split.json), then the proxies on the server's vCPU
    # relaying to the backend on the client's (split-proxy.json).
    for name, paths, what in (("bench-split", "all", "every path clean, no CPU leak"),
                              ("bench-split-proxy", "proxies",
                               "proxy, haproxy, nginx and relay clean, no CPU leak")):
        doc = os.path.join(out, name.replace("bench-", "") + ".json")
        if rc or not os.path.exists(doc):
            res.add(f"guest/6.12/{name}", "not-ok", f"bench.sh failed (exit {rc}); see {log}")
            res.excerpts.append((f"guest/6.12/{name}", tail(log)))
            continue
        vlog = os.path.join(OUT, f"{name}-validate.log")
        if run([bench, "validate", "--strict", "--require-paths", paths, doc], vlog):
            res.add(f"guest/6.12/{name}", "not-ok", f"{tail(vlog).strip()}")
        else:
            res.add(f"guest/6.12/{name}", "ok", what)
    res.timings.append(("guest split (2 guests)", time.monotonic() - t0))


def stage_harness(res, built):
    stage("harness: the harness catches what it must")
    if "6.12" not in built:
        res.add("harness/self-tests", "skip", "needs the 6.12 kernel build")
        return
    info, out = built["6.12"]
    hdir = os.path.join(OUT, "harness")
    os.makedirs(hdir, exist_ok=True)

    # A module that calls WARN_ON(1) on load, built only for this test.
    wdir = os.path.join(BUILD, "kmod", "harness-" + info["KREL"])
    os.makedirs(wdir, exist_ok=True)
    for f in ("Kbuild", "ssk_warn_on.c"):
        dst = os.path.join(wdir, f)
        if not os.path.islink(dst):
            os.symlink(os.path.join(TOP, "tests/harness/warn_on", f), dst)
    log = os.path.join(hdir, "warn-build.log")
    if run(["make", "-C", info["KDIR"], f"M={wdir}", "modules"], log):
        res.add("harness/warn-on-fails-run", "not-ok", f"test module build failed, see {log}")
    else:
        plan = os.path.join(hdir, "warn.plan")
        with open(plan, "w") as f:
            f.write("warn-on 60 all insmod /modules/ssk_warn_on.ko\n")
        rc, s = run_guest(res, "6.12", info, out, plan, os.path.join(hdir, "warn"),
                          ["--module", os.path.join(wdir, "ssk_warn_on.ko")])
        caught = rc != 0 and any("kernel splat" in p for p in s["problems"])
        test_passed = any(r["name"] == "warn-on" and r["status"] == "ok" for r in s["results"])
        res.add("harness/warn-on-fails-run", "ok" if caught and test_passed else "not-ok",
                "the test passed but the splat failed the run" if caught else
                f"WARN_ON went unnoticed: {s['problems']}")

    plan = os.path.join(hdir, "hang.plan")
    with open(plan, "w") as f:
        f.write("hang 1000 all sleep 1000\n")
    args = guest_args("6.12", info, out, plan) + [
        "--log-dir", os.path.join(hdir, "hang"), "--json", os.path.join(hdir, "hang.json"),
        "--timeout", "45"]
    rc = subprocess.run(args).returncode
    with open(os.path.join(hdir, "hang.json")) as f:
        s = json.load(f)
    fired = rc != 0 and any(p.startswith("watchdog") for p in s["problems"])
    res.add("harness/watchdog-fires", "ok" if fired else "not-ok",
            "a hung guest was killed and failed" if fired else f"rc={rc} {s['problems']}")

    # A failing in-guest test must fail `make check` itself.
    plan = os.path.join(hdir, "fail.plan")
    with open(plan, "w") as f:
        f.write("must-fail 60 all false\n")
    log = os.path.join(hdir, "fail-check.log")
    rc = run([sys.executable, os.path.abspath(__file__), "--stages", "guest", "--kernels", "6.12",
              "--plan", plan, "--out", os.path.join(hdir, "fail-check")], log)
    with open(log, errors="replace") as f:
        last = [ln for ln in f.read().splitlines() if ln.strip()][-1:]
    ok = rc != 0 and last and re.fullmatch(r"\d+ passed, 1 failed", last[0])
    res.add("harness/failing-test-fails-check", "ok" if ok else "not-ok",
            f"make check exited {rc}: '{last[0] if last else ''}'")


def main():
    global OUT
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stages", default=",".join(ALL_STAGES))
    ap.add_argument("--kernels", default=os.environ.get("KERNELS", ",".join(ALL_KERNELS)))
    ap.add_argument("--plan", default=DEFAULT_PLAN)
    ap.add_argument("--out", default=OUT, help="where logs go")
    ap.add_argument("--tcg-thread", choices=["multi", "single"], default="multi",
                    help="TCG threading of the guest for --plan (the default plan "
                    "brings its own single-threaded second guest)")
    args = ap.parse_args()
    OUT = args.out
    os.makedirs(OUT, exist_ok=True)
    stages = args.stages.split(",")
    kernels = [k for k in args.kernels.split(",") if k]
    res = Results()
    t_start = time.monotonic()

    if run([os.path.join(TOP, "scripts/deps.sh")]):
        print("syncsock: installing the dependencies failed (scripts/deps.sh)")
        res.add("deps", "not-ok")
    # The debug kernel first: built once and cached.
    if "debug" in kernels:
        t0 = time.monotonic()
        stage("debug kernel: build once, cached")
        # Its progress goes to the terminal (stderr): the first build is long.
        if subprocess.run([os.path.join(TOP, "scripts/debug-kernel.sh")],
                          stdout=subprocess.DEVNULL).returncode:
            res.add("build/debug-kernel", "not-ok", "scripts/debug-kernel.sh failed (see above)")
        else:
            res.add("build/debug-kernel", "ok", f"{time.monotonic() - t0:.0f}s")
        res.timings.append(("debug kernel", time.monotonic() - t0))
    t0 = time.monotonic()
    if "host" in stages:
        stage_host(res)
    res.timings.append(("host", time.monotonic() - t0))

    built = {}
    need_build = any(s in stages for s in ("build", "guest", "harness"))
    if need_build:
        t0 = time.monotonic()
        build_kernels = list(kernels)
        if "harness" in stages and "6.12" not in build_kernels:
            build_kernels = build_kernels + ["6.12"]
        built = stage_build(res, build_kernels)
        res.timings.append(("kernels + module builds", time.monotonic() - t0))
        if "host" in stages:
            t0 = time.monotonic()
            stage_install(res, built)
            res.timings.append(("make install, make deb", time.monotonic() - t0))
    if "style" in stages:
        t0 = time.monotonic()
        stage_style(res, built)
        res.timings.append(("style", time.monotonic() - t0))
    if "harness" in stages:
        t0 = time.monotonic()
        stage_harness(res, built)
        res.timings.append(("harness self-tests", time.monotonic() - t0))
    if "guest" in stages:
        # The default plan comes with a second one, run in a guest with
        # single-threaded TCG (see tests/guest/plan.tcg-single).
        if args.tcg_thread == "single":
            plans = [(args.plan, "-tcg-single", ["--tcg-thread", "single"])]
        else:
            plans = [(args.plan, "", [])]
        if args.plan == DEFAULT_PLAN and os.path.exists(SINGLE_PLAN):
            plans.append((SINGLE_PLAN, "-tcg-single", ["--tcg-thread", "single"]))
        stage_guest(res, {k: v for k, v in built.items() if k in kernels}, plans)
        if args.plan == DEFAULT_PLAN and "6.12" in kernels:
            stage_split(res)

    stage("summary")
    for name, secs in res.timings:
        print(f"  {name:28} {secs:6.0f} s")
    print(f"  {'total':28} {time.monotonic() - t_start:6.0f} s")
    failed = [r for r in res.rows if r[1] == "not-ok"]
    # What a failed guest test printed, last, where a CI log's tail shows it.
    for name, text in res.excerpts:
        if "/console" in name:
            print(f"\033[1m-- {name}: around the first splat\033[0m")
            print(text)
            continue
        print(f"\033[1m-- output of {name} (last 40 lines)\033[0m")
        print("\n".join(text.splitlines()[-40:]))
    for name, _, detail in failed:
        print(f"  \033[31mFAILED\033[0m {name}: {detail}")
    line = f"{res.count('ok')} passed, {res.count('not-ok')} failed"
    if res.count("skip"):
        line += f", {res.count('skip')} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
