"""nbgrader configuration of the course: solutions/ is the source, chapters/ is the student release."""
import os

from grading import preprocessors

c = get_config()  # noqa: F821  (provided by nbgrader)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
GRADEBOOK_DIR = os.environ.get("COURSE_GRADEBOOK_DIR", os.path.join(COURSE_ROOT, ".nbgrader"))
os.makedirs(GRADEBOOK_DIR, exist_ok=True)

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "chapters"
# The gradebook (student names and scores) is never part of the repository.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(GRADEBOOK_DIR, "gradebook.db")

# What a student sees in place of the solution.
c.ClearSolutions.code_stub = {"python": "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "ВАШ ОТВЕТ ЗДЕСЬ"

# Seconds per cell when autograding; nbgrader interrupts a cell that runs longer (e.g. an infinite loop).
# After the first timeout in a notebook, the remaining cells get BudgetedExecute.after_timeout seconds each.
c.Execute.timeout = 180
# nbgrader's steps, with three of the course's (grading/preprocessors.py): a notebook's time budget after a
# timeout, stderr in a test cell is not a failure, feedback shows no hidden test code and no active HTML.
c.Autograde.autograde_preprocessors = preprocessors.AUTOGRADE
c.GenerateFeedback.preprocessors = preprocessors.FEEDBACK
# Library warnings go to stderr; the student's Validate still counts stderr, so it filters warnings out.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\w*Warning: "
