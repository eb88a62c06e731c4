"""The run service: the one way every face starts, follows, cancels and records a run.

See ``service`` (the lifecycle) and ``notebook_ops.model.contracts.runs`` (the record).
"""
