"""Alerting: rules judged on stored data, alert episodes with a persisted notification log,
silences and inhibition, and delivery through Apprise.

Layout (one concern per module):
- rules.py: the evaluators of rule kinds (kind -> evaluator) and the conditions they produce;
  spike_rules.py, mention_rules.py, health_rules.py, index_rules.py: the built-in kinds;
- series.py: per-bucket mention counts from the store (what the spike rules judge);
- backtest.py: the alerts a spike rule would have raised on a history (`monitor backtest`);
- engine.py: the lifecycle firing -> resolved, reminders, silences, inhibition, the log;
- store.py: the SQL behind it (tables alerts, notification_log, silences, rule_state);
- messages.py: what a notification says, rendered and escaped per target kind;
- delivery.py: Apprise, retries, the private-address guard, `send_to_targets`;
- jobs.py: the daemon's hooks (after each poll, on a timer).

Settings (the `[alerts]` section, the declared rule kinds and their options, an alert's identity)
are in monitor/config/alerts.py and monitor/config/alert_kinds.py.
"""
