"""The work of each command, one module per family; `readiness.cli` keeps only the click
declarations and the printing.

Nothing here prints or exits: each function returns what the command says (text, lines, the
report) or the exit code it ends with, and raises a `ReadinessError` for cli's one handler.
Progress displays, which must write while a check runs, are handed the stream by cli.
This package sits just below cli and above everything a command drives (the portfolio, the
store, the runs of checks, the pipeline, the attestations, the renderers).
"""
