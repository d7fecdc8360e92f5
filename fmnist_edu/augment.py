"""Data augmentation for LeNet-5: random flips and shifts with tensor operations only.

No torchvision (there is no CPU build of it here): :func:`augment_batch` mirrors
and shifts a batch with indexing, and :class:`AugmentedBatches` serves shuffled,
augmented mini-batches, one pass per iteration.
"""

import math

import torch
import torch.nn.functional as F


def augment_batch(images, generator, max_shift=2, flip=True):
    """Randomly flip left-right and shift a batch of images, with tensor operations only.

    Parameters
    ----------
    images : torch.Tensor of shape (B, C, H, W)
        Normalised images; not modified.
    generator : torch.Generator
        Source of the random flips and shifts (makes augmentation repeatable).
    max_shift : int, default=2
        Each image moves by an offset drawn uniformly from -max_shift..max_shift
        pixels along each axis; the uncovered border takes the image's own
        minimum value (the background after normalisation).
    flip : bool, default=True
        Mirror each image left-right with probability 1/2 (valid for clothes).

    Returns
    -------
    augmented : torch.Tensor of shape (B, C, H, W)
    """
    batch, _, height, width = images.shape
    out = images
    if flip:
        mirror = torch.rand(batch, generator=generator) < 0.5
        out = torch.where(mirror[:, None, None, None], out.flip(-1), out)
    if max_shift > 0:
        background = float(images.min())
        padded = F.pad(out, (max_shift,) * 4, value=background)
        dy = torch.randint(0, 2 * max_shift + 1, (batch,), generator=generator)
        dx = torch.randint(0, 2 * max_shift + 1, (batch,), generator=generator)
        rows = (dy[:, None] + torch.arange(height))[:, None, :, None]  # (B, 1, H, 1)
        cols = (dx[:, None] + torch.arange(width))[:, None, None, :]  # (B, 1, 1, W)
        sample = torch.arange(batch)[:, None, None, None]
        channel = torch.arange(images.shape[1])[None, :, None, None]
        out = padded[sample, channel, rows, cols]
    return out


class AugmentedBatches:
    """Iterable of shuffled, augmented (inputs, targets) batches, one pass per iteration."""

    def __init__(self, images, targets, batch_size, generator, augment):
        self.images = images
        self.targets = targets
        self.batch_size = batch_size
        self.generator = generator
        self.augment = augment

    def __len__(self):
        return math.ceil(len(self.targets) / self.batch_size)

    def __iter__(self):
        order = torch.randperm(len(self.targets), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            inputs = self.images[idx]
            if self.augment:
                inputs = augment_batch(inputs, self.generator)
            yield inputs, self.targets[idx]
