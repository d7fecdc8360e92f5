"""Where student code runs, and the boundary around it.

:mod:`.bwrap` (bubblewrap: the limits, the mounts), :mod:`.uids` (a block
of sandbox uids per grading run), :mod:`.safefs` (file access no submission
can redirect), the worker (:mod:`.worker`), its child (:mod:`.worker_child`),
their frames (:mod:`.worker_frames`) and the kernel's side of the checks
(:mod:`.worker_kernel`). The four ``worker*`` modules are mounted alone into
the sandbox (``/opt/fmnist-grader/fmnist_worker*.py``), so they import only
each other, the standard library and :mod:`fmnist_checks`.

The bottom layer of the instructor's side: it may import only
:mod:`fmnist_checks` (and :mod:`autograder` itself, for its folder); never
:mod:`autograder.hidden` or anything above it.
"""
