"""Jobs the user waits for: a JobRun row per run, with status, progress and log."""
