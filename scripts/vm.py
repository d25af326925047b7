#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a syncsock test guest under QEMU TCG and report what happened.

The guest is a kernel plus an initramfs built here: busybox, tests/guest/init,
the test plan, the modules and the user-space programs with the shared
libraries they need.  ttyS0 carries only the kernel console (scanned for
splats); ttyS1 carries the test output and the "##SYNCSOCK" result lines.

Exit status: 0 when every test passed, the guest finished by itself and the
console shows no kernel splat; 1 otherwise; 2 on a usage or setup error.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Kernel messages that fail a run whatever the tests said (TESTING.md).
# kmemleak's own "new suspected memory leaks" line is not one: the guest's
# final scan (tests/guest/init) fails the run, with "kmemleak: report
# follows", only for a report that names syncsock.
SPLATS = [
    r"WARNING:",
    r"BUG:",
    r"KASAN:",
    r"UBSAN:",
    r"possible circular locking",
    r"possible recursive locking",
    r"inconsistent lock state",
    r"suspicious RCU usage",
    r"sleeping function called from invalid context",
    r"detected stalls? on CPU",
    r"self-detected stall",
    r"kmemleak: report follows",
    r"Oops",
    r"Call Trace:",
    r"Kernel panic",
    r"general protection fault",
    r"blocked for more than \d+ seconds",
    # Ahead of their own "Call Trace:", the lines that say why.
    r"invoked oom-killer",
    r"page allocation failure",
]
SPLAT_RE = re.compile("|".join(SPLATS))

RESULT_RE = re.compile(r"^##SYNCSOCK (ok|not-ok|skip) (\S+)\s*(.*)$")


def log(msg):
    sys.stderr.write(f"\033[1m[vm]\033[0m {msg}\n")
    sys.stderr.flush()


def kernel_info(name):
    out = subprocess.run([os.path.join(TOP, "scripts/kernels.sh"), name],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    info = {}
    for line in out.splitlines():
        key, _, val = line.partition("=")
        info[key] = shlex.split(val)[0] if val else ""
    return info


def elf_deps(path):
    """Shared libraries (with the loader) that an ELF program needs."""
    res = subprocess.run(["ldd", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    deps = []
    for line in res.stdout.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            deps.append(m.group(1))
    return deps


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


class Root:
    """The initramfs staging tree."""

    def __init__(self, path):
        self.path = path
        self.copied = set()

    def add(self, src, dst, mode=None):
        full = os.path.join(self.path, dst.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        shutil.copyfile(src, full)
        os.chmod(full, mode if mode is not None else os.stat(src).st_mode & 0o777)
        return full

    def add_program(self, src, dst):
        full = self.add(src, dst)
        if is_elf(src):
            # Without debug info: the test programs are ~15 MB each with
            # it, and a slow guest unpacking a 100+ MB initramfs trips the
            # hung-task detector (seen on the debug PREEMPT_RT kernel).
            # Symbols stay, for backtraces.
            subprocess.run(["strip", "--strip-debug", full], check=True)
            for lib in elf_deps(src):
                if lib not in self.copied:
                    self.copied.add(lib)
                    self.add(os.path.realpath(lib), lib, 0o755)

    def add_kernel_modules(self, moddir, names):
        """Copy kernel modules and their dependencies; write the load order."""
        if not moddir or not names:
            return
        deps = {}
        with open(os.path.join(moddir, "modules.dep")) as f:
            for line in f:
                mod, _, rest = line.partition(":")
                deps[os.path.basename(mod).split(".ko")[0].replace("-", "_")] = (
                    mod, [os.path.basename(d).split(".ko")[0].replace("-", "_")
                          for d in rest.split()])
        order = []

        def visit(n):
            if n in order:
                return
            if n not in deps:
                return  # built in
            for d in deps[n][1]:
                visit(d)
            order.append(n)

        for n in names:
            visit(n.replace("-", "_"))
        paths = []
        for n in order:
            rel = deps[n][0]
            src = os.path.join(moddir, rel)
            dst = f"/lib/modules/{n}.ko"
            full = os.path.join(self.path, dst.lstrip("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            if rel.endswith(".xz"):
                with open(full, "wb") as out:
                    subprocess.run(["xz", "-dc", src], stdout=out, check=True)
            elif rel.endswith(".zst"):
                with open(full, "wb") as out:
                    subprocess.run(["zstd", "-dcq", src], stdout=out, check=True)
            else:
                shutil.copyfile(src, full)
            paths.append(dst)
        with open(os.path.join(self.path, "lib/modules/load"), "w") as f:
            f.write("\n".join(paths) + "\n")

    def pack(self, out):
        with open(out, "wb") as f:
            find = subprocess.Popen(["find", "."], cwd=self.path, stdout=subprocess.PIPE)
            cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"],
                                    cwd=self.path, stdin=find.stdout, stdout=subprocess.PIPE)
            gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=f)
            find.stdout.close()
            cpio.stdout.close()
            if gz.wait() or cpio.wait() or find.wait():
                raise RuntimeError("packing the initramfs failed")


def build_initramfs(args, info, workdir):
    root = Root(os.path.join(workdir, "root"))
    busybox = shutil.which("busybox") or "/bin/busybox"
    root.add(busybox, "/bin/busybox", 0o755)
    root.add(os.path.join(TOP, "tests/guest/init"), "/init", 0o755)
    for d in ("proc", "sys", "dev", "tmp", "run", "root", "etc", "usr/local/lib"):
        os.makedirs(os.path.join(root.path, d), exist_ok=True)
    with open(os.path.join(root.path, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n")
    with open(os.path.join(root.path, "etc/group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    if args.plan:
        root.add(args.plan, "/tests/plan", 0o644)
    for script in args.script:
        root.add(script, "/tests/" + os.path.basename(script), 0o755)
    for prog in args.bin:
        root.add_program(prog, "/tests/bin/" + os.path.basename(prog))
    for prog in args.host_tool:
        path = shutil.which(prog) or prog
        if not os.path.exists(path):
            raise RuntimeError(f"host tool {prog} not found")
        root.add_program(path, "/usr/bin/" + os.path.basename(path))
    for path in args.host_file:
        if not os.path.exists(path):
            raise RuntimeError(f"host file {path} not found")
        root.add_program(path, path)
    for mod in args.module:
        root.add(mod, "/modules/" + os.path.basename(mod), 0o644)
    root.add_kernel_modules(info.get("KMODDIR"), args.kmod)
    if args.cmd:
        # A file rather than the kernel command line: no quoting to get wrong.
        script = os.path.join(root.path, "tests/cmd.sh")
        os.makedirs(os.path.dirname(script), exist_ok=True)
        with open(script, "w") as f:
            f.write("#!/bin/sh\n" + args.cmd + "\n")
        os.chmod(script, 0o755)
    image = os.path.join(workdir, "initramfs.cpio.gz")
    root.pack(image)
    return image


def boot_crash(path):
    """Did the kernel oops or panic before it started init (so before any
    module was loaded, or a test run)?"""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if "Run /init as init process" in line:
                    return False
                if re.search(r"Oops|Kernel panic|BUG:", line):
                    return True
    except FileNotFoundError:
        pass
    return False


def scan_console(path):
    splats = []
    try:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                if SPLAT_RE.search(line):
                    splats.append((n, line.rstrip()))
    except FileNotFoundError:
        pass
    return splats


def parse_ktap(info, log_dir, name, lines):
    """Count a KUnit suite's cases with the kernel's own kunit.py parser."""
    kunit_py = os.path.join(info["KDIR"], "tools/testing/kunit/kunit.py")
    if not os.path.exists(kunit_py):
        raise ValueError(f"{kunit_py} is missing")
    ktap_file = os.path.join(log_dir, f"{name}.ktap")
    json_file = os.path.join(log_dir, f"{name}.json")
    with open(ktap_file, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run([sys.executable, kunit_py, "parse", f"--json={json_file}", ktap_file],
                   check=True, stdout=subprocess.DEVNULL)
    with open(json_file) as f:
        tree = json.load(f)
    out = []

    def walk(group, prefix):
        for case in group.get("test_cases", []):
            status = {"PASS": "ok", "SKIP": "skip"}.get(case["status"], "not-ok")
            out.append({"name": f"kunit/{prefix}{case['name']}", "status": status,
                        "detail": case["status"].lower()})
        for sub in group.get("sub_groups", []):
            walk(sub, f"{prefix}{sub['name']}.")

    walk(tree, "")
    if not out:
        raise ValueError("no test cases in the KTAP output")
    for r in out:
        if r["status"] != "ok":
            log(f"  \033[31m{r['status']}\033[0m {r['name']}")
    log(f"  kunit.py parse: {name}: {sum(r['status'] == 'ok' for r in out)} of {len(out)} cases passed")
    return out


class Channel:
    """Follows the ttyS1 file while QEMU writes it."""

    def __init__(self, path, echo):
        self.path = path
        self.pos = 0
        self.partial = ""
        self.echo = echo
        self.lines = []

    def poll(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except FileNotFoundError:
            return
        data = self.partial + data.replace("\r", "")
        *complete, self.partial = data.split("\n")
        for line in complete:
            self.lines.append(line)
            self.echo(line)


def plan_tests(plan, kernel):
    """(name, timeout in seconds) of each test @plan runs on @kernel."""
    out = []
    with open(plan) as f:
        for line in f:
            parts = line.split(None, 3)
            if len(parts) < 4 or parts[0].startswith("#"):
                continue
            if parts[2] == "all" or kernel in parts[2].split(","):
                out.append((parts[0], int(parts[1])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", required=True, help="6.1, 6.12, rt, debug or debug-rt")
    ap.add_argument("--plan", help="test plan file (NAME TIMEOUT KERNELS COMMAND)")
    ap.add_argument("--only", default="", help="run only this test of the plan")
    ap.add_argument("--cmd", help="run one shell command in the guest instead of a plan")
    ap.add_argument("--shell", action="store_true", help="interactive guest on this terminal")
    ap.add_argument("--module", action="append", default=[], help="a .ko to put in /modules")
    ap.add_argument("--bin", action="append", default=[], help="a program for /tests/bin")
    ap.add_argument("--script", action="append", default=[], help="a script for /tests")
    ap.add_argument("--host-tool", action="append", default=[],
                    help="a host program (e.g. sockperf) copied into /usr/bin with its libraries")
    ap.add_argument("--host-file", action="append", default=[],
                    help="a host file (e.g. a plugin) copied to the same path, with its libraries")
    ap.add_argument("--kmod", action="append", default=["veth", "sch_netem"],
                    help="a module of the kernel itself to load at boot (veth and sch_netem always)")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--tcg-thread", choices=["multi", "single"], default="multi",
                    help="TCG's vCPU threads: single for tests that patch kernel text "
                         "(kprobes, fentry), which can hang a multi-threaded TCG guest")
    ap.add_argument("--mem", default="2G")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="one more argument for QEMU (repeat it), e.g. a -netdev")
    ap.add_argument("--host-cpus", default="",
                    help="run QEMU on these host CPUs only (taskset -c LIST)")
    ap.add_argument("--timeout", type=int, default=600, help="watchdog, seconds")
    ap.add_argument("--log-dir", required=True, help="where console and results go")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--quiet", action="store_true", help="do not echo test output")
    args = ap.parse_args()

    if not (args.plan or args.cmd or args.shell):
        ap.error("give --plan, --cmd or --shell")

    try:
        info = kernel_info(args.kernel)
    except subprocess.CalledProcessError:
        return 2
    os.makedirs(args.log_dir, exist_ok=True)
    console = os.path.join(args.log_dir, "console.log")
    channel_path = os.path.join(args.log_dir, "tests.log")
    for p in (console, channel_path):
        if os.path.exists(p):
            os.unlink(p)

    with tempfile.TemporaryDirectory(prefix="syncsock-vm.") as workdir:
        try:
            initrd = build_initramfs(args, info, workdir)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            log(f"cannot build the initramfs: {e}")
            return 2
        mode = "shell" if args.shell else ("cmd" if args.cmd else "plan")
        cmdline = ["console=ttyS0,115200", "panic=-1", "oops=panic",
                   "no_hash_pointers" if args.kernel.startswith("debug") else "",
                   f"ssk_mode={mode}", f"ssk_kernel={args.kernel}"]
        if args.kernel.startswith("debug"):
            cmdline += ["panic_on_warn=1", "kunit.enable=1"]
        if args.only:
            cmdline.append(f"ssk_only={args.only}")
        if args.cmd:
            cmdline.append("ssk_cmd=/tests/cmd.sh")
        if args.append:
            cmdline.append(args.append)
        qemu = ["qemu-system-x86_64", "-accel", f"tcg,thread={args.tcg_thread}", "-cpu", "max",
                "-smp", str(args.smp), "-m", args.mem, "-no-reboot",
                "-display", "none", "-vga", "none", "-nodefaults",
                "-kernel", info["KIMAGE"], "-initrd", initrd,
                "-append", " ".join(c for c in cmdline if c)] + args.qemu_arg
        if args.host_cpus:
            qemu = ["taskset", "-c", args.host_cpus] + qemu
        if args.shell:
            qemu += ["-serial", "mon:stdio", "-serial", f"file:{channel_path}"]
            log(f"booting {args.kernel} ({info['KREL']}); leave with 'poweroff -f' or Ctrl-A X")
            return subprocess.call(qemu)
        qemu += ["-serial", f"file:{console}", "-serial", f"file:{channel_path}",
                 "-monitor", "none"]

        # A guest that crashes while booting, before it starts init (so
        # before any module of ours is loaded), met an emulator fault (TCG
        # racing the kernel's own code patching: "Oops: int3" in early
        # boot): booted again, once, and said so.
        boot_crashes = []
        for attempt in range(2):
            log(f"booting {args.kernel} ({info['KREL']}), watchdog {args.timeout}s, logs in {args.log_dir}")
            start = time.monotonic()
            results = []
            state = {"done": False, "exit": None, "begun": False}
            ktap = {"name": None, "lines": [], "blocks": []}

            def echo(line):
                if line.startswith("##SYNCSOCK ktap-begin "):
                    ktap["name"], ktap["lines"] = line.split()[2], []
                    return
                if line.startswith("##SYNCSOCK ktap-end"):
                    ktap["blocks"].append((ktap["name"], ktap["lines"]))
                    ktap["name"] = None
                    return
                if ktap["name"] is not None:
                    ktap["lines"].append(line)
                m = RESULT_RE.match(line)
                if m:
                    status, name, detail = m.groups()
                    results.append({"name": name, "status": status, "detail": detail})
                    mark = {"ok": "\033[32mok\033[0m", "not-ok": "\033[31mFAIL\033[0m",
                            "skip": "\033[33mskip\033[0m"}[status]
                    log(f"  {mark} {args.kernel}/{name} {detail}")
                elif line.startswith("##SYNCSOCK done"):
                    state["done"] = True
                elif line.startswith("##SYNCSOCK exit "):
                    state["exit"] = int(line.split()[2])
                elif line.startswith("##SYNCSOCK begin"):
                    state["begun"] = True
                    log(f"  guest up after {time.monotonic() - start:.1f}s: {line[16:].strip()}")
                elif line.startswith("##SYNCSOCK run "):
                    name = line[15:].strip()
                    # The guest kills a test at its timeout; a guest that does
                    # not is hung itself: stop waiting shortly after.
                    state["running"] = name
                    state["deadline"] = time.monotonic() + test_timeouts.get(name, 600) + 60
                    if not args.quiet:
                        log(f"  running {args.kernel}/{line[15:].strip()}")
                elif not args.quiet:
                    sys.stdout.write(f"    | {line}\n")
                    sys.stdout.flush()

            test_timeouts = dict(plan_tests(args.plan, args.kernel)) if args.plan else {}
            chan = Channel(channel_path, echo)
            proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

            # Stopped (bench.sh stops a guest that waits for nothing):
            # QEMU goes too.
            def on_term(signum, _frame, proc=proc):
                proc.kill()
                sys.exit(128 + signum)
            signal.signal(signal.SIGTERM, on_term)
            watchdog = False
            while proc.poll() is None:
                time.sleep(0.25)
                chan.poll()
                now = time.monotonic()
                hung = state.get("deadline") and now > state["deadline"] and \
                    not (results and results[-1]["name"] == state["running"])
                if now - start > args.timeout or hung:
                    watchdog = True
                    if hung:
                        state["hung"] = state["running"]
                        results.append({"name": state["running"], "status": "not-ok",
                                        "detail": "the guest hung: no result past the test's timeout"})
                        log(f"  \033[31mFAIL\033[0m {args.kernel}/{state['running']} hung the guest")
                    proc.kill()
                    proc.wait()
                    break
            chan.poll()
            qemu_out = proc.stdout.read().decode(errors="replace")
            elapsed = time.monotonic() - start
            if watchdog or attempt or not boot_crash(console):
                break
            saved = f"{console}.boot-crash"
            os.replace(console, saved)
            boot_crashes.append(saved)
            if os.path.exists(channel_path):
                os.unlink(channel_path)
            log(f"  the guest crashed while booting, before any test (see {saved}): "
                "booting again")

    qemu_msgs = [ln for ln in qemu_out.splitlines()
                 if ln.strip() and "TCG doesn't support requested feature" not in ln]
    problems = []
    if watchdog and state.get("hung"):
        problems.append(f"watchdog: the guest hung in {state['hung']} "
                        f"(no result by its timeout + 60s)")
    elif watchdog:
        problems.append(f"watchdog: the guest did not finish within {args.timeout}s")
    elif not state["done"]:
        problems.append("the guest stopped before the test plan finished (panic or crash?)")
    if qemu_msgs and not state["done"]:
        problems.append("qemu said: " + " / ".join(qemu_msgs[-5:]))
    splats = scan_console(console)
    if splats:
        problems.append(f"kernel splat in the console log ({len(splats)} lines), first: "
                        f"line {splats[0][0]}: {splats[0][1]}")
    if args.cmd and state["exit"] not in (None, 0):
        problems.append(f"the command exited with status {state['exit']}")

    for name, lines in ktap["blocks"]:
        try:
            results.extend(parse_ktap(info, args.log_dir, name, lines))
        except (OSError, ValueError, subprocess.CalledProcessError) as e:
            problems.append(f"KUnit results of {name} could not be parsed: {e}")

    failed = [r for r in results if r["status"] == "not-ok"]
    ok = not problems and not failed
    summary = {
        "kernel": args.kernel, "release": info["KREL"], "seconds": round(elapsed, 1),
        "results": results, "problems": problems, "ok": ok,
        "splats": [f"{n}: {t}" for n, t in splats[:20]],
        "boot_crashes": boot_crashes,
        "console": console, "tests_log": channel_path,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    for p in problems:
        log(f"\033[31m{p}\033[0m")
    if not ok:
        log(f"console log kept in {console}, test output in {channel_path}")
    log(f"{args.kernel}: {sum(r['status'] == 'ok' for r in results)} passed, "
        f"{len(failed)} failed, {sum(r['status'] == 'skip' for r in results)} skipped "
        f"in {elapsed:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
