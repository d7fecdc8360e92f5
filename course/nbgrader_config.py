"""nbgrader configuration of the fmnist-edu course.

Run nbgrader's commands from this folder, e.g.
``nbgrader generate_assignment a2_decision_tree``.
"""

c = get_config()  # noqa: F821 (provided by nbgrader)

import os  # noqa: E402

c.CourseDirectory.course_id = "fmnist-edu"

# an exchange any user can write (nbgrader's default, /usr/local/share/nbgrader/exchange,
# needs root): FMNIST_EDU_EXCHANGE, else exchange/ in this folder. Students pass the same
# folder: nbgrader fetch_assignment ID --course fmnist-edu --Exchange.root=FOLDER
c.Exchange.root = os.environ.get("FMNIST_EDU_EXCHANGE") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "exchange")

# zip_collect: what the LMS hands out in downloaded/<assignment>/archive/, one file or zip per
# student, named <student>_...: bob_a5_evaluation.ipynb, an LMS's
# bob_attempt_2026-11-20-17-00-00_a5_evaluation.ipynb or bobsmith_1234_5678_a5_evaluation.ipynb,
# or bobsmith_1234_5678_homework.zip holding the notebook. The regexp is matched against the path
# under downloaded/<assignment>/extracted/ (autograder/lms/zip_names.py): the student id comes from
# its first part, the LMS's name of the file or archive, never from a name inside an archive.
c.ZipCollectApp.collector_plugin = "autograder.lms.zip_names.ArchiveNameCollector"
c.FileNameCollectorPlugin.named_regexp = (
    r"^(?P<student_id>[^/_]+)(?:(?:_[^/]*)?/(?:.*/)?(?:[^/]*_)?|_(?:[^/]*_)?)"
    r"(?P<file_id>a[1-5]_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb)$"
)

# each archive is looked at before it is extracted: regular files only, 64 MB and 200
# files at most from one archive, archives inside it kept closed (autograder/batch/zip_bounds.py)
c.ZipCollectApp.extractor_plugin = "autograder.batch.zip_bounds.BoundedExtractor"

# never release caches or checkpoints; never carry a web page of a student's from the submission
# into the autograded and feedback folders (nbgrader's release_feedback hands out every .html there)
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", ".pytest_cache", "feedback", ".*",
    "*.html", "*.htm", "*.xhtml", "*.shtml",
]

# every release gets the student side (fmnist_checks/, test_<assignment>_selfcheck.py) beside
# its notebook; nothing generated sits in source/. A failed hook fails the release.
from autograder.batch.release import release_hook  # noqa: E402

c.GenerateAssignment.post_convert_hook = release_hook

# autograde (``nbgrader autograde``, formgrader's Autograde button, fmnist-grade's
# steps) is fmnist-edu's grading: the instructor's checks, never a copy the student
# submitted; the student's own notebook run cell by cell in the sandbox (a cell that
# hangs or crashes is stopped and marked, the rest still runs); the trusted verdict
# written into the test cells, where nbgrader's SaveAutoGrades reads auto_score.
# See autograder/batch/nbexec.py and autograder/batch/annotate.py. What a browser will render of it
# (formgrader renders the autograded notebook itself) is cleaned by one sanitiser, the cells'
# roles taken from the gradebook, never the submission: autograder/untrusted/browser.py, autograder/batch/safe_notebook.py.
c.Autograde.autograde_preprocessors = [
    "autograder.batch.safe_notebook.SanitiseSubmission",
    "autograder.lms.submission_time.VouchedTime",
    "autograder.batch.release.InstallStudentSide",
    "autograder.batch.nbexec.SandboxedExecute",
    "autograder.reports.figures.FitFigures",  # wide figures get a display width that fits formgrader's page
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.batch.annotate.TrustedVerdict",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    "autograder.batch.safe_notebook.SanitiseContent",
]

# late work: 10% off per started day late after 5 minutes of grace, at most 100%; a student's
# extension is a row of extensions.csv (student_id,assignment,due with its time zone). The time
# is the exchange's when the student's timestamp.txt claims earlier (VouchedTime, above).
# See autograder/lms/late_policy.py. A malformed extensions.csv stops nbgrader (exit 2).
from autograder.lms.late_policy import configure as configure_late_policy  # noqa: E402

configure_late_policy(c, os.path.join(os.path.dirname(os.path.abspath(__file__)), "extensions.csv"))
c.LatePolicy.percent_per_day = 10.0
c.LatePolicy.grace_minutes = 5.0
c.LatePolicy.max_percent = 100.0

# a cell must not run forever; a dead kernel is not the whole class's problem. One limit for
# every way of grading: nbgrader autograde and formgrader's Autograde button (SandboxedExecute
# is an ExecutePreprocessor), nbgrader validate, and fmnist-grade's --cell-timeout default
from autograder.batch.nbexec import CELL_TIMEOUT  # noqa: E402

c.ExecutePreprocessor.timeout = CELL_TIMEOUT
c.ExecutePreprocessor.interrupt_on_timeout = True

# feedback shows each piece's trusted verdict once, titled by the piece, never the hidden
# tests' code (set under GenerateFeedback only: formgrader keeps its own templates)
from autograder.reports.feedback import TEMPLATE_DIR, TEMPLATE_NAME, nbgrader_template_dir, template_paths  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "autograder.batch.safe_notebook.SanitiseFeedback",
    "nbgrader.preprocessors.GetGrades",
    "autograder.reports.feedback.HideTestCode",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.GenerateFeedback.HTMLExporter.template_name = TEMPLATE_NAME
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [nbgrader_template_dir(), TEMPLATE_DIR]
c.GenerateFeedback.HTMLExporter.extra_template_paths = template_paths()
# the feedback folder keeps only the pages generate_feedback made (a student's own .html files,
# which nbgrader copies from the autograded folder, are removed), with their SHA-256 in a manifest
# that the release checks (autograder.reports.feedback.keep_generated_only)
c.GenerateFeedback.post_convert_hook = "autograder.reports.feedback.keep_generated_only"
