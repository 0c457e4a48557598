"""Counted nouns: one is singular, any other count plural."""

import pytest

from geofence.words import plural


@pytest.mark.parametrize(
    ("count", "said"), [(0, "0 items"), (1, "1 item"), (2, "2 items"), (-1, "-1 items")]
)
def test_a_noun_is_singular_for_exactly_one(count, said):
    assert plural(count, "item") == said


def test_an_irregular_plural_is_given():
    assert plural(1, "vertex", "vertices") == "1 vertex"
    assert plural(2, "vertex", "vertices") == "2 vertices"
