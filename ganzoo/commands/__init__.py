"""ganzoo's own subcommands besides LightningCLI's: ``sample``, ``evaluate``, ``fid`` and ``lab``."""
