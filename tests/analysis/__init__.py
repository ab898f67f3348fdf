"""Tests of the pure-computation package `analysis`."""
