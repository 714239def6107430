"""The exception tree of socialroi.

::

    SocialRoiError                      root: the CLI prints the message and the next step, exit 1
    ├── ConfigError(ValueError)         a setting or option is wrong (unknown engine, bad period)
    ├── WorkspaceNotFound(LookupError)  a workspace id that does not exist
    ├── EngineError                     the database or Spark failed; the driver error is chained
    │   └── SchemaVersionError          the database was written by a newer socialroi
    └── ImportRejected(ValueError)      an import found bad input; nothing was written
                                        (carries the list of ImportProblem)

Input errors subclass ``ValueError`` as well, so callers that only know the standard library
still catch them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "EngineError",
    "ImportProblem",
    "ImportRejected",
    "SchemaVersionError",
    "SocialRoiError",
    "WorkspaceNotFound",
]


class SocialRoiError(Exception):
    """Root of every error socialroi raises on purpose.

    ``hint`` says what the user should do next; the CLI prints it under the message.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(SocialRoiError, ValueError):
    """Raised when an option or setting has a value socialroi cannot use."""


class WorkspaceNotFound(SocialRoiError, LookupError):
    """Raised when a workspace id names no workspace in the database."""


class EngineError(SocialRoiError):
    """Raised when the engine (DuckDB or Spark) fails; the driver's exception is chained."""


class SchemaVersionError(EngineError):
    """Raised when the database's schema is newer than this socialroi knows."""


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One bad cell (or row, or file) found while importing.

    ``line`` is the 1-based physical line in the file where the row starts (the header is line 1
    of a CSV); ``column`` is the canonical column name; ``code`` is a stable slug such as
    ``bad-timestamp`` that tests and tools can rely on.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    code: str

    def render(self) -> str:
        """``file:line: column 'x': got '…', expected …`` (parts that are unknown are left out)."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where + ":"]
        if self.column is not None:
            parts.append(f"column '{self.column}':")
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            parts.append(f"got {shown!r},")
        parts.append(f"expected {self.expected} [{self.code}]")
        return " ".join(parts)


class ImportRejected(SocialRoiError, ValueError):
    """Raised when an import finds bad input; the database is left exactly as it was."""

    def __init__(
        self,
        problems: Sequence[ImportProblem],
        *,
        total: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        shown = "\n".join("  " + p.render() for p in self.problems[:20])
        more = self.total - min(len(self.problems), 20)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"import rejected, nothing was written ({self.total} problem(s)):\n{shown}{tail}",
            hint=hint
            or "fix the values named above and import again, or pass --skip-bad-rows to import "
            "the good rows and write a reject report",
        )
