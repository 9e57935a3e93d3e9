"""Without ``datasets:`` in the rubric nothing is served, and the message says why."""

import pytest

from grader.checks.session import StudentCodeError


def test_tfds_not_bound(student):
    with pytest.raises(StudentCodeError) as caught:
        student.course_data.imdb("train")
    assert caught.value.exc_type == "DatasetNotAvailable", caught.value.describe()
    assert "must list imdb under datasets:" in caught.value.message, caught.value.message


def test_mnist_not_bound(student):
    with pytest.raises(StudentCodeError) as caught:
        student.course_data.mnist(True)
    assert caught.value.exc_type == "DatasetNotAvailable", caught.value.describe()
    assert "must list mnist under datasets:" in caught.value.message, caught.value.message
    assert student.course_data.wrote() is False, "nothing may be written when nothing can be downloaded"
