"""Errors meant for users: the CLI and the bot show their message as it is, never a traceback."""


class NewsdeskError(Exception):
    """A problem the user can act on; the message is displayed to them."""

    exit_code = 1  # the command line's exit status for it


class BadInputError(NewsdeskError):
    """The user's input (a question, a path, a file) cannot be used."""


class ModelMismatchError(NewsdeskError):
    """The index was built with another embedding model than the one configured."""


class NotFoundError(NewsdeskError):
    """An article or namespace that does not exist."""
