"""Run one engine action in a forked child process and measure what it really cost: its peak
resident memory (ru_maxrss, from the fork on) and its processor time. A probe asserts on these
measured figures, never on sleeps; the child's address space is capped, so that an action that
would take gigabytes fails in the child instead of in the machine the tests share."""
import json
import os
import resource
import time
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    value: object  # what the action answered (JSON), or None
    error: str | None  # the action's exception, or "timed out", or "killed by signal N"
    peak_growth: int  # bytes: peak resident memory above what the child started with
    cpu_seconds: float


def measure_in_child(action, address_space: int = 1 << 30, timeout: float = 60.0) -> Measured:
    """Fork, cap the child's address space at its size now plus `address_space`, run `action()`."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report on the pipe and leave without running the parent's cleanup
        os.close(reader)
        try:
            report = _run(action, address_space)
        except BaseException as error:  # noqa: BLE001 - whatever happened is the report
            report = {"value": None, "error": f"{type(error).__name__}: {error}", "peak_growth": 0, "cpu": 0.0}
        os.write(writer, json.dumps(report, default=str).encode())
        os._exit(0)
    os.close(writer)
    return _collect(pid, reader, timeout)


def _run(action, address_space: int) -> dict:
    with open("/proc/self/statm") as statm:
        size_pages, resident_pages = (int(n) for n in statm.read().split()[:2])
    resource.setrlimit(resource.RLIMIT_AS, (size_pages * PAGE + address_space, resource.RLIM_INFINITY))
    with open("/proc/self/clear_refs", "w") as clear:  # "5": peak RSS starts again from now
        clear.write("5")
    started = _cpu()
    value, error = None, None
    try:
        value = action()
    except BaseException as failure:  # noqa: BLE001
        error = f"{type(failure).__name__}: {failure}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"value": value, "error": error, "peak_growth": peak - resident_pages * PAGE, "cpu": _cpu() - started}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _collect(pid: int, reader: int, timeout: float) -> Measured:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(reader)
            return Measured(None, "timed out", 0, timeout)
        time.sleep(0.05)  # polling a child process, not waiting on the engine's clock
    with os.fdopen(reader, "rb") as pipe:
        text = pipe.read()
    if not text:
        return Measured(None, f"killed by signal {os.WTERMSIG(status)}", 0, 0.0)
    report = json.loads(text)
    return Measured(report["value"], report["error"], report["peak_growth"], report["cpu"])
