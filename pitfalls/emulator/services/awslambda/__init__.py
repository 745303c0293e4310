"""Lambda: functions, versions, aliases."""
