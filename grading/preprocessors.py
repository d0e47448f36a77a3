"""Препроцессоры nbgrader курса (подключены в nbgrader_config.py): nbgrader остаётся, меняются три шага.

- ``BudgetedExecute``: после тайм-аута ячейки остальные ячейки ноутбука ждут меньше — бесконечный цикл в
  функции, которую вызывают девять тестов, стоит один полный тайм-аут, а не девять;
- ``StderrIsNotFailure``: вывод в stderr (print(..., file=sys.stderr), logging, предупреждения библиотек) в
  ячейке тестов становится обычным выводом: балл снимает только исключение;
- ``FeedbackWithoutHiddenTests``: в отзыве студента нет кода скрытых тестов и кадров трассировки — только
  итог каждой проверки и её сообщение; HTML студента обезвреживает ``SanitizeStudentHTML`` (SanitizeHTML из nbconvert).
"""
from __future__ import annotations

import re

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, ClearMetadataPreprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, GetGrades, LimitOutput,
                                    NbGraderPreprocessor, SaveAutoGrades)
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, Integer, Unicode
from traitlets.utils.importstring import import_item

HIDDEN_TESTS = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.DOTALL)
HIDDEN_NOTE = "# Код скрытых тестов в отзыве не показывается; их итог — ниже."


def is_test(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class BudgetedExecute(Execute):
    """Execute nbgrader со сроками по ситуации: после первого тайм-аута в ноутбуке остальные ячейки ждут не
    дольше ``after_timeout`` секунд, после второго — ``stuck_timeout`` (ядро, скорее всего, зависло)."""

    after_timeout = Integer(20, help="Секунд на ячейку после первого тайм-аута в ноутбуке.").tag(config=True)
    stuck_timeout = Integer(5, help="Секунд на ячейку после второго тайм-аута в ноутбуке.").tag(config=True)
    kernel_manager = Unicode("", help="Класс менеджера ядра (import-путь), например песочницы.").tag(config=True)
    # Ядро, зависшее после тайм-аута, не пришлёт «idle»; nbgrader тогда бросил бы весь ноутбук.
    raise_on_iopub_timeout = Bool(False).tag(config=True)
    _timeouts = 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.kernel_manager:  # Execute nbgrader задаёт свой класс аргументом, а он сильнее настройки
            self.kernel_manager_class = import_item(self.kernel_manager)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if not timeout or not self._timeouts:
            return timeout
        return min(timeout, self.after_timeout if self._timeouts == 1 else self.stuck_timeout)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timeouts += 1
        return await super()._async_handle_timeout(timeout, cell)


class StderrIsNotFailure(NbGraderPreprocessor):
    """Потоки stderr ячеек тестов становятся stdout: nbgrader ставил бы за них 0."""

    def preprocess_cell(self, cell, resources, index):
        if is_test(cell):
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources


class FeedbackWithoutHiddenTests(NbGraderPreprocessor):
    """Код скрытых тестов заменён пометкой, ошибки тестов — одной строкой «Тип: сообщение»."""

    def preprocess_cell(self, cell, resources, index):
        if is_test(cell):
            cell.source = HIDDEN_TESTS.sub(HIDDEN_NOTE, cell.source)
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class SanitizeStudentHTML(SanitizeHTML):
    """SanitizeHTML из nbconvert, включённый всегда (у препроцессоров nbconvert по умолчанию enabled=False)."""

    enabled = Bool(True).tag(config=True)


AUTOGRADE = [BudgetedExecute, StderrIsNotFailure, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
             AssignLatePenalties, CheckCellMetadata]
FEEDBACK = [GetGrades, FeedbackWithoutHiddenTests, SanitizeStudentHTML, CSSHTMLHeaderPreprocessor]
