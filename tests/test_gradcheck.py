"""course_utils.gradcheck: the gradient comparison table of chapter 01."""
import torch

from course_utils import gradcheck


def test_diffs_are_relative_to_the_scale_of_the_tensors():
    a, b = torch.tensor([1.0, 0.0, -2.0]), torch.tensor([1.0, 1e-3, -2.0])
    assert abs(gradcheck.max_abs_diff(a, b) - 1e-3) < 1e-9
    assert abs(gradcheck.max_rel_diff(a, b) - 5e-4) < 1e-9
    assert gradcheck.max_rel_diff(torch.zeros(3), torch.zeros(3)) == 0.0


def test_compare_prints_one_row_and_says_whether_it_matched(capsys):
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert gradcheck.compare("W1", a, a.clone())
    assert not gradcheck.compare("W2", a, a + 0.1)
    assert gradcheck.compare("b1", a, a.double() + 1e-9)  # within the tolerance, though not bit for bit
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 3
    assert rows[0].split("|")[0].strip() == "W1" and "True" in rows[0].split("|")[1]
    assert "False" in rows[1].split("|")[2] and "1.00e-01" in rows[1]
    assert "False" in rows[2].split("|")[1] and "True" in rows[2].split("|")[2]


def test_compare_reports_a_shape_mismatch(capsys):
    assert not gradcheck.compare("W1", torch.zeros(2, 3), torch.zeros(3, 2))
    assert "(2, 3)" in capsys.readouterr().out


def test_compare_all_prints_a_table_and_flags_missing_names(capsys):
    reference = {"W": torch.ones(2, 2), "b": torch.ones(2)}
    assert gradcheck.compare_all({"W": torch.ones(2, 2), "b": torch.ones(2)}, reference)
    assert not gradcheck.compare_all({"W": torch.ones(2, 2)}, reference)
    out = capsys.readouterr().out
    assert out.count("exact") == 2 and "нет в ответе" in out
