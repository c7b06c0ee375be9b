"""Run a command and report its exit status, wall-clock seconds and peak RSS on the last line of stderr.

Measured from this small launcher (``os.wait4`` on the command), not from the test
process: a child forked from a large process starts with that process's resident pages
counted in its peak, which would report the test's memory instead of the command's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

if __name__ == "__main__":
    started = time.monotonic()
    process = subprocess.Popen(sys.argv[1:])
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    report = {
        "status": os.waitstatus_to_exitcode(status),
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
    }
    sys.stderr.write("\nMEASURED " + json.dumps(report) + "\n")
