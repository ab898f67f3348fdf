"""Alerting: rules judged on stored data, alert episodes with a persisted notification log,
silences and inhibition, and delivery through Apprise.

Layout (one concern per module):
- settings.py: the `[alerts]` section (targets, rules) and its validation;
- identity.py: an alert's fingerprint (hash of rule, kind, brand and source);
- rules.py: the rule registry (kind -> evaluator) and the conditions evaluators produce;
  spike_rules.py, mention_rules.py, health_rules.py: the built-in kinds;
- engine.py: the lifecycle firing -> resolved, reminders, silences, inhibition, the log;
- store.py: the SQL behind it (tables alerts, notification_log, silences, rule_state);
- messages.py: what a notification says, rendered and escaped per target kind;
- delivery.py: Apprise, retries, the private-address guard, `send_to_targets`;
- jobs.py: the daemon's hooks (after each poll, on a timer).
"""
