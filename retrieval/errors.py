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


class StoreError(NewsdeskError):
    """The data dir, the state database or the vector store cannot be opened (not writable, not a
    folder, damaged); the message names the path and the way out (retrieval/store/opening.py)."""


class DamagedVectorsError(StoreError):
    """The embedded vector store's files are damaged: `newsdesk reindex` sets them aside and
    rebuilds the vectors from the article texts in the state database."""
