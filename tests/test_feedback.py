"""course_utils.feedback in a real IPython shell: what a failed check and a missing name look like. The shell runs in
a subprocess, so that no global IPython instance leaks into the other tests of this worker."""
import json
import subprocess
import sys

SCRIPT = r'''
import json
from IPython.testing.globalipapp import start_ipython
from course_utils import feedback

ip, shown = start_ipython(), []
ip._showtraceback = lambda etype, value, stb: shown.append([etype.__name__, stb])
assert feedback.install()
ip.run_cell("import torch\nfrom course_utils import checks\ndef f(x):\n    y = x @ torch.ones(3, 2)\n    return y")
cells = ["checks.call(f, torch.ones(2, 2), name='f(x)')", "checks.call(not_defined_yet, 1)", "def g():\n    q += 1\ng()"]
print(json.dumps([[ip.run_cell(cell).success, shown[-1]] for cell in cells]))
'''


def test_failed_checks_and_missing_names_are_short_blocks_other_errors_keep_their_traceback():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    (ok1, (name1, check)), (ok2, (name2, missing)), (ok3, (name3, other)) = json.loads(result.stdout.splitlines()[-1])
    assert not (ok1 or ok2 or ok3), "each is still an error for Jupyter and nbgrader"
    text = "\n".join(check)
    assert name1 == "CheckError" and "✗ Проверка не пройдена" in text and "f(x) упала с ошибкой RuntimeError" in text
    assert "Ваш код (функция f, строка 4): y = x @ torch.ones(3, 2)" in text and "%tb" in text
    assert "checks.py" not in text and len(check) <= 5
    text = "\n".join(missing)
    assert name2 == "NameError" and "Имя «not_defined_yet» ещё не определено" in text and "ячейка с упражнением" in text
    assert name3 == "UnboundLocalError" and "Проверка" not in "\n".join(other)  # a NameError, but not a missing one
