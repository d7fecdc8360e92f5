"""The one error the LMS commands refuse with."""


class LmsError(ValueError):
    """The command cannot go on; the message says why in one line, and nothing was written."""
