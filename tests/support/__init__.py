"""Test helpers shared across folders: the replay server, connector contract cases, alert fixtures."""
