"""The failure classes shown in tables and reports are exactly the ones the judge assigns."""

from pix2fact.judge.attribution import FAILURE_CLASSES as JUDGE_CLASSES
from pix2fact.report.columns import FAILURE_CLASSES as SHOWN_CLASSES


def test_shown_classes_match_judge_classes():
    assert sorted(SHOWN_CLASSES) == sorted(JUDGE_CLASSES)
    assert len(SHOWN_CLASSES) == len(set(SHOWN_CLASSES))
