"""What a student controls, on its way out: one sink per kind of output.

:mod:`.escape` (text: stored, terminal, CSV, markdown, HTML, figure labels)
and :mod:`.browser` (HTML a browser renders: nh3's sanitiser and the pages'
Content-Security-Policy). Every layer above may use it.

The lowest layer of the instructor's side: it imports only the standard
library and well-kept libraries (nh3, nbconvert's markdown), never another
part of :mod:`autograder`.
"""
