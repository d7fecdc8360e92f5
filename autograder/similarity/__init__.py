"""``fmnist-grade similarity ASSIGNMENT``: which submissions share code, as evidence for a person to look at.

Built on copydetect (winnowing fingerprints over normalised tokens). One
module per step:

* :mod:`.starter` - what the release's answer cells hold (derived from the
  source notebook with nbgrader's own ClearSolutions), removed from every
  comparison;
* :mod:`.answers` - every submitted notebook's answer code, read through the
  grader's safe reader, and known earlier or public code (``--against``),
  cut into graded pieces;
* :mod:`.fingerprints` - copydetect's normalisation and fingerprints per
  piece, the starter's fingerprints removed;
* :mod:`.scoring` - the similarity of every pair on every piece and on the
  whole answer code (``*``);
* :mod:`.flagging` - flags calibrated to the class (robust z-score, minimum
  similarity, minimum code);
* :mod:`.highlight` - the shared regions of one pair, for the page;
* :mod:`.report_csv`, :mod:`.report_html` - the two reports.

The command line is :mod:`autograder.cli.similarity`; the test corpus as a
class, :mod:`autograder.cli.similarity_corpus`. This package may import
:mod:`autograder.reports` (escaping), :mod:`autograder.verdict` (the safe
notebook reader), :mod:`autograder.sandbox` (safe file access) and
:mod:`fmnist_checks`; never :mod:`autograder.cli` nor :mod:`autograder.batch`.
"""
