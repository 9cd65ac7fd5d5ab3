"""Runs work on untrusted input in a child process with hard limits on memory, CPU time and wall time.

The parent side (`run_bounded`) works wherever the portal runs: in a request, in a daemonic Celery prefork child
(which may not use multiprocessing, but may start processes) and in tests. The child side (`serve_child`) is what
a module's `if __name__ == "__main__":` calls; it needs no Django.

Protocol: the child prints one JSON document on stdout. Whatever it prints is returned to the caller as data, so
a child can report "refused, with code X" as an ordinary answer. A limit hit is never data: it raises
`BoundExceeded`. A child that dies without an answer for any other reason raises `ChildFailed`.
"""

import contextlib
import ctypes
import ctypes.util
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The exit status by which a child says that it ran out of memory (an allocation failed under RLIMIT_AS).
EXIT_OUT_OF_MEMORY = 86
# Time for the interpreter to start and the parent to notice, on top of the CPU seconds the child may use.
WALL_CLOCK_MARGIN_SECONDS = 5
STDERR_TAIL_CHARACTERS = 2000
_PR_SET_PDEATHSIG = 1


class BoundExceeded(Exception):
    """The child hit a limit: `limit` is "memory", "cpu", "wall" or "signal" (killed from outside)."""

    def __init__(self, limit, detail=""):
        super().__init__(f"{limit}: {detail}" if detail else limit)
        self.limit = limit
        self.detail = detail


class ChildFailed(Exception):
    """The child ended without an answer and without hitting a limit (a bug, or the interpreter could not start)."""

    def __init__(self, returncode, stderr):
        super().__init__(f"exit status {returncode}: {stderr[-STDERR_TAIL_CHARACTERS:]}")
        self.returncode = returncode
        self.stderr = stderr


def _libc_prctl():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True).prctl if name else None
    except (OSError, AttributeError):
        return None


# Looked up once in the parent: the function that runs between fork and exec must not load libraries.
_PRCTL = _libc_prctl()


def _limits_setter(seconds, memory_bytes):
    cpu_seconds = max(1, int(seconds))

    def set_limits():
        # Runs in the forked child before exec: only system calls, no allocation-heavy Python.
        # SIGXCPU at the soft limit, SIGKILL one second later if the child ignores it.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if _PRCTL is not None:
            # A child outlives no parent: when the worker dies, the check dies with it.
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # Last: until exec the child is a copy of the parent, which may already use more than the limit.
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return set_limits


def child_environment():
    """The child's whole environment: enough to find the interpreter, the project and a UTF-8 locale."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG") or "C.UTF-8",
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _kill_group(process):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def run_bounded(module, *args, seconds, memory_bytes):
    """Runs `python -m module *args` with RLIMIT_AS = memory_bytes, RLIMIT_CPU = seconds and a wall-clock limit of
    seconds plus a margin, and returns the JSON the child printed.

    Side effects: starts one child process in a process group of its own; on a timeout, or when the caller is
    interrupted (e.g. a task's soft time limit), the whole group is killed before this returns or raises.
    Raises BoundExceeded when a limit was hit, ChildFailed when the child ended without a JSON answer.
    """
    command = [sys.executable, "-m", module, *[str(arg) for arg in args]]
    process = subprocess.Popen(  # noqa: S603 - a fixed interpreter and module; the arguments are paths and numbers
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_environment(),
        cwd=PROJECT_ROOT,
        start_new_session=True,
        # The limits must hold from the first instruction of the child; the setter only makes system calls.
        preexec_fn=_limits_setter(seconds, memory_bytes),
        close_fds=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=seconds + WALL_CLOCK_MARGIN_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise BoundExceeded("wall", f"more than {seconds + WALL_CLOCK_MARGIN_SECONDS} s") from None
    finally:
        # Interrupted while waiting (a task's soft time limit, a signal): the child must not outlive the wait.
        if process.returncode is None:
            _kill_group(process)
            process.wait()
    returncode = process.returncode
    stderr_text = stderr.decode("utf-8", "replace")
    if returncode == EXIT_OUT_OF_MEMORY:
        raise BoundExceeded("memory", f"more than {memory_bytes} bytes")
    if returncode == -signal.SIGXCPU:
        raise BoundExceeded("cpu", f"more than {seconds} s of CPU time")
    if returncode < 0:
        raise BoundExceeded("signal", signal.Signals(-returncode).name)
    try:
        answer = json.loads(stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if "MemoryError" in stderr_text:
            raise BoundExceeded("memory", f"more than {memory_bytes} bytes")
        raise ChildFailed(returncode, stderr_text)
    return answer


def peak_memory_bytes():
    """The peak resident memory of this process since its exec (VmHWM; ru_maxrss would include the parent's
    memory, inherited through fork before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def serve_child(main):
    """The child's side: calls main(argv) -> dict, prints it as JSON and exits 0; a failed allocation exits with
    EXIT_OUT_OF_MEMORY so that the parent reports a memory limit, not a crash."""
    try:
        answer = main(sys.argv[1:])
        sys.stdout.write(json.dumps(answer))
        sys.stdout.flush()
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)
    os._exit(0)
