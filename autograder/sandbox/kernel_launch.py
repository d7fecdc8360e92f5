"""The grading kernel's start: ipykernel on listening sockets the host made and handed over.

The host (:mod:`autograder.sandbox.kernel_host`) creates the kernel's five listening
unix sockets (shell, iopub, stdin, control, heartbeat) in a folder of its own
that the sandbox never sees, and starts this file with them as inherited
descriptors (``FMNIST_KERNEL_FDS="shell=3,iopub=4,..."``) and the connection
info as a read-only file. Here each of the kernel's binds to one of those
addresses takes its descriptor (zmq's ``ZMQ_USE_FD``) instead of creating a
socket file: the kernel's transport has no path the sandbox can write and
the host would follow, and nothing in the sandbox outlives it.

Inside the sandbox this file stands alone, as ``fmnist_kernel_launch``
(standard library, zmq and ipykernel only).
"""

import json
import os
import sys

CHANNELS = ("shell", "iopub", "stdin", "control", "hb")
INSIDE_FOLDER = "/run/fmnist-kernel"  # where the kernel's (read-only) connection file appears inside
INSIDE_CONNECTION = f"{INSIDE_FOLDER}/connection.json"
FDS_VAR = "FMNIST_KERNEL_FDS"


def addresses(info, fds):
    """{zmq address the kernel binds: inherited descriptor} from the connection info."""
    return {f"ipc://{info['ip']}-{int(info[name + '_port'])}": int(fd) for name, fd in fds.items()}


def parse_fds(text):
    """``"shell=3,iopub=4"`` -> {"shell": 3, "iopub": 4}; only the kernel's channels."""
    out = {}
    for item in text.split(","):
        name, _, fd = item.partition("=")
        if name not in CHANNELS or not fd.isdigit():
            raise ValueError(f"{FDS_VAR}: {item!r} is not CHANNEL=FD")
        out[name] = int(fd)
    missing = [c for c in CHANNELS if c not in out]
    if missing:
        raise ValueError(f"{FDS_VAR} lacks {', '.join(missing)}")
    return out


def use_descriptors(by_address):
    """Make zmq's bind to each address in `by_address` take its descriptor (once each)."""
    import zmq

    original = zmq.Socket.bind

    def bind(self, addr):
        fd = by_address.pop(addr, None)
        if fd is not None:
            self.setsockopt(zmq.USE_FD, fd)
        return original(self, addr)

    zmq.Socket.bind = bind


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) != 1:
        sys.exit("usage: fmnist_kernel_launch CONNECTION_FILE (with FMNIST_KERNEL_FDS set)")
    with open(argv[0], encoding="utf-8") as fh:
        info = json.load(fh)
    if info.get("transport") != "ipc":
        sys.exit("the grading kernel runs on ipc addresses only")
    use_descriptors(addresses(info, parse_fds(os.environ.pop(FDS_VAR, ""))))
    from ipykernel.kernelapp import launch_new_instance

    sys.argv = [sys.argv[0], "-f", argv[0]]
    launch_new_instance(argv=["-f", argv[0]])


if __name__ == "__main__":
    main()
