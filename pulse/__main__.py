"""`python -m pulse` runs the same command as the `pulse` console script."""

from pulse.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
