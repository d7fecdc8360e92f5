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
