"""ChartQA relaxed accuracy."""

from pgeval.metrics import relaxed_accuracy


def test_numbers_within_five_percent():
    assert relaxed_accuracy("12", "12.5") == 1.0  # 0.5 / 12.5 = 4%
    assert relaxed_accuracy("105", "100") == 1.0  # exactly 5% counts
    assert relaxed_accuracy("105.1", "100") == 0.0
    assert relaxed_accuracy("-95", "-100") == 1.0
    assert relaxed_accuracy(" 100 ", "100") == 1.0  # float() accepts outer spaces


def test_percent_signs():
    assert relaxed_accuracy("0.5", "50%") == 1.0
    assert relaxed_accuracy("50", "50%") == 0.0  # 50 against 0.5
    assert relaxed_accuracy("51%", "50%") == 1.0
    assert relaxed_accuracy("50%%", "0.5") == 1.0  # every trailing % is stripped


def test_zero_or_text_targets_need_exact_strings():
    assert relaxed_accuracy("0", "0") == 1.0
    assert relaxed_accuracy("0.0", "0") == 0.0
    assert relaxed_accuracy("Yes", "yes") == 1.0  # lowercased first
    assert relaxed_accuracy("1,000", "1000") == 0.0  # thousands separators do not parse
    assert relaxed_accuracy("blue", "Blue") == 1.0
    assert relaxed_accuracy("blue", "red") == 0.0
