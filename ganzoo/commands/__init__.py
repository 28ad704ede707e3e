"""ganzoo's own subcommands besides LightningCLI's: ``sample`` and ``evaluate``."""
