"""Test helpers: the replay server and the connector contract cases."""
