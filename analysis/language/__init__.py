"""Which language a text is in: the detector protocol (base) and the bundled detector whose model
ships inside an installed package (bundled)."""
