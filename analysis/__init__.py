"""Pure computation: sentiment, survey metrics, satisfaction index, spike detection, summaries.

Nothing here does I/O: functions take records or DataFrames and return numbers.
"""
