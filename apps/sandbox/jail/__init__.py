"""Start one program under bubblewrap with rlimits, supervise it, and classify how it ended.

job.py        what a run is (Job) and what comes back (Execution)
command.py    the command line: prlimit -> setpriv -> bubblewrap and its arguments
spawn.py      the pipes and the spawn; release() starts a jail built ahead
boxes.py      the /box directories of jails built ahead
supervise.py  the watcher: output, wall time, memory, the kill, the facts
verdict.py    the verdict, from the facts
warm.py       the jail built ahead (warm_jail, one per process)
lifecycle.py  execute(job): one run, start to end, in that order
"""

from .command import bwrap_binary
from .job import MAX_FILE_BYTES, RESULTS_FD, Execution, Job
from .lifecycle import execute
from .warm import WarmJail, warm_jail

__all__ = [
    "MAX_FILE_BYTES",
    "RESULTS_FD",
    "Execution",
    "Job",
    "WarmJail",
    "bwrap_binary",
    "execute",
    "warm_jail",
]
