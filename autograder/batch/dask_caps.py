"""The memory cap of each Dask worker that ``--cluster local:N`` starts (a worker plugin).

Its own module because it imports ``distributed`` (which the local coordinator
does not import until it grades on Dask).
"""

from distributed.diagnostics.plugin import WorkerPlugin

from .bounds import cap_memory


class MemoryCap(WorkerPlugin):
    """Each worker process, and the step processes it starts, under a data cap of `memory_mb` MB.

    A worker the nanny starts again (after a step ended it) runs the plugin again.
    """

    name = "fmnist-memory-cap"

    def __init__(self, memory_mb):
        self.memory_mb = memory_mb

    def setup(self, worker):
        cap_memory(self.memory_mb)
