"""Turn the OpenAPI description into rows a template can show: operations, parameters and fields."""
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

METHODS = ("get", "post", "put", "patch", "delete")


def operations(description):
    """Every operation in path order: method, path, summary, description, parameters, body and answers."""
    schemas = description["components"]["schemas"]
    result = []
    for path, item in description["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            result.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": operation["summary"],
                    "description": inline_code(operation.get("description", "")),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": type_name(parameter["schema"], schemas),
                            "description": inline_code(parameter.get("description", "")),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": [
                        {"media_type": media_type, "fields": fields(content["schema"], schemas)}
                        for media_type, content in body.items()
                    ],
                    "responses": [
                        {
                            "status": status,
                            "description": inline_code(answer["description"]),
                            "media_types": [
                                {"media_type": media_type, "fields": fields(content["schema"], schemas)}
                                for media_type, content in answer.get("content", {}).items()
                            ],
                        }
                        for status, answer in operation["responses"].items()
                    ],
                }
            )
    return result


def inline_code(text):
    """The description's `code` spans as <code>, everything else escaped."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


def resolve(schema, schemas):
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def type_name(schema, schemas):
    """A short readable type: `string`, `integer or null`, `array of Unit`, `one of province, city`."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"array of {type_name(schema.get('items', {}), schemas)}"
    return kind


def fields(schema, schemas, prefix="", depth=0, seen=()):
    """The fields of an answer or body, one row each, nested fields named by their path (`units[].slug`)."""
    name = schema["$ref"].rsplit("/", 1)[1] if "$ref" in schema else None
    if name in seen or depth > 4:
        return []
    seen = (*seen, name) if name else seen
    schema = resolve(schema, schemas)
    if schema.get("type") == "array":
        return fields(schema.get("items", {}), schemas, f"{prefix}[]", depth, seen)
    rows = []
    required = set(schema.get("required", ()))
    for key, child in schema.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        resolved = resolve(child, schemas)
        rows.append(
            {
                "name": path,
                "type": type_name(child, schemas),
                "required": key in required,
                "description": inline_code(child.get("description") or resolved.get("description", "")),
                "depth": depth,
            }
        )
        rows.extend(fields(child, schemas, path, depth + 1, seen))
    return rows
