"""The metric filters of template.yaml, applied to log lines the way CloudWatch Logs applies them,
so tests can show which datapoints real function logs produce (ministack stores metric filters but
does not evaluate them).

Covers the subset of the JSON filter-pattern syntax the template uses, and refuses anything else:
`{ <expr> }` with `&&`, `||`, parentheses, and `$.a.b <op> <value>` where <op> is one of
= != > < >= <= and <value> is a quoted string (`*` wildcards allowed), a bare `*` (the field is
present) or a number.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'\s*(\(|\)|&&|\|\||>=|<=|!=|=|>|<|"[^"]*"|\$\.[A-Za-z0-9_.]+|\*|-?[0-9]+(?:\.[0-9]+)?)')


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (`!Ref`, `!Sub`, …) read as plain values."""


def _any_tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


_CfnLoader.add_multi_constructor("!", _any_tag)


def load_template(path: Path = ROOT / "template.yaml") -> dict:
    return yaml.load(path.read_text(), _CfnLoader)


@dataclass(frozen=True)
class MetricFilter:
    name: str          # logical id in the template
    binary: str        # the function whose log group it reads
    pattern: str
    namespace: str
    metric: str
    value: str         # "1" or a selector
    unit: str | None
    dimensions: tuple[tuple[str, str], ...]


def template_metric_filters(template: dict | None = None) -> list[MetricFilter]:
    template = template or load_template()
    resources = template["Resources"]
    found = []
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Logs::MetricFilter":
            continue
        props = resource["Properties"]
        # !If [CreateRetainedLogGroups, !Ref <group>, ...]: the log group resource the filter reads
        logical = props["LogGroupName"][1] if isinstance(props["LogGroupName"], list) else props["LogGroupName"]
        group = resources[logical]["Properties"]["LogGroupName"]
        binary = re.fullmatch(r"/aws/lambda/amplify-login-([a-z-]+)-\$\{ShortCode\}", group).group(1)
        (transformation,) = props["MetricTransformations"]
        found.append(MetricFilter(
            name=name, binary=binary, pattern=props["FilterPattern"],
            namespace=transformation["MetricNamespace"], metric=transformation["MetricName"],
            value=str(transformation["MetricValue"]), unit=transformation.get("Unit"),
            dimensions=tuple((d["Key"], d["Value"]) for d in transformation.get("Dimensions", [])),
        ))
    return found


def _select(record: dict, selector: str):
    value = record
    for key in selector[2:].split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _compare(found, op: str, literal: str) -> bool:
    if literal == "*":
        if op != "=":
            raise ValueError("only `= *` is supported")
        return found is not None
    if literal.startswith('"'):
        if not isinstance(found, str):
            return False
        matched = fnmatch.fnmatchcase(found, literal[1:-1])
        if op == "=":
            return matched
        if op == "!=":
            return not matched
        raise ValueError(f"{op} on a string")
    if isinstance(found, bool) or not isinstance(found, (int, float)):
        return False
    number = float(literal)
    return {"=": found == number, "!=": found != number, ">": found > number, "<": found < number,
            ">=": found >= number, "<=": found <= number}[op]


def matches(pattern: str, record: dict) -> bool:
    pattern = pattern.strip()
    if not (pattern.startswith("{") and pattern.endswith("}")):
        raise ValueError(f"not a JSON filter pattern: {pattern}")
    body = pattern[1:-1]
    tokens, at = [], 0
    while body[at:].strip():
        token = TOKEN.match(body, at)
        if not token:
            raise ValueError(f"cannot read {body[at:]!r} in {pattern}")
        tokens.append(token.group(1))
        at = token.end()

    def chain(i, operator, operand, combine):
        """`operand (operator operand)*`, folded with `combine`."""
        result, i = operand(i)
        while i < len(tokens) and tokens[i] == operator:
            right, i = operand(i + 1)
            result = combine(result, right)
        return result, i

    def disjunction(i):
        return chain(i, "||", conjunction, lambda a, b: a or b)

    def conjunction(i):
        return chain(i, "&&", term, lambda a, b: a and b)

    def term(i):
        if tokens[i] == "(":
            result, i = disjunction(i + 1)
            if tokens[i] != ")":
                raise ValueError(f"unbalanced parentheses in {pattern}")
            return result, i + 1
        selector, op, literal = tokens[i:i + 3]
        if not selector.startswith("$.") or op not in {"=", "!=", ">", "<", ">=", "<="}:
            raise ValueError(f"unsupported comparison {tokens[i:i + 3]} in {pattern}")
        return _compare(_select(record, selector), op, literal), i + 3

    result, end = disjunction(0)
    if end != len(tokens):
        raise ValueError(f"trailing tokens {tokens[end:]} in {pattern}")
    return result


@dataclass(frozen=True)
class Datapoint:
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    value: float


def datapoints(metric_filter: MetricFilter, lines: list[str]) -> list[Datapoint]:
    """What CloudWatch would publish for these log lines (non-JSON lines never match)."""
    published = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or not matches(metric_filter.pattern, record):
            continue
        value = _select(record, metric_filter.value) if metric_filter.value.startswith("$.") else float(metric_filter.value)
        dimensions = tuple((key, _select(record, selector)) for key, selector in metric_filter.dimensions)
        assert all(isinstance(v, str) and v for _, v in dimensions), f"{metric_filter.name}: empty dimension in {line}"
        published.append(Datapoint(metric_filter.metric, dimensions, float(value)))
    return published
