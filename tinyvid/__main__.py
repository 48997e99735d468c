"""The ``tinyvid`` command line: ``python -m tinyvid COMMAND ...`` (or ``tinyvid COMMAND``).

Each command lives in its own module and is imported only when used, so ``--help`` is instant.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module with a main(argv), one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "data": ("tinyvid.cli_data", "make Moving MNIST videos and save them as mp4/gif"),
    "sample": ("tinyvid.cli_sample", "generate a video: text-to-video, image-to-video, extend, interpolate"),
    "train": ("tinyvid.train", "train a model from a preset (train --list) or a TOML file of its fields"),
    "train-detector": ("tinyvid.cli_train_detector", "train the evaluation detector"),
    "eval": ("tinyvid.metrics.evaluate", "evaluate the shipped pipeline or the real-vs-real floor"),
    "bench": ("tinyvid.benchmarks", "speed benchmarks: data, blocks, sample, train"),
}


def _usage() -> str:
    lines = ["usage: python -m tinyvid COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<15} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "python -m tinyvid COMMAND --help   shows a command's options"]
    return "\n".join(lines)


def _bench(argv: list[str]) -> int:
    import pkgutil

    import tinyvid.benchmarks as benches

    names = sorted(m.name for m in pkgutil.iter_modules(benches.__path__))
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: python -m tinyvid bench {{{','.join(names)}}} [ARGS...]")
        return 0 if argv else 2
    if argv[0] not in names:
        print(f"unknown benchmark {argv[0]!r}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    importlib.import_module(f"tinyvid.benchmarks.{argv[0]}").main(argv[1:])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    if command == "bench":
        return _bench(rest)
    module_name = COMMANDS[command][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise
        print(f"`{command}` is not available in this version of tinyvid yet ({module_name} is missing)",
              file=sys.stderr)
        return 2
    result = module.main(rest)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
