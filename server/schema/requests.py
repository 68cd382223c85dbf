"""What a request must be before it executes, and how its refusals are labelled.

- A literal the scalar refuses is a validation error naming the argument and the reason, never a
  masked "Unexpected error." (graphql-core keeps the scalar's exception as `original_error`,
  which is what masking looks at).
- Strings written into the document must be storable text: no NUL characters.
- A document with several operations needs an `operationName` (the spec's rule; Strawberry would
  otherwise run the first one).
- Every refusal before execution carries an `extensions.code`: GRAPHQL_VALIDATION_FAILED here,
  GRAPHQL_PARSE_FAILED and BAD_USER_INPUT (variables) in `execution.py`.
- The schema's guards come with them: the document's token limit (read by the parser), the depth
  and alias rules and, in production, the rule refusing introspection. The rule set an operation
  validates with is built once per schema.
"""

from __future__ import annotations

from typing import Any

from graphql import ExecutionResult, GraphQLError
from graphql.language import (
    SKIP,
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    OperationDefinitionNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VisitorAction,
)
from graphql.pyutils import print_path_list
from graphql.type import GraphQLInputType
from graphql.utilities import validate_input_literal
from graphql.validation import ASTValidationRule, ValuesOfCorrectTypeRule
from strawberry.types import ExecutionResult as StrawberryResult

from server.schema.scalars import InputRefused, text_refusal

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
REQUEST_ERROR_CODES = frozenset({PARSE_FAILED, VALIDATION_FAILED, BAD_USER_INPUT})


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """The error labelled with `code`, unless it already has one (labels never change)."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def is_request_error(result: ExecutionResult | StrawberryResult) -> bool:
    """The request was refused before any field ran (parse, validation, variables): no data at all."""
    errors = result.errors or []
    return (
        result.data is None
        and bool(errors)
        and all(e.path is None and (e.extensions or {}).get("code") in REQUEST_ERROR_CODES for e in errors)
    )


class LiteralValues(ValuesOfCorrectTypeRule):
    """graphql-core's rule for literals, with a scalar's refusal reported as the reason at its place."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._field = ""
        self._place = ""  # e.g. "Argument 'input' of 'availability'"
        self._name = ""  # e.g. "input"

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        self._field = node.name.value

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        self._field = "@" + node.name.value

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._name = node.name.value
        self._place = f"Argument '{self._name}' of '{self._field}'"

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        self._name = "$" + node.variable.name.value
        self._place = f"Default value of '{self._name}'"

    def is_valid_value_node(self, node: ValueNode, input_type: GraphQLInputType | None) -> VisitorAction:
        if input_type is None:
            return super().is_valid_value_node(node, input_type)

        def on_error(error: GraphQLError, path: list[str | int]) -> None:
            if isinstance(error, InputRefused):
                error = GraphQLError(
                    f"{self._place} has invalid value{print_path_list(path)}: {error.message}.",
                    node,
                    extensions={"code": VALIDATION_FAILED, "field": ".".join(map(str, [self._name, *path]))},
                )
            self.report_error(error)

        validate_input_literal(node, input_type, on_error, None, None, self.context.hide_suggestions)
        return SKIP


class TextLiterals(ASTValidationRule):
    """Strings written into the document must be storable: no NUL characters."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        reason = text_refusal(node.value)
        if reason is not None:
            self.report_error(GraphQLError(f"{reason}.", node, extensions={"code": VALIDATION_FAILED}))


Rules = tuple[type[ASTValidationRule], ...]


class Guards:
    """What every operation of a schema is held to besides the rules above: at most `max_tokens`
    tokens in its document (None: no limit) and the `extra` validation rules; whether it is counted
    and timed (`metrics`, `operation_metrics.py`) and its document's parse and validation are
    remembered (`caches`, `document_cache.py`). `schema_extension.py` applies them."""

    def __init__(
        self, max_tokens: int | None = None, extra: Rules = (), *, metrics: bool = False, caches: bool = True
    ) -> None:
        self.max_tokens = max_tokens
        self.extra = extra
        self.metrics = metrics
        self.caches = caches
        self._rules: dict[Rules, Rules] = {}

    def rules(self, given: Rules) -> Rules:
        """The rules an operation validates with, the same tuple every time for the same `given`
        (the validation cache compares them)."""
        rules = self._rules.get(given)
        if rules is None:
            replaced = tuple(LiteralValues if rule is ValuesOfCorrectTypeRule else rule for rule in given)
            rules = self._rules[given] = (*replaced, *self.extra, TextLiterals)
        return rules


def missing_operation_name(context: Any) -> GraphQLError | None:
    """The spec's refusal of a document with several operations and no `operationName`, if due."""
    if not _names_no_operation(context) or context.graphql_document is None:
        return None
    operations = [d for d in context.graphql_document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) < 2:
        return None
    return GraphQLError(
        "Must provide operation name if query contains multiple operations.", extensions={"code": VALIDATION_FAILED}
    )


def _names_no_operation(context: Any) -> bool:
    # Strawberry fills `operation_name` in from the first operation when the request names none;
    # what the client sent is kept apart, and only that tells the two cases apart.
    return getattr(context, "_provided_operation_name", None) is None


MAX_VARIABLE_DEPTH = 16  # deeper than any input type nests
MAX_VARIABLE_VALUES = 10_000


def variable_errors(raw: dict[str, Any] | None) -> list[GraphQLError]:
    """Variables that no input type could hold, or whose text cannot be stored; checked before coercion.

    Walked with a stack, not recursion: the depth of a value is what is being checked.
    """
    errors: list[GraphQLError] = []
    stack: list[tuple[str, list[str | int], Any]] = [(name, [], value) for name, value in (raw or {}).items()]
    seen = 0
    while stack and len(errors) < 10:
        name, path, value = stack.pop()
        seen += 1
        reason = None
        if seen > MAX_VARIABLE_VALUES:
            errors.append(_variable_error(name, [], f"Variables hold more than {MAX_VARIABLE_VALUES} values"))
            break
        if len(path) > MAX_VARIABLE_DEPTH:
            reason = f"Variables may nest at most {MAX_VARIABLE_DEPTH} deep"
        elif isinstance(value, str):
            reason = text_refusal(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                reason = reason or text_refusal(key)
                stack.append((name, [*path, key], item))
        elif isinstance(value, list):
            stack.extend((name, [*path, index], item) for index, item in enumerate(value))
        if reason is not None:
            errors.append(_variable_error(name, path, reason))
    return errors


def _variable_error(name: str, path: list[str | int], reason: str) -> GraphQLError:
    return GraphQLError(
        f"Variable '${name}' has invalid value{print_path_list(path)}: {reason}.",
        extensions={"code": BAD_USER_INPUT},
    )
