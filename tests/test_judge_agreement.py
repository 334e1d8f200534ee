"""Agreement of the rule grader with the hand-labelled answer pairs in tests/data."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

PAIRS = Path(__file__).parent / "data" / "answer_pairs.jsonl"
SCRIPT = Path(__file__).parent.parent / "benchmarks" / "judge_agreement.py"
KINDS = {"phone", "hours", "email", "url", "address", "price", "year", "date", "number", "name", ""}


@pytest.fixture(scope="module")
def agreement():
    spec = importlib.util.spec_from_file_location("judge_agreement", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pairs_file_is_large_and_covers_every_kind(agreement):
    pairs = agreement.load_pairs(PAIRS)
    kinds = Counter(pair["kind"] for pair in pairs)

    assert len(pairs) >= 300
    assert set(kinds) == KINDS
    for kind, count in kinds.items():
        assert count >= 12, f"only {count} pairs of kind {kind!r}"
    assert sum(1 for pair in pairs if not pair["label"]) >= 120, "too few hard negatives"
    assert all(set(pair) >= {"gold", "answer", "kind", "label", "note"} for pair in pairs)


def test_agreement_at_least_98_percent(agreement):
    result = agreement.measure(agreement.load_pairs(PAIRS))
    report = agreement.format_report(result)
    print(report)

    assert result["agreement"] >= 0.98, report


def test_script_exit_code_reflects_minimum(agreement, capsys):
    assert agreement.main([str(PAIRS), "--min", "0.98"]) == 0
    assert "overall:" in capsys.readouterr().out
