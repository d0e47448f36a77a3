"""Typical student mistakes per chapter, used by test_exercises.py and test_autograde.py.

Each chapter module defines MISTAKES: {grade_id: {name: (code of the solution cell, fragment of the expected
Russian message)}}, and E2E_MISTAKES: grade_ids whose first mistake the end-to-end autograding test submits
(exercises that no later exercise depends on, so exactly those lose points).
"""
