"""Anchor: a SARIF log decoded by msgspec into typed structs of the fields a gate uses; the
results counted by effective level (the result's, else the rule's default), printed as JSON.
python sarif_msgspec.py FILE"""

import json
import sys
from pathlib import Path

import msgspec


class Config(msgspec.Struct):
    level: str = "warning"


class Rule(msgspec.Struct):
    id: str = ""
    defaultConfiguration: Config | None = None


class Driver(msgspec.Struct):
    name: str = ""
    rules: list[Rule] = []


class Tool(msgspec.Struct):
    driver: Driver


class Artifact(msgspec.Struct):
    uri: str = ""


class Region(msgspec.Struct):
    startLine: int | None = None


class Physical(msgspec.Struct):
    artifactLocation: Artifact | None = None
    region: Region | None = None


class Location(msgspec.Struct):
    physicalLocation: Physical | None = None


class Message(msgspec.Struct):
    text: str = ""


class Result(msgspec.Struct):
    ruleId: str | None = None
    ruleIndex: int | None = None
    level: str | None = None
    message: Message | None = None
    locations: list[Location] = []
    partialFingerprints: dict[str, str] = {}


class Run(msgspec.Struct):
    tool: Tool
    results: list[Result]


class Log(msgspec.Struct):
    version: str
    runs: list[Run]


with Path(sys.argv[1]).open("rb") as fh:
    log = msgspec.json.decode(fh.read(), type=Log)
counts = {"error": 0, "warning": 0, "note": 0}
for run in log.runs:
    rules = run.tool.driver.rules
    for r in run.results:
        level = r.level
        if level is None and r.ruleIndex is not None:
            config = rules[r.ruleIndex].defaultConfiguration
            level = config.level if config else "warning"
        counts[level or "warning"] = counts.get(level or "warning", 0) + 1
print(json.dumps({"results": sum(counts.values()), "by_level": counts}))
