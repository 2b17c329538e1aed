"""Typed settings, declared once: name, type, default, description.

Sources, later wins: defaults → TOML file (``OFFICER_CONSOLE_CONFIG`` or ``<data_dir>/config.toml``)
→ environment (``OFFICER_CONSOLE_<NAME>``). Every path is injectable so tests and ``--demo``
never touch a user's real data. Values are checked when loaded, so a bad file is reported at
start-up; secrets (vendor keys, PBX and webhook passwords) are never settings: they come from
the environment or the OS keyring only (:mod:`officer_console.credentials`) and are
refused in the TOML file.

The pieces: :mod:`.settings` (the fields), :mod:`.checks` (one value's check),
:mod:`.validation` (checks across fields), :mod:`.loading` (file and environment).
"""

from officer_console.config.loading import load_settings
from officer_console.config.settings import ENV_PREFIX, ConfigError, Settings

__all__ = ["ENV_PREFIX", "ConfigError", "Settings", "load_settings"]
