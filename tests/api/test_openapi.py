"""/api/v3/openapi.json renders, and each of our operations declares the errors it can answer with."""

import pytest

# Every operation of ours: 400 and 404 for `?site=`, 422 for bad input, 429 for the rate limit.
COMMON = {"400", "404", "422", "429"}
OUR_ERRORS = {
    "news_list": COMMON,
    "news_detail": COMMON,
    "reports_list": COMMON,
    "reports_detail": COMMON | {"409"},
    "chronicle_list": COMMON,
    "navigation": COMMON,
    "preview": COMMON | {"403"},
    # 503: the search engine cannot be reached (Elasticsearch down).
    "search": COMMON | {"503"},
    "search_suggest": COMMON | {"503"},
}
OUR_TAGS = {"news", "reports", "chronicle", "navigation", "preview", "search"}


@pytest.fixture
def document(api_client, db):
    response = api_client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    return {
        operation["operationId"]: operation
        for methods in document["paths"].values()
        for operation in methods.values()
        if set(operation.get("tags", [])) & OUR_TAGS
    }


def test_every_operation_of_ours_is_listed(document):
    assert set(operations(document)) == set(OUR_ERRORS)


@pytest.mark.parametrize("operation_id", sorted(OUR_ERRORS))
def test_errors_are_declared_as_problem_details(document, operation_id):
    responses = operations(document)[operation_id]["responses"]
    errors = {status for status in responses if status.isdigit() and int(status) >= 400}
    assert errors == OUR_ERRORS[operation_id]
    for status in errors:
        assert responses[status]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }


def test_public_answers_declare_304_and_drafts_do_not(document):
    conditional = {
        operation_id for operation_id, operation in operations(document).items() if "304" in operation["responses"]
    }
    assert conditional == set(OUR_ERRORS) - {"preview"}


def test_problem_schema_is_rfc_7807_with_parameter_errors(document):
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    items = next(option for option in problem["properties"]["errors"]["anyOf"] if option.get("type") == "array")
    assert schemas[items["items"]["$ref"].rsplit("/", 1)[-1]]["required"] == ["type", "loc", "msg"]
