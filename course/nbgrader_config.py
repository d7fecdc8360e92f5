"""nbgrader configuration of the fmnist-edu course.

Run nbgrader's commands from this folder, e.g.
``nbgrader generate_assignment a2_decision_tree``.
"""

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "fmnist-edu"

# never release caches or checkpoints
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", ".pytest_cache", "feedback", ".*",
]

# every release gets the student side (fmnist_checks/, test_selfcheck.py) beside
# its notebook; nothing generated sits in source/. A failed hook fails the release.
from autograder.release import release_hook  # noqa: E402

c.GenerateAssignment.post_convert_hook = release_hook

# autograde (``nbgrader autograde``, formgrader's Autograde button, fmnist-grade's
# steps) is fmnist-edu's grading: the instructor's checks, never a copy the student
# submitted; the student's own notebook run cell by cell in the sandbox (a cell that
# hangs or crashes is stopped and marked, the rest still runs); the trusted verdict
# written into the test cells, where nbgrader's SaveAutoGrades reads auto_score.
# See autograder/nbexec.py and autograder/annotate.py.
c.Autograde.autograde_preprocessors = [
    "autograder.release.InstallStudentSide",
    "autograder.nbexec.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.annotate.TrustedVerdict",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# feedback shows each failed check's message, never the hidden tests' code
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideTestCode",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
