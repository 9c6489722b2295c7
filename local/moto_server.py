"""``python -m local.moto_server -H 127.0.0.1 -p PORT``: moto's server with the local patches installed.

See ``local/moto_patches.py`` for what is patched and why.
"""

from __future__ import annotations

import sys

from local import moto_patches


def main() -> None:
    moto_patches.install()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
