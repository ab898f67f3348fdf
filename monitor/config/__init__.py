"""settings.toml: the Settings every feature reads, and one module per section.

- settings.py: loading and validation; the root model, brands, sources, storage, daemon;
- fields.py: the field types the sections share (Duration, Name, StrictModel);
- durations.py: "15m" / "1h30m" parsing and display; errors.py: one wording for every mistake;
- alerts.py, alert_kinds.py: `[alerts]` (targets, rules) and the registry of rule kinds;
- detection.py: `[detection]`; index.py: `[surveys]`, `[customers]`, `[index]`; report.py: `[report]`.

Settings import no feature package (cli, index, alerting, report, daemon, status); features import
settings.
"""

from monitor.config.settings import (
    DEFAULT_CONFIG,
    Brand,
    Settings,
    Source,
    config_path,
    load_settings,
    parse_settings,
)

__all__ = ["DEFAULT_CONFIG", "Brand", "Settings", "Source", "config_path", "load_settings", "parse_settings"]
