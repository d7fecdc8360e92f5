"""Progress of the study's long steps, on stderr, in a terminal and in a log file alike.

:func:`stderr_is_terminal` is the one decision every step uses. To a
terminal, :class:`Progress` draws a tqdm bar; otherwise (``2> run.log``, a
CI log, a notebook) it writes a plain line for each tenth of the work and at
the end, such as::

    [fmnist-edu] tree grid search: 60/300 fits (20%), 31 s, about 124 s left

:func:`say` writes one such line for a step.
"""

import sys
import time

PREFIX = "[fmnist-edu]"


def stderr_is_terminal():
    """Whether ``sys.stderr`` (looked up now, so redirections count) is a terminal."""
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def say(message):
    """Write ``[fmnist-edu] message`` as one line on stderr."""
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


class Progress:
    """Count units of work and show the count on stderr.

    Parameters
    ----------
    total : int
        Units of work expected (the count may end below it, e.g. early stopping).
    desc : str
        What is counted, e.g. ``"tree grid search"``.
    unit : str
        Name of one unit, e.g. ``"fit"`` (an ``s`` is added for the lines).
    enabled : bool, default=True
        False shows nothing.
    bar : bool, default=True
        Draw a tqdm bar when stderr is a terminal; False leaves the terminal
        to the caller (a step that draws its own bar) and writes lines only
        when stderr is not a terminal.
    n_lines : int, default=10
        Lines written over the whole `total` when stderr is not a terminal.

    Examples
    --------
    >>> with Progress(4, "demo", "step", enabled=False) as progress:
    ...     for _ in range(4):
    ...         progress.update(loss=0.5)
    >>> progress.n
    4
    """

    def __init__(self, total, desc, unit, enabled=True, bar=True, n_lines=10):
        self.total = int(total)
        self.desc = desc
        self.unit = unit
        self.n = 0
        self._start = time.perf_counter()
        self._shown = 0  # count of the last line written
        self._k = 0  # lines due so far
        self._n_lines = max(1, int(n_lines))
        self._info = {}
        self._bar = None
        self._lines = False
        if enabled and stderr_is_terminal():
            if bar:
                from tqdm.auto import tqdm

                self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=sys.stderr)
        elif enabled:
            self._lines = True

    def __repr__(self):
        return f"Progress({self.desc!r}, {self.n}/{self.total} {self.unit}s)"

    def _line_at(self, k):
        """Count at which the k-th of `n_lines` lines is due (at least 1)."""
        return max(1, -(-self.total * k // self._n_lines))  # ceil(total * k / n_lines)

    def update(self, n=1, **info):
        """Add `n` units done; `info` (name=value) is shown beside the count."""
        self.n += n
        if info:
            self._info = info
        if self._bar is not None:
            if info:
                self._bar.set_postfix(info, refresh=False)
            self._bar.update(n)
        elif self._lines and self.n >= self._line_at(self._k + 1):
            self._write_line()
            while self._k < self._n_lines and self._line_at(self._k + 1) <= self.n:
                self._k += 1

    def _write_line(self, closing=False):
        elapsed = time.perf_counter() - self._start
        text = f"{self.desc}: {self.n}/{self.total} {self.unit}s"
        if self.total > 0:
            text += f" ({self.n / self.total:.0%})"
        text += f", {elapsed:.0f} s"
        if 0 < self.n < self.total and not closing:
            text += f", about {elapsed / self.n * (self.total - self.n):.0f} s left"
        if self._info:
            text += ", " + " ".join(f"{key} {value}" for key, value in self._info.items())
        say(text)
        self._shown = self.n

    def close(self):
        """End the display: close the bar, or write the last count if not yet written."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._lines and self._shown != self.n:
            self._write_line(closing=True)
        self._lines = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
