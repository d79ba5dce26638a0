"""The one error type the command line turns into a one-line message and exit code 2."""


class ConfigError(ValueError):
    """Bad input from the user (a config key, a name, a path). The message is one line that says what to do."""
