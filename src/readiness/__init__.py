"""readiness: a launch-readiness and quality-gate engine.

Data flows one way: definition -> evidence -> metrics -> evaluation -> verdict -> render,
with the CLI on top (see the import-linter contract in pyproject.toml).
"""

__version__ = "0.1.0"
