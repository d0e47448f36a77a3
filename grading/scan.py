"""Статическая проверка сдачи до запуска: ищет в ячейках студента то, чему не место в ответе.

Ответ на упражнение курса — функция или значение; ему не нужны доступ к ядру и IPython, журнал оценок,
процессы, ctypes, запись файлов вне рабочей папки, подмена функций модулей и хитрые ``__eq__``. Находка — не
приговор, а строка отчёта для преподавателя: ячейка, номер строки, сама строка и причина.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

MODULES = {
    "sqlite3": "доступ к базе данных (журнал оценок)", "subprocess": "запуск процессов",
    "multiprocessing": "запуск процессов", "ctypes": "прямой доступ к памяти процесса", "cffi": "доступ к памяти",
    "socket": "сеть", "signal": "сигналы процессов", "pty": "терминал", "shutil": "операции с файлами",
    "IPython": "управление ядром IPython", "ipykernel": "управление ядром", "jupyter_client": "сообщения ядра",
    "zmq": "сообщения ядра", "traitlets": "настройки ядра", "nbgrader": "автопроверка", "graders": "скрытые тесты",
    "grading": "автопроверка", "gc": "обход объектов интерпретатора", "importlib": "перезагрузка модулей",
    "builtins": "встроенные функции", "atexit": "код при выходе", "threading": "фоновые потоки",
    "_thread": "фоновые потоки", "resource": "пределы процесса", "site": "настройка окружения",
}
CALLS = {
    "exit": "завершение ядра", "quit": "завершение ядра", "eval": "выполнение строки как кода",
    "exec": "выполнение строки как кода", "compile": "компиляция кода", "__import__": "скрытый импорт",
    "get_ipython": "доступ к ядру IPython", "globals": "доступ к глобальным именам", "setattr": "подмена атрибута",
    "delattr": "удаление атрибута", "breakpoint": "отладчик",
}
ATTRIBUTE_CALLS = {
    "os": {"system", "popen", "fork", "forkpty", "_exit", "kill", "killpg", "execv", "execve", "execvp", "execl",
           "execlp", "spawnv", "spawnl", "posix_spawn", "remove", "unlink", "rename", "replace", "rmdir",
           "removedirs", "chmod", "chown", "symlink", "link", "setsid", "setpgrp"},
    "sys": {"exit", "_getframe", "settrace", "setprofile", "addaudithook"},
}
ATTRIBUTES = {"__builtins__", "__globals__", "__code__", "__subclasses__", "__dict__", "f_back", "f_globals",
              "f_locals", "gi_frame", "tb_frame", "meta_path", "path_hooks", "kernel", "session",
              "input_transformers_cleanup", "input_transformers_post", "ast_transformers", "events"}
DUNDERS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__hash__", "__float__",
           "__int__", "__index__", "__len__", "__array__", "__array_ufunc__", "__array_function__",
           "__torch_function__", "__instancecheck__", "__subclasscheck__", "__getattribute__", "__class__"}
MAGIC = re.compile(r"^\s*(!|%%?(system|sx|bash|sh|script|writefile|file|run|load|env|cd|store|capture|html|"
                   r"javascript|js|python|time)\b)")


@dataclass(frozen=True)
class Finding:
    """Подозрительная строка: где (ячейка, строка), что там написано и почему это отмечено."""
    cell: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.cell}, строка {self.line}: {self.reason} — `{self.text.strip()[:120]}`"


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _imported_names(tree: ast.AST) -> dict[str, str]:
    """Имя в коде → модуль, из которого оно импортировано."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
    return names


def _write_mode(call: ast.Call) -> bool:
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(set(mode.value) & set("wax+"))


def _findings(tree: ast.AST, modules: dict[str, str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]):
                top = name.split(".")[0]
                if top in MODULES:
                    found.append((line, f"импорт {name}: {MODULES[top]}"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in CALLS:
                found.append((line, f"вызов {func.id}(): {CALLS[func.id]}"))
            if isinstance(func, ast.Name) and func.id == "open" and _write_mode(node):
                found.append((line, "open(...) на запись: ответу не нужно писать файлы"))
            if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes", "unlink", "rmdir",
                                                                 "symlink_to", "chmod"):
                found.append((line, f".{func.attr}(): изменение файлов"))
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                module = modules.get(func.value.id, func.value.id)
                if func.attr in ATTRIBUTE_CALLS.get(module, ()):
                    found.append((line, f"вызов {module}.{func.attr}(): процессы, файлы или выход из ядра"))
        elif isinstance(node, ast.Attribute) and node.attr in ATTRIBUTES:
            found.append((line, f"обращение к .{node.attr}: внутренности интерпретатора или ядра"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in DUNDERS:
            found.append((line, f"определение {node.name}: может обмануть сравнение ответа"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and _root_name(part) in modules:
                        found.append((line, f"присваивание {ast.unparse(part)}: подмена атрибута модуля "
                                            f"{modules[_root_name(part)]}"))
                        break
    return found


def scan_cell(source: str, modules: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(номер строки, причина) для каждой подозрительной строки ячейки; магии IPython и ! — тоже находки."""
    found, lines = [], source.splitlines()
    for number, line in enumerate(lines, 1):
        if MAGIC.match(line):
            found.append((number, "команда оболочки или магия IPython"))
    python = "\n".join("pass" if MAGIC.match(line) or line.lstrip().startswith(("%", "!")) else line
                       for line in lines)
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return found
    return found + _findings(tree, {**(modules or {}), **_imported_names(tree)})


def scan_notebook(notebook: dict, release_sources: set[str]) -> list[Finding]:
    """Находки в ячейках кода, написанных студентом (ячейки выпуска и тесты не проверяются: тесты nbgrader
    всё равно заменит своими)."""
    modules: dict[str, str] = {}
    findings = []
    for index, cell in enumerate(notebook["cells"]):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        try:
            modules.update(_imported_names(ast.parse(source)))
        except SyntaxError:
            pass
        if source.strip() in release_sources:
            continue
        name = meta.get("grade_id") or f"ячейка {index + 1}"
        lines = source.splitlines()
        findings += [Finding(name, line, lines[line - 1] if 0 < line <= len(lines) else "", reason)
                     for line, reason in scan_cell(source, modules)]
    return findings
