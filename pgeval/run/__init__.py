"""Running a checkpoint on tasks: planning (`plan`), generating batch by batch (`generation`), one task's
work in memory (`task`), the run directory and its lock and partial files (`directory`, `lock`,
`partial`, `hashing`), the whole `pgeval run` (`evaluation`) and `pgeval infer` (`inference`)."""
