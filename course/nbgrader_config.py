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

# a test cell must not run forever; a dead kernel is not the whole class's problem
c.ExecutePreprocessor.timeout = 300
c.ExecutePreprocessor.interrupt_on_timeout = True

# feedback shows each failed check's message, never the hidden tests' code
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideTestCode",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
