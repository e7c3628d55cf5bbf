"""The exceptions cascadesim raises for bad input and for outputs it cannot write."""


class ConfigError(ValueError):
    """Bad input: one line per problem, each naming the file (or the option) and the JSON pointer.

    ``issues`` holds every problem as ``(file, pointer, message)``; ``file`` and ``pointer`` are the first one's.
    ``str(error)`` is what the command line prints.
    """

    def __init__(self, message, issues=()):
        super().__init__(message)
        self.issues = [tuple(issue) for issue in issues]

    @property
    def file(self):
        return self.issues[0][0] if self.issues else None

    @property
    def pointer(self):
        return self.issues[0][1] if self.issues else None


class OutputError(OSError):
    """An output that could not be written (a bad folder, a full disk, a folder another sweep holds)."""
