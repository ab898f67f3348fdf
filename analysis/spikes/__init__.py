"""Spike detection on bucketed mention counts (pure computation, no I/O).

- `analysis.spikes.params`: `SpikeParams`, the detector's parameters (no pandas: settings load it
  on every command);
- `analysis.spikes.detector`: `count_spike`, `share_rise`, `Verdict` (imports pandas);
- private modules: `_baseline` (seasonal expected counts), `_tail` (the statistic's own tail model,
  a SPOT-style peaks-over-threshold fit), `_lifecycle` (fire / stay firing / resolve).

This module deliberately imports nothing: `import analysis.spikes.params` must stay cheap.
"""
