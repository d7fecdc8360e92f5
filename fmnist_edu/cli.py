"""The ``fmnist-edu`` command line: a thin layer over the library.

``fmnist-edu data``
    Find, verify and describe the Fashion-MNIST files.
``fmnist-edu reproduce --out DIR``
    Rerun the whole study and write its figures, tables and ``results.json``.
"""

import argparse
import sys


def _cmd_data(args):
    from fmnist_edu.data import DataError, describe_data

    try:
        info = describe_data(args.data_dir)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_data_description(info))
    return 0


def format_data_description(info):
    """Render :func:`fmnist_edu.data.describe_data`'s dict as readable lines."""
    lines = ["files (all verified by the SHA-256 of their content):"]
    for f in info["files"]:
        lines.append(f"  {f['name']:<28} {f['count']:>6} items  {f['path']}  (found by: {f['rule']})")
    lines.append(
        f"course subset: {info['n_train']} train images (seed {info['subset_seed']}), "
        f"{info['n_test']} test images"
    )
    lines.append(f"  {'class':<12} {'train share':>11} {'test share':>10}")
    for name, tr, te in zip(info["class_names"], info["train_class_share"], info["test_class_share"]):
        lines.append(f"  {name:<12} {tr:>11.4f} {te:>10.4f}")
    return "\n".join(lines)


def _cmd_reproduce(args):
    from fmnist_edu.data import DataError
    from fmnist_edu.study import run_study

    try:
        results = run_study(args.out, data_dir=args.data_dir, quick=args.quick, seed=args.seed)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the study's figures, tables and results.json to {args.out}")
    if results.get("quick"):
        print("quick smoke run: subsets, a small grid, few epochs; not the study's result")
    for name, model in results["models"].items():
        print(
            f"{name:<15} train accuracy {model['train_accuracy']:.4f}  "
            f"test accuracy {model['test_accuracy']:.4f}  fit {model['fit_seconds']:.1f} s"
        )
    return 0


def build_parser():
    """Return the argument parser of ``fmnist-edu``."""
    parser = argparse.ArgumentParser(
        prog="fmnist-edu",
        description="Reproduce the fmnist-edu study: a 5-class Fashion-MNIST subset "
        "classified by a decision tree, a feed-forward network and LeNet-5.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="find, verify and describe the Fashion-MNIST files")
    data.add_argument(
        "--data-dir",
        default=None,
        help="folder of the four official files (default: $FMNIST_EDU_DATA, the user cache, "
        "Debian's dataset-fashion-mnist, else download)",
    )
    data.set_defaults(func=_cmd_data)

    rep = sub.add_parser("reproduce", help="rerun the whole study and write figures and tables")
    rep.add_argument("--out", required=True, help="folder to write results.json, figures and tables")
    rep.add_argument("--data-dir", default=None, help="folder of the four official files")
    rep.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run in under a minute: subsets, a small grid, few epochs",
    )
    rep.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
    rep.set_defaults(func=_cmd_reproduce)
    return parser


def main(argv=None):
    """Entry point of the ``fmnist-edu`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `fmnist-edu data | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
