"""The application layer: the one place that orchestrates the stages.

`context.Context` is built once per command from `Settings`; `library` gets papers in and
resolves cited ids; `report` answers questions and checks claims; `recheck` re-verifies
existing claims tables; `evaluate` measures the models. Only this package and `cli/` see
the whole `Settings`.
"""
