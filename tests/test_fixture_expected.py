"""Every fixture page's expected.json is what the extractor produces today, field by field.

expected.json is a snapshot, regenerated only by `make fixtures` and reviewed as a diff; this
test makes a change in output visible: when it fails, either the change is a regression, or
the snapshot is regenerated on purpose in the same commit.
"""
from __future__ import annotations

import pytest

from fixtures.loader import load_cases
from fixtures.regenerate import expected_for

CASES = [c for c in load_cases() if c.expected_path.exists()]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_output_matches_expected_snapshot(case):
    got = expected_for(case)
    want = case.expected
    for field in sorted(set(want) | set(got)):
        assert got.get(field) == want.get(field), \
            f"{case.name}: {field} differs from expected.json (regression, or run `make fixtures` and review the diff)"
