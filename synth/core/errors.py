"""User-facing errors: something the user can fix. Anything else is a bug and shows a traceback.

The CLI catches `SynthError` in one place and prints `error: …` and `hint: …` to stderr.
"""

from __future__ import annotations


class SynthError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):  # keep errors picklable across processes
        return (_rebuild, (type(self), self.message, self.hint))


def _rebuild(cls: type[SynthError], message: str, hint: str | None) -> SynthError:
    return cls(message, hint=hint)


class ConfigError(SynthError):
    """A bad setting or option value."""


class InvalidIdError(SynthError):
    """An identifier that is not an arXiv id (or otherwise unusable)."""


class NotFoundError(SynthError):
    """A paper, file or record that is not where it was asked for."""


class OfflineError(SynthError):
    """The network is needed but synth is offline or the host is unreachable."""


class FetchError(SynthError):
    """An HTTP request failed after its retries."""


class ParseError(SynthError):
    """A PDF or source document could not be read."""


class StorageError(SynthError):
    """synth's home, library database or an output file cannot be written or read."""


class ModelError(SynthError):
    """A model could not be built or loaded."""


class BatchFailed(SynthError):
    """Some items of a batch failed; each was reported already with its own error and hint."""
