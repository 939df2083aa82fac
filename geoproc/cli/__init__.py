"""The ``geoproc`` command line.

Each command group lives in its own module in this package and defines
``register(subparsers)``, which adds its sub-command(s) and sets ``func`` on the
parser. Modules are discovered here, so adding a command never touches this file.
Heavy libraries are imported inside the command functions, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from geoproc import __version__

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geoproc",
        description="Geoprocessing and spatial econometrics for regional science.",
    )
    parser.add_argument("--version", action="version", version=f"geoproc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad input, 1 other failure)."""
    from geoproc.cli._common import command_warnings
    from geoproc.errors import GeoprocInputError
    from geoproc.outputs import Terminated, command_inputs, protect_inputs, terminate_as_interrupt

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        # a warning is a message to the user: one line, not a code frame; only while the
        # command runs, so a program calling main() keeps its own warning format
        # SIGTERM (timeout, kill, batch schedulers) takes Ctrl-C's path: partial files go
        # and no writer may replace a file named as an input, whatever --overwrite says
        with command_warnings(args.command), terminate_as_interrupt(), \
                protect_inputs(command_inputs(args)):
            result = args.func(args)
    except (GeoprocInputError, FileExistsError, FileNotFoundError, IsADirectoryError,
            NotADirectoryError) as exc:
        print(f"geoproc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            print(f"geoproc {args.command}: terminated ({exc}); nothing written", file=sys.stderr)
            return 143  # 128 + SIGTERM, what a shell reports for a terminated command
        print(f"geoproc {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
