"""User-facing errors: the CLI prints these as one line and exits nonzero, without a traceback."""


class UserError(Exception):
    """A mistake in the user's input (a name, a path, a shape); the message says what to do instead."""
