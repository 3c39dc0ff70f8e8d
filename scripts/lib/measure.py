#!/usr/bin/env python3
"""measure.py OUT CMD…: runs CMD (with this process's standard input, output and error) and
writes one line to OUT: "WALL_SECONDS USER_SECONDS SYS_SECONDS PEAK_RSS_KB" of CMD. Exits
with CMD's status.

Times are to the microsecond: GNU time's %e, %U and %S round to 10 ms, too coarse for the
short runs of `scripts/bench --quick`, where 10 ms can be 5 % of a figure. The peak memory
still comes from GNU time (%M), which starts CMD from its own small process: a process that
Python starts inherits Python's resident size (about 13 MB) as its peak."""
import os
import sys
import time

if len(sys.argv) < 3:
    print(__doc__.splitlines()[0], file=sys.stderr)
    sys.exit(64)
out, argv = sys.argv[1], sys.argv[2:]
rss_file = out + ".rss"
start = time.monotonic()
pid = os.posix_spawn("/usr/bin/time", ["/usr/bin/time", "-f", "%M", "-o", rss_file, *argv], os.environ)
# The usage of /usr/bin/time includes that of CMD, its child, which it waited for.
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
with open(rss_file) as f:
    peak_kb = f.read().split()[-1]   # after "Command exited with non-zero status N", if any
os.remove(rss_file)
with open(out, "w") as f:
    f.write(f"{wall:.6f} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {peak_kb}\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
