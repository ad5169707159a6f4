"""Built-in task specs, one TOML file per benchmark; installed as `pgeval.builtin_tasks`."""
