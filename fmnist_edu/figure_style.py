"""What every figure of the study shares: class colours, label checks, saving.

:func:`save_figure` writes a PNG at 120 dpi; ``palette=True`` saves it with
256 colours (:func:`save_palette_png`), which keeps a scatter plot of thousands
of points under 300 kB.
"""

import io
from pathlib import Path

from fmnist_edu._validation import check_labels
from fmnist_edu.data import CLASS_NAMES

# one colour per class, kept across all figures (matplotlib's tab10)
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


def colour(k):
    """The colour of class `k` in every figure."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def save_figure(fig, path, palette=False):
    """Save `fig` to `path` (if given) and return it.

    `palette` saves a PNG with 256 colours (:func:`save_palette_png`).
    """
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if palette and path.suffix.lower() == ".png":
            save_palette_png(fig, path)
        else:
            fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def save_palette_png(fig, path, dpi=120):
    """Save `fig` as a PNG of 256 colours: a scatter plot 3 times smaller, same look.

    Thousands of semi-transparent, anti-aliased points give a plot thousands
    of near-identical colours that compress badly (the study's pair plot took
    1.1 MB). 256 colours chosen by median cut, without dithering, keep its
    points, lines and text as they look; a smooth colour bar would show steps,
    so the other figures are saved as they are.
    """
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    image = Image.open(buffer).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(path, format="png", optimize=True)


def class_labels(y, name="y"):
    """Integer labels 0..K-1 of shape (n_samples,)."""
    y = check_labels(y, name=name)
    if y.min() < 0:
        raise ValueError(f"{name} holds label {y.min()}, labels must be 0..K-1")
    return y


def class_names_for(class_names, largest_label):
    """Number of classes and their names: all of `class_names` when given."""
    if class_names is None:
        n_classes = largest_label + 1
        names = list(CLASS_NAMES[:n_classes])
        names += [str(k) for k in range(len(names), n_classes)]
        return n_classes, names
    names = [str(name) for name in class_names]
    if len(names) <= largest_label:
        raise ValueError(
            f"class_names has {len(names)} names, but a label is {largest_label}"
        )
    return len(names), names
