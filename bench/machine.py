"""What the benchmarks ask of the machine itself: how idle its CPUs are, and
waiting for them to be idle before a measurement (another build may share
the machine). Shared by volumes_bench.py and web_bench.py."""
import time


def cpu_idle(seconds=1.0):
    """The share of CPU time spent idle (or waiting for I/O) over `seconds`."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = sample()
    time.sleep(seconds)
    i1, t1 = sample()
    return (i1 - i0) / max(1, t1 - t0)


def wait_until_idle(share, limit, poll):
    """Waits until the CPUs are at least `share` idle; None then, or after
    `limit` seconds the idle share measured last (the caller says so)."""
    start = time.monotonic()
    while True:
        idle = cpu_idle()
        if idle >= share:
            return None
        if time.monotonic() - start > limit:
            return idle
        time.sleep(poll)
