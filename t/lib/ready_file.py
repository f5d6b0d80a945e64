"""The ready file of a test upstream (t/lib/WSGuard.pm start_server()):
the port it listens on, PORT 0 on its command line being the kernel's
choice, written whole before the file appears."""

import os


def write_ready(path, port):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(path + ".tmp", path)
