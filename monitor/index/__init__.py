"""The satisfaction index: survey and customer imports, the index per brand and period, and the
daemon's jobs.

- periods.py: weeks and months in the settings' time zone (the one Period type);
- surveys.py, customers.py: importing survey responses and customer counts;
- queries.py: the SQL behind them and the snapshots;
- calculator.py: the index of a brand per period, and its snapshots;
- business.py: CSAT, NPS, CES, retention, churn and CLV for a time range (the weekly report);
- jobs.py: the daemon's first-cycle and daily recompute.

Its settings are monitor/config/index.py; the commands are monitor/cli/index.py.
"""
