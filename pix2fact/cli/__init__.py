"""The `pix2fact` command line."""


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("pix2fact: the command line is not built yet")
