"""Fixtures more than one test module uses (helpers without fixtures: ``answer_namespace``, ``grading_helpers``)."""

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: threads only cost time on a busy machine (40x here)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)



@pytest.fixture(autouse=True, scope="session")
def the_test_run_keeps_its_user():
    """Commands started by the tests (in this process or not) never become the grading user by default.

    Started as root, ``fmnist-grade`` and its subcommands go on as the grading
    user (:mod:`autograder.sandbox.privsep`) where one exists: ``fmnist-grader``,
    as the guide sets it up. The tests make their courses as root, in folders
    that user cannot write, and a command called in this process would turn the
    rest of the test run into that user. ``FMNIST_GRADING_USER=none`` keeps
    root's rights; the drop itself is tried in ``tests/test_privsep.py`` and
    ``tests/test_sandbox_nothing_shared.py``, which name their grading user.
    """
    import os

    from autograder.sandbox.privsep import NO_USER, USER_VAR

    saved = os.environ.get(USER_VAR)
    os.environ[USER_VAR] = NO_USER
    yield
    if saved is None:
        os.environ.pop(USER_VAR, None)
    else:
        os.environ[USER_VAR] = saved
