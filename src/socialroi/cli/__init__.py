"""The ``socialroi`` command: one Typer app, one module per verb group."""

from __future__ import annotations

from socialroi.cli import _app

__all__ = ["app", "main"]

app = _app.app
_app.register_commands()


def main() -> None:
    """Entry point of the ``socialroi`` script."""
    app()
