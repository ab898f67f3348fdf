"""`monitor backtest`: the alerts a spike rule would have raised on a history.

The command is defined, for now, beside the backtest logic in monitor/alerting/backtest.py (that
module is being rewritten with the spike detector); this is its place in the CLI.
"""

from monitor.alerting.backtest import backtest_command

__all__ = ["backtest_command"]
