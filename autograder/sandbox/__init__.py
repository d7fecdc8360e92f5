"""Where student code runs, and the boundary around it.

:mod:`.bwrap` (bubblewrap: the limits, the mounts), :mod:`.uids` (a block
of sandbox uids per grading run), :mod:`.safefs` (file access no submission
can redirect), the worker (:mod:`.worker`), its child (:mod:`.worker_child`),
their frames (:mod:`.worker_frames`) and the kernel's side of the checks
(:mod:`.worker_kernel`); the sandboxes grading starts, as fixed requests
(:mod:`.sandbox_spec`), the root launcher that alone starts them when grading
runs as an unprivileged user (:mod:`.privsep`, its client
:mod:`.launcher_client`), and the notebook kernel's sockets, made by the host
in a folder no sandbox sees (:mod:`.kernel_host`) and taken up inside by
:mod:`.kernel_launch`. The four ``worker*`` modules and ``kernel_launch`` are
mounted alone into the sandbox (``/opt/fmnist-grader/fmnist_*.py``), so they
import only each other, the standard library and :mod:`fmnist_checks`.

The bottom layer of the instructor's side: it may import only
:mod:`fmnist_checks` (and :mod:`autograder` itself, for its folder); never
:mod:`autograder.hidden` or anything above it.
"""
